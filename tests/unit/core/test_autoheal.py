"""The auto_heal settings and the engine's rules for a watchdog's report
(core/autoheal.py)."""

import json

import pytest

from heat_savanna.common import exceptions
from heat_savanna.core import autoheal
from heat_savanna.core import model
from heat_savanna.core import signals

NOW = 1_800_000_000.0
BASE = {'plugin_name': 'spark', 'image': 'img', 'flavor': 'f',
        'management_network': 'net',
        'node_groups': [{'name': 'm', 'count': 1,
                         'node_processes': ['master']}]}


def parse(auto_heal):
    return model.parse_cluster(dict(BASE, auto_heal=auto_heal)).auto_heal


def errors(auto_heal):
    with pytest.raises(exceptions.InvalidCluster) as exc:
        parse(auto_heal)
    return [str(e) for e in exc.value.errors]


def test_enabled_alone_is_enough_and_off_by_default():
    assert parse(None) == autoheal.AutoHeal(enabled=False)
    on = parse({'enabled': True})
    assert on.enabled and on.grace_period == 30 and on.cooldown == 60
    assert on.max_rebuilds_per_hour == 3 and on.interval == 10
    assert parse({'enabled': 'yes', 'grace_period': '45'}).grace_period == 45


def test_bad_settings_name_the_property():
    assert errors({'enabled': True, 'grace': 3}) == [
        'auto_heal.grace: unknown property (valid properties: enabled, '
        'grace_period, cooldown, max_rebuilds_per_hour, interval)']
    assert errors({'interval': 1}) == [
        'auto_heal.interval: must be between 5 and 600, not 1']
    assert errors({'max_rebuilds_per_hour': 0}) == [
        'auto_heal.max_rebuilds_per_hour: must be between 1 and 1000, '
        'not 0']
    assert errors({'enabled': 'maybe'}) == [
        'auto_heal.enabled: must be a boolean, not a string (\'maybe\') '
        '(true or false)']
    assert errors('on') == ['auto_heal: must be a map, not a string '
                            '(\'on\') (e.g. {enabled: true})']


def test_refusal_off_cool_down_and_cap():
    on = autoheal.AutoHeal(enabled=True, cooldown=60,
                           max_rebuilds_per_hour=2)
    assert 'not enabled' in autoheal.refusal(autoheal.AutoHeal(), {}, NOW)
    assert autoheal.refusal(on, None, NOW) is None
    record = autoheal.record_started({}, NOW)
    assert 'cool-down' in autoheal.refusal(on, record, NOW + 59)
    assert autoheal.refusal(on, record, NOW + 60) is None
    record = autoheal.record_rebuilt(record, ['w-1', 'w-2'], NOW)
    # past the cap, a node not yet known failed is still re-checked (and
    # so shown failed); once failed, its reports are refused
    assert autoheal.refusal(on, record, NOW + 61, ['w-3']) is None
    assert 'cap reached: 2 nodes' in autoheal.refusal(
        on, record, NOW + 61, ['w-3'], ['w-3'])
    # an hour later the rebuilds no longer count
    assert autoheal.refusal(on, record, NOW + 3601, ['w-3'], ['w-3']) \
        is None
    assert autoheal.record_rebuilt(record, ['w-3'], NOW + 3601)[
        'rebuilt'] == [[NOW + 3601, 'w-3']]


def test_decide_rebuilds_what_the_re_check_found_within_the_cap():
    on = autoheal.AutoHeal(enabled=True, max_rebuilds_per_hour=2)
    report = autoheal.Report(lost=('w-1',),
                             since={'w-1': '2026-12-07T19:40:02Z'},
                             reporter='m-0')
    nothing = autoheal.decide(on, {}, [], report, NOW)
    assert nothing.rebuild == ()
    assert 'found no failed node (reported lost: w-1)' in nothing.text
    both = autoheal.decide(on, {}, ['w-2', 'w-1'], report, NOW)
    assert both.rebuild == ('w-1', 'w-2')
    assert both.text == ('auto-heal: rebuilding w-1 (lost since 19:40:02), '
                         'w-2 (found failed by the re-check)')
    record = autoheal.record_rebuilt({}, ['w-0'], NOW)
    over = autoheal.decide(on, record, ['w-1', 'w-2'], report, NOW)
    assert over.rebuild == ()
    assert 'not rebuilding w-1, w-2: 2 more would pass' in over.text


def test_pairs_and_what_is_told():
    groups = {'w-1': 'w', 'w-3': 'w', 'm-0': 'm', 'm-1': 'm'}.get
    assert autoheal.pair_rebuilt(['w-1', 'm-0'], ['m-1', 'w-3'], groups) \
        == [('w-1', 'w-3'), ('m-0', 'm-1')]
    assert autoheal.pair_rebuilt(['w-1'], [], groups) == [('w-1', None)]
    report = autoheal.Report(lost=('w-1',),
                             since={'w-1': '2026-12-07T19:40:02Z'})
    assert autoheal.rebuilt_text(report, [('w-1', 'w-3'), ('w-2', 'w-4')],
                                 {'w-3': 'ACTIVE', 'w-4': 'FAILED'}) == (
        'auto-heal: w-1 lost at 19:40:02, rebuilt as w-3; w-2 failed, its '
        'replacement w-4 is FAILED')


def test_a_report_round_trips_through_the_stored_signal():
    request = signals.parse({'action': 'auto-heal', 'lost': ['b', 'a', 'a'],
                             'since': {'a': 't1', 'x': 't2'},
                             'reporter': 'm-0'})
    assert request.lost == ('a', 'b')
    assert request.since == {'a': 't1'}
    stored = json.loads(json.dumps(request.to_dict()))
    assert stored == {'action': 'auto-heal', 'lost': ['a', 'b'],
                      'since': {'a': 't1'}, 'reporter': 'm-0'}
    assert signals.Request(**stored).describe() == request.describe()
    assert request.describe() == 'auto-heal (a, b lost)'
