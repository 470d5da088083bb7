"""The update plan: what an update adds, drops, decommissions and
configures, and the layouts of its nested-stack updates."""

from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import plan
from tests.unit.core import fakes
from tests.unit.core.fakes import group


def spec(workers=3, **extra):
    groups = [group('master', 1, ['namenode', 'resourcemanager']),
              group('worker', workers, ['datanode', 'nodemanager'])]
    return model.parse_cluster(fakes.props(node_groups=groups, **extra))


def active(layout, **states):
    out = dict.fromkeys(layout.names(), health.ACTIVE)
    out.update({k.replace('_', '-'): v for k, v in states.items()})
    return out


def test_create_puts_every_node_in_its_own_set_with_sets_of_one():
    lay = plan.plan_create(spec(2), set_size=1)
    assert [(s.name, s.nodes) for s in lay.node_sets()] == [
        ('master-0', ('master-0',)), ('worker-0', ('worker-0',)),
        ('worker-1', ('worker-1',))]


def test_create_sets_hold_up_to_the_default_size_of_one_group():
    assert layout_mod.DEFAULT_SET_SIZE == 5
    lay = plan.plan_create(spec(7))
    assert [(s.name, s.nodes) for s in lay.node_sets()] == [
        ('master-0', ('master-0',)),
        ('worker-0', tuple('worker-%d' % i for i in range(5))),
        ('worker-5', ('worker-5', 'worker-6'))]


def test_scale_up_adds_new_sets_only():
    lay = plan.plan_create(spec(3))
    p = plan.plan_update(spec(5), lay, active(lay))
    assert p.added == ('worker-3', 'worker-4')
    assert p.dropped == p.leaving == ()
    assert p.configure == ('worker-3', 'worker-4')
    assert not p.fresh
    assert p.grow == p.final
    old_sets = {s.name: s for s in lay.node_sets()}
    for s in p.grow.node_sets():
        if s.name in old_sets:
            assert s == old_sets[s.name]
    # the two new nodes share one new set; the old ones are not re-packed
    assert [(s.name, s.nodes) for s in p.grow.node_sets()][-1] == (
        'worker-3', ('worker-3', 'worker-4'))
    assert p.grow.set_of('worker-2') == 'worker-0'


def test_heal_drops_failed_and_builds_new_names():
    lay = plan.plan_create(spec(3))
    p = plan.plan_update(spec(3), lay, active(lay, worker_1=health.FAILED))
    assert p.dropped == ('worker-1',)
    assert p.added == ('worker-3',)
    assert 'worker-1' not in p.grow and 'worker-1' not in p.final
    assert p.leaving == ()


def test_scale_down_keeps_leaving_nodes_in_their_sets_until_removed():
    lay = plan.plan_create(spec(4), set_size=1)
    p = plan.plan_update(spec(2), lay, active(lay), set_size=1)
    assert p.leaving == ('worker-3', 'worker-2')
    assert 'worker-3' in p.grow and 'worker-3' not in p.final
    assert p.grow.set_of('worker-3') == 'worker-3'
    assert p.grow.node_sets() == lay.node_sets()
    assert [s.name for s in p.final.node_sets()] == [
        'master-0', 'worker-0', 'worker-1']


def test_scale_down_with_larger_sets_never_repacks():
    lay = plan.plan_create(spec(4), set_size=3)
    assert [s.nodes for s in lay.node_sets()] == [
        ('master-0',), ('worker-0', 'worker-1', 'worker-2'), ('worker-3',)]
    p = plan.plan_update(spec(2), lay, active(lay), set_size=3)
    assert [s.nodes for s in p.final.node_sets()] == [
        ('master-0',), ('worker-0', 'worker-1')]
    assert p.grow.node_sets() == lay.node_sets()
    p = plan.plan_update(spec(7), lay, active(lay), set_size=3)
    assert [s.nodes for s in p.grow.node_sets()][-1] == (
        'worker-4', 'worker-5', 'worker-6')


def test_failed_go_first_on_scale_down():
    lay = plan.plan_create(spec(4))
    p = plan.plan_update(spec(3), lay, active(lay, worker_0=health.FAILED))
    assert p.dropped == ('worker-0',)
    assert p.leaving == () and p.added == ()


