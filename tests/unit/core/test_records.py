"""Node records: every change a phase makes to them, one call each."""

from heat_savanna.common import exceptions
from heat_savanna.core import build
from heat_savanna.core import health
from heat_savanna.core import model
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import records
from tests.unit.core import fakes

SPEC = model.parse_cluster(fakes.props())


def new_state():
    layout = plan_mod.plan_create(SPEC)
    state = {'layout': layout.to_dict(), 'nodes': {}}
    records.add_nodes(state, SPEC, layout, layout.names())
    return state


def test_new_nodes_are_building_with_their_group_processes():
    state = new_state()
    rec = state['nodes']['worker-1']
    assert (rec['group'], rec['state'], rec['phase']) == (
        'worker', health.BUILDING, 'boot')
    assert rec['processes'] == ['datanode', 'nodemanager']
    assert set(records.node_states(state)) == {
        'master-0', 'worker-0', 'worker-1', 'worker-2'}


def test_built_nodes_configure_and_failed_ones_say_why():
    state = new_state()
    found = {'worker-0': {'state': build.BUILT, 'server_id': 's0',
                          'fixed_ip': '10.0.0.3', 'host_keys': ['k']},
             'worker-1': {'state': build.FAILED, 'phase': 'volume',
                          'reason': 'HTTP 500', 'removed': True}}
    records.take_builds(state, ['worker-0', 'worker-1', 'worker-2'], found,
                        lambda group, reason: '%s/%s' % (group, reason))
    w0, w1, w2 = (state['nodes']['worker-%d' % i] for i in range(3))
    assert (w0['state'], w0['server_id'], w0['host_keys']) == (
        health.CONFIGURING, 's0', ['k'])
    assert (w1['state'], w1['phase'], w1['reason'], w1['removed']) == (
        health.FAILED, 'volume', 'worker/HTTP 500', True)
    assert (w2['state'], w2['phase'], w2['reason']) == (
        health.FAILED, 'boot', 'worker/not built')
    assert records.removed(state) == ['worker-1']
    assert records.has_failed_nodes(state)


def test_failures_of_a_run_and_a_trial_that_changes_nothing():
    state = new_state()
    failures = {'worker-2': exceptions.NodeFailure('worker-2', 'start',
                                                   'x' * 600),
                'gone-9': exceptions.NodeFailure('gone-9', 'start', 'y')}
    trial = records.with_failures(state, failures)
    assert trial['nodes']['worker-2']['state'] == health.FAILED
    assert state['nodes']['worker-2']['state'] == health.BUILDING
    records.take_failures(state, failures)
    assert len(state['nodes']['worker-2']['reason']) == \
        records.REASON_LIMIT
    assert 'gone-9' not in state['nodes']


def test_configured_nodes_become_active_only_those_asked():
    state = new_state()
    for rec in state['nodes'].values():
        records.mark(rec, health.CONFIGURING, 'configure')
    records.mark_configured(state, {'worker-0'})
    assert [n for n, r in sorted(state['nodes'].items())
            if r['state'] == health.ACTIVE] == ['worker-0']
    records.mark_configured(state)
    assert not [r for r in state['nodes'].values()
                if r['state'] != health.ACTIVE]


def test_a_check_fails_active_nodes_whose_server_is_gone_or_down():
    state = new_state()
    for rec in state['nodes'].values():
        records.mark(rec, health.ACTIVE)
    records.mark_lost(state, {'worker-0': (None, 'NotFound'),
                              'worker-1': ('SHUTOFF', ''),
                              'worker-2': ('ACTIVE', '')})
    nodes = state['nodes']
    assert (nodes['worker-0']['phase'], nodes['worker-0']['reason']) == (
        'check', 'server not found: NotFound')
    assert nodes['worker-1']['reason'] == 'server is SHUTOFF'
    assert nodes['worker-2']['state'] == health.ACTIVE


def test_host_keys_are_learnt_once():
    state = new_state()
    state['nodes']['worker-1']['host_keys'] = ['pinned']
    records.learn_host_keys(state, {'worker-0': 'first',
                                    'worker-1': 'other', 'gone': 'k'})
    assert state['nodes']['worker-0']['host_keys'] == ['first']
    assert state['nodes']['worker-1']['host_keys'] == ['pinned']


def test_the_public_view_lists_every_node_in_layout_order():
    state = new_state()
    state['nodes']['worker-0'].update(fixed_ip='10.0.0.3',
                                      floating_ip='172.24.4.9')
    view = records.public_view(state)
    assert [n['name'] for n in view] == [
        'master-0', 'worker-0', 'worker-1', 'worker-2']
    assert (view[1]['address'], view[1]['internal_address']) == (
        '172.24.4.9', '10.0.0.3')
    assert 'host_keys' not in view[1]
