"""Signals: what they ask, resize bounds, and the counts they set."""

import pytest

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import model
from heat_savanna.core import signals
from tests.unit.core import fakes
from tests.unit.core.fakes import group


def spec(workers=4, **worker):
    return model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', workers, ['datanode', 'nodemanager'], **worker)]))


def test_parse_each_action():
    assert signals.parse({'action': 'heal'}) == signals.Request('heal')
    assert signals.parse({'action': 'check'}).action == 'check'
    assert signals.parse({'action': 'resize', 'group': 'worker',
                          'count': 5}) == signals.Request(
        'resize', group='worker', count=5)
    assert signals.parse({'action': 'resize', 'group': 'worker',
                          'adjustment': '-2'}).adjustment == -2


@pytest.mark.parametrize('data, path', [
    ({'action': 'grow'}, 'signal.action'),
    ({}, 'signal.action'),
    ([1], 'signal'),
    ({'action': 'heal', 'count': 3}, 'signal.count'),
    ({'action': 'resize', 'count': 3}, 'signal.group'),
    ({'action': 'resize', 'group': 'worker'}, 'signal.count'),
    ({'action': 'resize', 'group': 'worker', 'count': 1,
      'adjustment': 1}, 'signal.count'),
    ({'action': 'resize', 'group': 'worker', 'count': -1}, 'signal.count'),
    ({'action': 'resize', 'group': 'worker', 'count': True},
     'signal.count'),
    ({'action': 'heal', 'colour': 'red'}, 'signal.colour'),
])
def test_bad_signals_name_the_key(data, path):
    with pytest.raises(ValidationError) as err:
        signals.parse(data)
    assert err.value.path == path


def test_an_alarm_body_does_the_alarm_action():
    body = {'alarm_name': 'busy', 'current': 'alarm', 'previous': 'ok',
            'reason': 'cpu > 80%'}
    action = {'action': 'resize', 'group': 'worker', 'adjustment': 2}
    assert signals.parse(body, action) == signals.Request(
        'resize', group='worker', adjustment=2)
    # alarm keys beside an explicit action are ignored
    assert signals.parse(dict(body, action='heal'), action).action == 'heal'


def test_resize_stays_within_the_bounds():
    s = spec(4, min_active='3', max_count=6)
    assert signals.bounds(s.group('worker')) == (3, 6)
    assert signals.resize_target(s, signals.Request(
        'resize', group='worker', adjustment=2)) == 6
    assert signals.resize_target(s, signals.Request(
        'resize', group='worker', count=3)) == 3
    for req in (signals.Request('resize', group='worker', count=7),
                signals.Request('resize', group='worker', adjustment=-2)):
        with pytest.raises(ValidationError) as err:
            signals.resize_target(s, req)
        assert 'outside its bounds 3..6' in str(err.value)
    with pytest.raises(ValidationError) as err:
        signals.resize_target(s, signals.Request('resize', group='nope',
                                                 count=1))
    assert err.value.path == 'signal.group'


def test_without_max_count_a_signal_cannot_grow_a_group():
    s = spec(4)
    assert signals.bounds(s.group('worker')) == (4, 4)
    s = spec(4, min_count=1)
    assert signals.bounds(s.group('worker')) == (1, 4)


def test_overrides_apply_and_cap_min_active():
    s = signals.apply_overrides(spec(4, min_active='4'), {'worker': 2,
                                                          'gone': 9})
    assert s.group('worker').count == 2
    assert s.group('worker').min_active == 2
    assert s.group('master').count == 1


def test_the_next_update_keeps_a_signal_count_unless_count_changed():
    old, same, changed = spec(4), spec(4, min_active='2'), spec(8)
    assert signals.carry_overrides({'worker': 6}, old, same) == {
        'worker': 6}
    assert signals.carry_overrides({'worker': 6}, old, changed) == {}
    gone = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager'])]))
    assert signals.carry_overrides({'worker': 6}, old, gone) == {}
