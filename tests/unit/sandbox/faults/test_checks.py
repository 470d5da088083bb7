"""savanna_sandbox.faults.checks: what the rows assert."""

import pytest

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import harness
from tests.unit.sandbox.faults import fakes


def test_victims_are_a_seeded_sample_of_at_least_one():
    assert checks.victims(8, 0.25, 7) == checks.victims(8, 0.25, 7)
    assert len(checks.victims(8, 0.25, 7)) == 2
    assert len(checks.victims(3, 0.01, 1)) == 1
    assert checks.victims(10, 1, 3) == list(range(10))


def test_require_stack_stops_the_row_with_the_reason():
    run = fakes.StubRun(reason='boom')
    checks.require_stack(run, fakes.ns(stack_status='UPDATE_COMPLETE'),
                         'UPDATE_COMPLETE', 'heal')
    assert run.failures == []
    with pytest.raises(harness.ScenarioFailed) as err:
        checks.require_created(run, fakes.ns(stack_status='CREATE_FAILED'))
    assert str(err.value) == 'create: CREATE_FAILED boom'
    assert run.failures == ['create: CREATE_FAILED boom']


def test_require_partially_active():
    run = fakes.StubRun(metadata={'status': 'ACTIVE', 'summary': 'all'})
    checks.require_partially_active(
        run, fakes.ns(stack_status='CREATE_COMPLETE'))
    assert run.failures == ['status all']


def test_check_failed_exactly_names_and_phases():
    run = fakes.StubRun(metadata={'failed_nodes': [
        {'name': 'worker-1', 'phase': 'boot', 'reason': 'no host'},
        {'name': 'worker-2', 'phase': 'network', 'reason': 'quota'}]})
    failed = checks.check_failed_exactly(run, {'worker-1': ('boot',),
                                               'worker-2': ('volume',)})
    assert sorted(failed) == ['worker-1', 'worker-2']
    assert run.failures == [
        "failed in phase(s) {'worker-2': 'network'}, expected "
        "{'worker-2': 'volume'}"]
    assert run.notes == ['failed: worker-1=boot, worker-2=network']
    run = fakes.StubRun(metadata={'failed_nodes': []})
    checks.check_failed_exactly(run, ['worker-3'], ('boot',))
    assert run.failures == ["failed_nodes [], expected ['worker-3']"]


def test_check_others_active_counts_volumes_and_mounts():
    nodes = [{'name': 'master-0', 'state': 'ACTIVE'},
             {'name': 'worker-0', 'state': 'ACTIVE'},
             {'name': 'worker-1', 'state': 'FAILED', 'phase': 'boot',
              'reason': 'x'}]
    servers = {'worker-0': {'volumes': [{'status': 'in-use'}],
                            'mounts': ['disk1']}}
    run = fakes.StubRun(nodes=nodes, servers=servers)
    checks.check_others_active(run, {'worker-1': {}}, volumes=1)
    assert run.failures == []
    checks.check_others_active(run, {}, volumes=2)
    assert run.failures == [
        'nodes not ACTIVE: [\'worker-1 (FAILED boot: x)\']',
        'worker-0 has 1 volumes in use',
        "worker-0 mounts ['disk1']",
        'worker-1 has 0 volumes in use', 'worker-1 mounts None']


def test_heal_to_active_keeps_the_healthy_and_names_the_new():
    before = {'master-0': {'id': 'm', 'status': 'ACTIVE'},
              'worker-0': {'id': 'a', 'status': 'ACTIVE'},
              'worker-1': {'id': 'b', 'status': 'ERROR'}}
    after = {'master-0': {'id': 'm'}, 'worker-0': {'id': 'a'},
             'worker-10': {'id': 'd'}, 'worker-2': {'id': 'c'}}
    run = fakes.StubRun(servers=before,
                        updated=({'status': 'ACTIVE'}, after))
    assert checks.heal_to_active(run, ['worker-1']) == ['worker-2',
                                                        'worker-10']
    assert run.calls == ['reset', 'update']
    assert run.failures == []
    assert run.notes[0].startswith('heal ')
