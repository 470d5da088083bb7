"""Stable node names: indices never reused, scale-down order."""

import json

import pytest

from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from tests.unit.core import fakes
from tests.unit.core.fakes import group

Layout = layout_mod.Layout


def spec(workers=3, **extra):
    groups = [group('master', 1, ['namenode']),
              group('worker', workers, ['datanode'])]
    groups += extra.pop('more', [])
    return model.parse_cluster(fakes.props(node_groups=groups, **extra))


def test_initial_names_and_order():
    lay = Layout.initial(spec(3))
    assert lay.nodes() == [('master', 'master-0'), ('worker', 'worker-0'),
                           ('worker', 'worker-1'), ('worker', 'worker-2')]
    assert lay.group_of('worker-2') == 'worker'
    assert 'worker-1' in lay and len(lay) == 4


def test_json_round_trip():
    lay = Layout.initial(spec(3)).resize(spec(1)).new_layout
    data = json.loads(json.dumps(lay.to_dict()))
    assert Layout.from_dict(data) == lay
    assert Layout.from_dict(data).to_dict() == data


def test_from_dict_rejects_garbage():
    with pytest.raises(ValueError):
        Layout.from_dict({'groups': [{'name': 'x'}]})


def test_scale_up_appends_new_indices():
    change = Layout.initial(spec(3)).resize(spec(5))
    assert change.added == ('worker-3', 'worker-4')
    assert change.removed == ()
    assert change.new_layout.group_nodes('worker')[-1] == 'worker-4'


def test_scale_down_removes_newest():
    change = Layout.initial(spec(5)).resize(spec(3))
    assert change.removed == ('worker-4', 'worker-3')
    assert change.new_layout.group_nodes('worker') == [
        'worker-0', 'worker-1', 'worker-2']


def test_scale_down_order_failed_then_candidates_then_newest():
    lay = Layout.initial(spec(6))
    change = lay.resize(spec(2), failed=['worker-2'],
                        removal_candidates=['worker-0', 'worker-3'])
    assert change.removed == ('worker-2', 'worker-0', 'worker-3', 'worker-5')
    assert change.new_layout.group_nodes('worker') == ['worker-1',
                                                       'worker-4']
    assert change.added == ()


def test_candidates_not_used_beyond_the_needed_removals():
    change = Layout.initial(spec(4)).resize(
        spec(3), removal_candidates=['worker-1', 'worker-2'])
    assert change.removed == ('worker-1',)


def test_same_count_with_failed_nodes_rebuilds_them_under_new_names():
    lay = Layout.initial(spec(4))
    change = lay.resize(spec(4), failed=['worker-1'])
    assert change.removed == ('worker-1',)
    assert change.added == ('worker-4',)
    # healthy nodes keep their names
    assert change.new_layout.group_nodes('worker') == [
        'worker-0', 'worker-2', 'worker-3', 'worker-4']


def test_indices_never_reused_across_resizes():
    lay = Layout.initial(spec(3))
    seen = set(lay.names())
    for count in (1, 4, 0, 2, 5):
        change = lay.resize(spec(count))
        assert not set(change.added) & seen
        seen |= set(change.added)
        lay = change.new_layout
    assert lay.group_nodes('worker') == ['worker-%d' % i
                                         for i in range(6, 11)]


def test_group_removed_and_added_back_does_not_reuse_indices():
    two = spec(2, more=[group('edge', 2, ['nodemanager'])])
    lay = Layout.initial(two)
    gone = lay.resize(spec(2))
    assert gone.removed == ('edge-0', 'edge-1')
    assert 'edge' not in gone.new_layout.groups()
    back = Layout.from_dict(gone.new_layout.to_dict()).resize(two)
    assert back.added == ('edge-2', 'edge-3')


def test_new_group_starts_at_zero():
    change = Layout.initial(spec(1)).resize(
        spec(1, more=[group('edge', 2, ['nodemanager'])]))
    assert change.added == ('edge-0', 'edge-1')


def test_with_nodes_keeps_leaving_nodes_until_decommissioned():
    lay = Layout.initial(spec(4))
    change = lay.resize(spec(2))
    grow = change.new_layout.with_nodes(
        [('worker', n) for n in change.removed])
    assert grow.group_nodes('worker') == lay.group_nodes('worker')
    # and the final layout still never reuses them
    assert change.new_layout.resize(spec(4)).added == ('worker-4',
                                                       'worker-5')


def test_with_nodes_of_a_removed_group():
    two = spec(1, more=[group('edge', 2, ['nodemanager'])])
    change = Layout.initial(two).resize(spec(1))
    grow = change.new_layout.with_nodes([('edge', 'edge-0'),
                                         ('edge', 'edge-1')])
    assert grow.group_nodes('edge') == ['edge-0', 'edge-1']
    assert grow.to_dict()['groups'][-1]['next_index'] == 2


def test_deterministic():
    a = Layout.initial(spec(7)).resize(spec(3), failed=['worker-5'])
    b = Layout.initial(spec(7)).resize(spec(3), failed=['worker-5'])
    assert a.new_layout.to_dict() == b.new_layout.to_dict()
    assert a.removed == b.removed
