"""The lifecycle's decisions, alone: what an update does, what follows
each phase, when a run stops early, and what the operator reads."""

import pytest

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import health
from heat_savanna.core import lifecycle
from heat_savanna.core import model
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import records
from heat_savanna.core import signals
from heat_savanna.plugins import sizing
from tests.unit.core import fakes
from tests.unit.core.fakes import group

PLUGIN = fakes.FakeHadoop()


def spec(workers=3, min_active=None, **extra):
    groups = [group('master', 1, ['namenode', 'resourcemanager']),
              group('worker', workers, ['datanode', 'nodemanager'],
                    min_active=min_active)]
    return model.parse_cluster(fakes.props(node_groups=groups, **extra))


def state_of(the_spec, **states):
    layout = plan_mod.plan_create(the_spec)
    state = {'layout': layout.to_dict(), 'nodes': {}}
    records.add_nodes(state, the_spec, layout, layout.names())
    for rec in state['nodes'].values():
        records.mark(rec, health.ACTIVE)
        rec['fixed_ip'] = '10.0.0.9'
    for name, st in states.items():
        records.mark(state['nodes'][name.replace('_', '-')], st, 'boot',
                     'no host')
    return state


def test_a_scale_up_adds_nodes_and_says_so_for_a_signal():
    state = state_of(spec(3))
    request = signals.Request(action=signals.RESIZE, group='worker',
                              count=None, adjustment=2)
    new_template = spec(3)
    # the group's bounds allow growth only up to max_count
    bounded = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', 3, ['datanode', 'nodemanager'], max_count=5)]))
    decision = lifecycle.decide_update(state, bounded, bounded, PLUGIN, 5,
                                       request)
    assert decision.overrides == {'worker': 5}
    assert decision.plan.added == ('worker-3', 'worker-4')
    assert decision.events == (
        'signal %s: adding 2, removing 0 nodes' % request.describe(),)
    with pytest.raises(ValidationError):
        lifecycle.decide_update(state, new_template, new_template, PLUGIN,
                                5, request)


def test_a_running_cluster_keeps_its_transport():
    state = state_of(spec(2))
    old = spec(2)
    new = spec(2, transport='heat-agent')
    with pytest.raises(lifecycle.InvalidUpdate) as err:
        lifecycle.decide_update(state, old, new, PLUGIN, 5)
    assert str(err.value.errors[0]) == (
        'transport: a running cluster cannot change from ssh to '
        'heat-agent (its nodes were built for ssh); create a new cluster '
        'instead')


def test_apply_update_records_the_new_nodes_and_what_is_pending():
    state = state_of(spec(3), worker_1=health.FAILED)
    decision = lifecycle.decide_update(state, spec(3), spec(2), PLUGIN, 5)
    action = lifecycle.apply_update(state, decision)
    assert action.kind == lifecycle.UPDATE and action.phase == 'infra'
    assert 'worker-1' not in state['nodes']
    assert state['pending']['leaving'] == list(action.leaving)
    assert records.layout(state) == decision.plan.grow


def test_a_template_without_a_version_keeps_the_built_one():
    built = spec(2, plugin_version='0.9')
    now = spec(2)
    assert lifecycle.template_spec(now, '0.9', None).plugin_version == \
        '0.9'
    assert lifecycle.template_spec(now, '0.9', '1.0') is now
    assert lifecycle.template_spec(built, None, None) is built


def test_what_follows_configuration():
    action = lifecycle.Action(kind=lifecycle.UPDATE, phase='configure',
                              spec=None, leaving=('worker-2',))
    assert lifecycle.after_configure(action) == 'decommission'
    action.reconfigure = plan_mod.Reconfigure(
        restarts={'worker-0': ('datanode',)}, batches=(('worker-0',),))
    assert lifecycle.after_configure(action) == 'reconfigure'
    action.reconfigured = True
    assert lifecycle.after_configure(action) == 'decommission'
    action.aborted = 'namenode failed'
    assert lifecycle.after_configure(action) == 'finish'
    created = lifecycle.Action(kind=lifecycle.CREATE, phase='x', spec=None)
    assert lifecycle.after_configure(created) == 'finish'


