"""savanna_sandbox.faults.registry: the rows, in order; the CI rows."""

import pytest

from savanna_sandbox import faults
from savanna_sandbox.faults import registry

#: the matrix, in the order ``make faults`` runs it
ROWS = [
    'boot-1-of-10', 'boot-3-of-10', 'boot-master',
    'below-min-active-then-heal', 'volume-create-fails',
    'volume-attach-fails', 'port-create-fails', 'floating-ip-fails',
    'host-keys-late', 'one-fault-per-node', 'ssh-refused',
    'service-start-fails', 'agent-deployment-fails', 'bootstrap-fails',
    'api-500-503-server-polls',
    'hard-anti-affinity', 'soft-anti-affinity', 'engine-killed',
    'create-answers-lost', 'create-answers-lost-delete',
    'scale-down-with-failed', 'check-finds-dead-node',
    'rollback-failed-update', 'vanilla-image-without-hadoop',
    'auto-heal-worker-lost',
]


def test_the_matrix_in_order():
    assert [r.name for r in faults.SCENARIOS] == ROWS
    assert len({r.cluster for r in faults.SCENARIOS}) == len(ROWS)
    assert faults.find('engine-killed').cluster == 'fkill'
    with pytest.raises(KeyError):
        faults.find('nope')


def test_ci_rows_cover_every_kind():
    rows = faults.ci_rows()
    assert [r.name for r in rows] == [r for r in ROWS if faults.find(r).ci]
    covered = {k for r in rows for k in r.covers}
    kinds = {r.kind for r in faults.SCENARIOS}
    assert kinds - covered == set(registry.PROVEN_ELSEWHERE)


def test_a_kind_without_a_ci_row_is_refused(monkeypatch):
    monkeypatch.setattr(registry, 'SCENARIOS', [])

    @registry.scenario('a', 'ca', 'fine', 'boot', ci=True,
                       covers=('volume',))
    def a(run):
        pass

    @registry.scenario('b', 'cb', 'fine', 'disk')
    def b(run):
        pass
    assert registry.SCENARIOS[0].covers == ('boot', 'volume')
    assert registry.SCENARIOS[1].func is b
    with pytest.raises(AssertionError) as err:
        registry.ci_rows()
    assert "no CI row for fault kind(s) ['disk']" in str(err.value)
