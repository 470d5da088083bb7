"""savanna_sandbox.faults.scenarios.services: its rows, and the one body
they share."""

from savanna_sandbox.faults.scenarios import services
from tests.unit.sandbox.faults import fakes


def test_rows():
    assert fakes.rows_of(services) == [
        ('ssh-refused', 'fssh', 'ssh', False),
        ('service-start-fails', 'fsvc', 'service', False),
        ('agent-deployment-fails', 'fagd', 'agent-deployment', False),
        ('bootstrap-fails', 'fboot', 'bootstrap', True),
    ]


def test_one_node_fails_alone_in_its_phase():
    run = fakes.StubRun(name='fsvc', metadata={
        'status': 'PARTIALLY_ACTIVE',
        'failed_nodes': [{'name': 'worker-2', 'phase': 'start Spark workers',
                          'reason': 'exit 1'}]})
    made = []
    run.faults = made.append
    run.create = lambda template: (
        made.append(template['resources']['cluster']['properties'][
            'node_groups'][1]) or fakes.ns(stack_status='CREATE_COMPLETE'))
    services._one_node_fails(run, 'service_fail', 'worker-2',
                             ('start Spark workers',))
    assert made == [{'service_fail': ['fsvc-worker-2']},
                    {'name': 'worker', 'count': 3, 'min_active': '2',
                     'node_processes': ['worker']}]
    assert run.failures == []