def test_never_configured_nodes_are_configured_and_fresh_when_none_was():
    lay = plan.plan_create(spec(2))
    states = dict.fromkeys(lay.names(), health.CONFIGURING)
    states['worker-1'] = health.FAILED
    p = plan.plan_update(spec(2), lay, states)
    assert p.fresh
    assert p.configure == ('worker-2', 'master-0', 'worker-0')


def test_fixed_group_changes_name_the_property():
    errors = plan.fixed_group_changes(
        spec(3), model.parse_cluster(fakes.props(node_groups=[
            group('master', 1, ['namenode', 'resourcemanager']),
            group('worker', 3, ['datanode'], flavor='m1.large')])))
    assert [e.path for e in errors] == ['node_groups[1].node_processes',
                                        'node_groups[1].flavor']
    assert 'add a new group with the new flavor' in str(errors[1])
    assert plan.fixed_group_changes(spec(3), spec(9)) == []


def test_layout_of_an_older_cluster_stays_flat_and_grows_in_sets():
    data = layout_mod.Layout.initial(spec(2)).to_dict()
    data.pop('sets')
    old = layout_mod.Layout.from_dict(data)
    assert old.node_sets() == [] and len(old.flat_nodes()) == 3
    p = plan.plan_update(spec(3), old, active(old))
    assert [s.name for s in p.grow.node_sets()] == ['worker-2']
    assert [n for _g, n in p.grow.flat_nodes()] == [
        'master-0', 'worker-0', 'worker-1']


def configured(workers=4, cluster=None, node=None, min_active=None):
    extra = {}
    if node is not None:
        extra['node_configs'] = node
    if min_active is not None:
        extra['min_active'] = str(min_active)
    return model.parse_cluster(fakes.props(
        node_groups=[group('master', 1, ['namenode', 'resourcemanager']),
                     group('worker', workers, ['datanode', 'nodemanager'],
                           **extra)],
        cluster_configs=cluster or {}))


def restarts(before, after):
    """A catalog: HDFS keys restart datanode+namenode, YARN keys none."""
    procs = set()
    for section in set(before) | set(after):
        if before.get(section) != after.get(section) and section == 'HDFS':
            procs |= {'datanode', 'namenode'}
    return tuple(sorted(procs))


def test_reconfigure_reaches_only_changed_running_nodes():
    old = configured(cluster={'HDFS': {'dfs.replication': 2}})
    lay = plan.plan_create(old)
    states = active(lay, worker_3=health.FAILED)
    new = configured(cluster={'HDFS': {'dfs.replication': 3}},
                     min_active=2)
    r = plan.plan_reconfigure(old, new, lay, states, restarts,
                              mandatory=['namenode'])
    assert r.restarts == {'master-0': ('namenode',),
                          'worker-0': ('datanode',),
                          'worker-1': ('datanode',),
                          'worker-2': ('datanode',)}
    # 3 workers running, min_active 2: one at a time; the master last
    assert r.batches == (('worker-0',), ('worker-1',), ('worker-2',),
                         ('master-0',))


def test_reconfigure_batches_keep_min_active_and_files_only_go_first():
    old = configured(6, min_active=2)
    lay = plan.plan_create(old)
    new = configured(6, min_active=2, node={'HDFS': {'x': 1},
                                            'YARN': {'y': 2}})
    r = plan.plan_reconfigure(old, new, lay, active(lay), restarts,
                              mandatory=['namenode'])
    assert 'master-0' not in r.restarts
    assert r.batches == (('worker-0', 'worker-1', 'worker-2', 'worker-3'),
                         ('worker-4', 'worker-5'))
    yarn_only = configured(6, min_active=2, node={'YARN': {'y': 3}})
    r = plan.plan_reconfigure(old, yarn_only, lay, active(lay), restarts)
    assert set(r.restarts.values()) == {()}
    assert r.batches == (tuple('worker-%d' % i for i in range(6)),)


def test_no_change_no_reconfigure():
    old = configured(3, cluster={'HDFS': {'a': 1}})
    lay = plan.plan_create(old)
    r = plan.plan_reconfigure(old, configured(3, cluster={'HDFS': {'a': 1}}),
                              lay, active(lay), restarts)
    assert not r and r.batches == ()
