"""The rows of the matrix, in the order they are registered."""


class Scenario(object):
    """One row of the matrix: what it is called, the cluster (and stack)
    name it uses, what it expects (stated once, here), the kind of fault
    (``make test`` runs one row of every kind) and its function.

    The function drives the sandbox and records every difference with
    ``run.check`` / ``run.require``; the row's observed result is the
    expectation when there is none, else the differences."""

    def __init__(self, name, cluster, expect, kind, func, ci=False,
                 covers=()):
        self.name = name
        self.cluster = cluster
        self.expect = expect
        self.kind = kind
        self.func = func
        self.ci = ci
        self.covers = (kind,) + tuple(covers)


SCENARIOS = []


def scenario(name, cluster, expect, kind, ci=False, covers=()):
    """Register the decorated function as a row of the matrix; ``ci``
    marks a row ``make test`` runs; ``covers``: the fault kinds the row
    injects, when it injects several at once (one cluster for many
    kinds keeps CI short)."""
    def register(func):
        SCENARIOS.append(Scenario(name, cluster, expect, kind, func, ci,
                                  covers))
        return func
    return register


#: fault kinds whose matrix row CI does not run because another
#: functional test injects the same fault on a shared cluster (CI time);
#: ``make faults`` still runs their rows
PROVEN_ELSEWHERE = {
    'check': 'tests/functional/test_claims.py::'
             'test_check_marks_a_stopped_server_failed_in_phase_check and '
             'tests/functional/test_osc.py::'
             'test_a_dead_worker_is_found_by_check_and_healed_by_signal',
    'agent-deployment': 'tests/functional/test_agent_transport.py::'
                        'test_partially_active_with_the_failed_deployment '
                        'and test_heal_rebuilds_the_failed_worker',
}


def ci_rows():
    """The rows CI runs: with :data:`PROVEN_ELSEWHERE`, they inject every
    kind of fault."""
    rows = [s for s in SCENARIOS if s.ci]
    kinds = {s.kind for s in SCENARIOS}
    missing = kinds - {k for s in rows for k in s.covers} - set(
        PROVEN_ELSEWHERE)
    assert not missing, 'no CI row for fault kind(s) %s' % sorted(missing)
    return rows