def test_follow_ups_are_bounded():
    action = lifecycle.Action(kind=lifecycle.CREATE, phase='collect',
                              spec=None)
    assert lifecycle.after_collect(action, False) == 'configure'
    for _ in range(lifecycle.MAX_FOLLOW_UPS):
        assert lifecycle.after_collect(action, True) == 'infra'
        action.follow_ups += 1
    assert lifecycle.after_collect(action, True) == 'configure'


def test_which_steps_configure_the_new_nodes():
    create = lifecycle.Action(kind=lifecycle.CREATE, phase='x', spec=None)
    update = lifecycle.Action(kind=lifecycle.UPDATE, phase='x', spec=None)
    fresh = lifecycle.Action(kind=lifecycle.UPDATE, phase='x', spec=None,
                             fresh=True)
    assert lifecycle.configure_kind(create, []) == 'create'
    assert lifecycle.configure_kind(fresh, []) == 'create'
    assert lifecycle.configure_kind(update, ['n']) == 'scale_up'
    assert lifecycle.configure_kind(update, []) is None


def test_a_run_stops_once_the_cluster_cannot_be_usable():
    the_spec = spec(3, min_active=2)
    state = state_of(the_spec)
    one = {'worker-0': exceptions.NodeFailure('worker-0', 'start', 'x')}
    assert lifecycle.stop_reason(the_spec, state, one, PLUGIN) is None
    two = dict(one, **{'worker-1': exceptions.NodeFailure(
        'worker-1', 'start', 'y')})
    assert 'below min_active 2' in lifecycle.stop_reason(
        the_spec, state, two, PLUGIN)
    master = {'master-0': exceptions.NodeFailure('master-0', 'start', 'z')}
    assert 'master-0' in lifecycle.stop_reason(the_spec, state, master,
                                               PLUGIN)
    # the trial leaves the state as it was
    assert state['nodes']['worker-0']['state'] == health.ACTIVE


def test_the_master_is_found_one_way():
    the_spec = spec(2)
    state = state_of(the_spec)
    info = lifecycle.cluster_info(the_spec, state)
    assert lifecycle.master(PLUGIN, the_spec, info).name == 'master-0'
    records.mark(state['nodes']['master-0'], health.FAILED)
    info = lifecycle.cluster_info(the_spec, state)
    assert 'master-0' not in [n.name for n in info.nodes]
    assert lifecycle.master(PLUGIN, the_spec, info) is None


def test_nodes_carry_the_flavor_nova_described():
    the_spec = spec(2)
    state = state_of(the_spec)
    flavor = the_spec.node_groups[0].flavor
    assert {n.flavor for n in
            lifecycle.cluster_info(the_spec, state).nodes} == {None}
    state['flavors'] = {flavor: {'ram': 4096, 'vcpus': 2, 'disk': 40}}
    info = lifecycle.cluster_info(the_spec, state)
    assert {n.flavor for n in info.nodes} == {
        sizing.Flavor(ram_mb=4096, vcpus=2, disk_gb=40)}


def test_a_failure_text_names_the_first_node_and_why():
    the_spec = spec(3, min_active=3)
    state = state_of(the_spec, worker_0=health.FAILED)
    verdict = lifecycle.evaluate(the_spec, state, PLUGIN)
    text = lifecycle.failure_text(verdict)
    assert text.endswith('first failure: worker-0 in boot: no host')


def test_a_no_valid_host_names_the_server_group_only_when_anti_affine():
    hard = spec(2, anti_affinity=['datanode'])
    assert 'server group' in lifecycle.with_server_group(
        hard, 'worker', 'No valid host was found')
    assert lifecycle.with_server_group(
        spec(2), 'worker', 'No valid host was found') == \
        'No valid host was found'
    assert lifecycle.with_server_group(hard, 'worker', 'quota') == 'quota'


def test_finish_decommission_drops_the_leaving_nodes():
    state = state_of(spec(3))
    decision = lifecycle.decide_update(state, spec(3), spec(2), PLUGIN, 5)
    action = lifecycle.apply_update(state, decision)
    final = lifecycle.finish_decommission(state, action.leaving)
    assert final == decision.plan.final
    assert 'pending' not in state
    assert not set(action.leaving) & set(state['nodes'])
    text = lifecycle.decommission_failure(
        {'worker-2': exceptions.NodeFailure('worker-2', 'drain', 'busy')},
        30)
    assert text == ('scale-down stopped, no node removed: decommission did '
                    'not finish for worker-2: busy ([savanna] '
                    'decommission_timeout is 30s)')
