"""The partial-active verdict."""

import json

from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from tests.unit.core import fakes
from tests.unit.core.fakes import group

MANDATORY = ['namenode', 'resourcemanager']


def setup(workers=100, min_active='90%'):
    spec = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('workers', workers, ['datanode'], min_active=min_active)]))
    return spec, layout_mod.Layout.initial(spec)


def states(lay, default=health.ACTIVE, **special):
    out = {}
    for g, name in lay.nodes():
        st = special.get(name.replace('-', '_'), default)
        if isinstance(st, tuple):
            out[name] = health.NodeState(name, g, st[0], st[1], st[2])
        else:
            out[name] = health.NodeState(name, g, st)
    return out


def test_all_active():
    spec, lay = setup(3, None)
    h = health.evaluate(spec, lay, states(lay), MANDATORY)
    assert h.status == 'ACTIVE'
    assert h.summary == 'ACTIVE: 4/4 nodes active'
    assert (h.active_count, h.desired_count, h.failed_nodes) == (4, 4, [])
    assert h.reason is None


def test_partially_active_summary_like_the_issue():
    spec, lay = setup()
    st = states(lay, workers_7=(health.FAILED, 'boot', 'No valid host'))
    h = health.evaluate(spec, lay, st, MANDATORY)
    assert h.status == 'PARTIALLY_ACTIVE'
    assert h.summary == ('PARTIALLY_ACTIVE: workers 99/100 active (min 90); '
                         '1 node to rebuild')
    assert h.groups['workers'] == {'active': 99, 'desired': 100,
                                   'min_active': 90, 'failed': 1}
    assert h.groups['master'] == {'active': 1, 'desired': 1,
                                  'min_active': 1, 'failed': 0}
    assert h.failed_nodes == [{'name': 'workers-7', 'group': 'workers',
                               'phase': 'boot', 'reason': 'No valid host'}]
    assert h.active_count == 100 and h.desired_count == 101


def test_below_min_active_fails_naming_group_and_nodes():
    spec, lay = setup(10, '80%')
    bad = {'workers_%d' % i: (health.FAILED, 'ssh', 'refused')
           for i in range(3)}
    h = health.evaluate(spec, lay, states(lay, **bad), MANDATORY)
    assert h.status == 'FAILED'
    assert h.reason == ('group workers has 7 of 10 nodes active, below '
                        'min_active 8 (failed: workers-0, workers-1, '
                        'workers-2)')
    assert h.summary == 'FAILED: ' + h.reason


def test_mandatory_process_failure_fails_even_above_minimum():
    spec, lay = setup(3, '0%')
    st = states(lay, master_0=(health.FAILED, 'configure', 'exit 1'))
    spec2 = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager'], min_active=0),
        group('workers', 3, ['datanode'])]))
    h = health.evaluate(spec2, lay, st, MANDATORY)
    assert h.status == 'FAILED'
    assert h.reason == ('node master-0 running namenode, resourcemanager '
                        'failed in configure: exit 1')


def test_failed_non_mandatory_process_is_partial():
    spec, lay = setup(3, 2)
    h = health.evaluate(spec, lay, states(lay, workers_0=health.FAILED),
                        MANDATORY)
    assert h.status == 'PARTIALLY_ACTIVE'
    assert h.failed_nodes[0]['reason'] == 'FAILED'


def test_building_nodes_count_towards_minimum():
    spec, lay = setup(10, '90%')
    st = states(lay, default=health.CONFIGURING,
                workers_1=(health.FAILED, 'boot', 'x'))
    h = health.evaluate(spec, lay, st, MANDATORY)
    assert h.status == 'BUILDING'
    assert h.summary == 'BUILDING: 0/11 nodes active; 1 node failed'


def test_missing_states_are_building():
    spec, lay = setup(2, None)
    h = health.evaluate(spec, lay, {}, MANDATORY)
    assert h.status == 'BUILDING' and h.active_count == 0


def test_deleted_node_is_to_rebuild():
    spec, lay = setup(3, 1)
    h = health.evaluate(spec, lay, states(lay, workers_2=health.DELETED),
                        MANDATORY)
    assert h.status == 'PARTIALLY_ACTIVE'
    assert h.failed_nodes[0]['name'] == 'workers-2'


def test_states_as_iterable():
    spec, lay = setup(2, None)
    st = states(lay, workers_1=(health.FAILED, 'ssh', 'refused'))
    h = health.evaluate(spec, lay, list(st.values()), MANDATORY)
    assert h == health.evaluate(spec, lay, st, MANDATORY)
    assert h.status == 'FAILED'          # min_active defaults to count


def test_leaving_group_not_in_spec_is_tolerated():
    spec, lay = setup(2, None)
    extra = lay.with_nodes([('old', 'old-0')])
    st = states(extra)
    h = health.evaluate(spec, extra, st, MANDATORY)
    assert h.status == 'ACTIVE'
    assert h.groups['old'] == {'active': 1, 'desired': 0, 'min_active': 0,
                               'failed': 0}


def test_many_failed_names_are_shortened():
    spec, lay = setup(20, '90%')
    bad = {'workers_%d' % i: health.FAILED for i in range(8)}
    h = health.evaluate(spec, lay, states(lay, **bad), MANDATORY)
    assert 'workers-4 and 3 more' in h.reason
    assert len(h.failed_nodes) == 8


def test_json_round_trip_keeps_every_field():
    # the verdict goes to resource metadata and attributes as JSON: a
    # value JSON cannot carry (a tuple, a set, a dataclass) would change or
    # break on the way
    spec, lay = setup(3, 2)
    st = states(lay, workers_0=(health.FAILED, 'boot', 'No valid host'))
    h = health.evaluate(spec, lay, st, MANDATORY)
    fields = {'status': h.status, 'groups': h.groups,
              'active_count': h.active_count,
              'desired_count': h.desired_count,
              'failed_nodes': h.failed_nodes, 'summary': h.summary,
              'reason': h.reason}
    assert json.loads(json.dumps(fields)) == fields == {
        'status': 'PARTIALLY_ACTIVE',
        'groups': {'master': {'active': 1, 'desired': 1, 'min_active': 1,
                              'failed': 0},
                   'workers': {'active': 2, 'desired': 3, 'min_active': 2,
                               'failed': 1}},
        'active_count': 3, 'desired_count': 4,
        'failed_nodes': [{'name': 'workers-0', 'group': 'workers',
                          'phase': 'boot', 'reason': 'No valid host'}],
        'summary': 'PARTIALLY_ACTIVE: workers 2/3 active (min 2); 1 node '
                   'to rebuild',
        'reason': None}
