"""Figure 13 (benchmarks/fig_heal.py): its clocks fed by hand, its
template, its figures from samples, its holds in run.py. No sandbox, no
timing asserts."""

import time
import types

import pytest

from benchmarks import run  # first: puts contrib/sandbox on sys.path
from benchmarks import fig_heal
from benchmarks import results
from benchmarks import sandbox
from heat_savanna.core import validation

CREATED = ('CREATE', 'COMPLETE', 'Stack CREATE completed', None)
T1 = '2026-12-08 10:00:00'


def _updating(status='IN_PROGRESS', since=T1):
    return ('UPDATE', status, 'Stack UPDATE ' + status, since)


def _sample(r, capacity, floor, workers=10, **more):
    return dict({'kind': 'heal', 'round': r, 'workers': workers,
                 'grace_period': 30, 'reported_s': 41.0,
                 'reported_event_s': 41, 'lost_seen_s': 1.0,
                 'active_s': capacity + 5, 'capacity_s': capacity,
                 'floor_s': floor, 'floor_update_s': floor + 3,
                 'create_s': 60.0, 'killed': 'worker-9',
                 'heal_status': 'ACTIVE: 11/11 nodes active'}, **more)


# -- the clocks ---------------------------------------------------------------
def test_heal_clock_counts_capacity_only_after_the_loss_and_the_report():
    clock = fig_heal.Clock(100.0, None, 3, after_loss=True)
    # the master still lists the killed worker ALIVE: nothing yet
    assert not clock.see(100.5, CREATED, 3)
    assert clock.marks == {}
    assert not clock.see(102.0, CREATED, 2)
    assert clock.marks == {'lost_seen': 2.0}
    # the master not answering says nothing
    assert not clock.see(120.0, CREATED, None)
    assert not clock.see(141.0, _updating(), 2)
    assert clock.marks['started'] == 41.0
    # the update finishes before the replacement registers
    assert not clock.see(170.0, _updating('COMPLETE'), 2)
    assert clock.see(175.5, _updating('COMPLETE'), 3)
    assert clock.marks == {'lost_seen': 2.0, 'started': 41.0,
                           'complete': 70.0, 'capacity': 75.5}
    # later polls change nothing
    clock.see(180.0, _updating('COMPLETE'), 2)
    assert clock.marks['capacity'] == 75.5


def test_heal_clock_needs_the_update_before_full_capacity():
    clock = fig_heal.Clock(0.0, None, 2, after_loss=True)
    clock.see(1.0, CREATED, 1)
    # back to 2 ALIVE without any update: not the heal (never done)
    assert not clock.see(2.0, CREATED, 2)
    assert 'capacity' not in clock.marks


def test_floor_clock_starts_from_the_previous_update():
    since = '2026-12-08 09:58:00'
    clock = fig_heal.Clock(10.0, since, 4, after_loss=False)
    # the heal's UPDATE_COMPLETE row is not the floor's update
    assert not clock.see(10.5, _updating('COMPLETE', since), 3)
    assert 'started' not in clock.marks and 'complete' not in clock.marks
    assert not clock.see(11.0, _updating(), 3)
    assert not clock.see(30.0, _updating(), 4)
    assert clock.marks['capacity'] == 20.0
    assert clock.see(33.0, _updating('COMPLETE'), 4)
    assert clock.marks['complete'] == 23.0


@pytest.mark.parametrize('row', [
    ('UPDATE', 'FAILED', 'boom', T1),
    ('ROLLBACK', 'COMPLETE', 'rolled back', T1)])
def test_clock_fails_on_a_failed_update(row):
    clock = fig_heal.Clock(0.0, None, 2, after_loss=True)
    with pytest.raises(sandbox.BenchError):
        clock.see(5.0, row, 1)


# -- the cluster --------------------------------------------------------------
def test_template_is_a_valid_cluster_with_auto_heal_defaults():
    props = fig_heal.template('bench-heal-10', 10)['resources'][
        fig_heal.RESOURCE]['properties']
    spec = validation.check(props)
    assert spec.auto_heal.enabled
    assert spec.auto_heal.grace_period == fig_heal.GRACE_PERIOD == 30
    assert props['auto_heal'] == {'enabled': True}
    workers = {g['name']: g for g in props['node_groups']}['worker']
    assert (workers['count'], workers['min_active']) == (10, '10')
    # the floor: one worker more, nothing else changed
    more = fig_heal.template('bench-heal-10', 10, 11)['resources'][
        fig_heal.RESOURCE]['properties']
    validation.check(more)
    grown = {g['name']: g for g in more['node_groups']}['worker']
    assert (grown['count'], grown['min_active']) == (11, '10')
    assert dict(more, node_groups=None) == dict(props, node_groups=None)


def test_the_victim_is_the_last_worker():
    assert fig_heal.victim(10) == 'worker-9'
    assert fig_heal.victim(2) == 'worker-1'
    assert fig_heal.victim(1) == 'worker-0'


def test_heal_events_from_the_kill_on():
    def event(at, reason):
        return types.SimpleNamespace(event_time=at,
                                     resource_status_reason=reason)
    heat = types.SimpleNamespace(events=types.SimpleNamespace(
        list=lambda stack_id, resource_name: [
            event('2026-12-08T10:00:00Z', 'auto-heal: old'),
            event('2026-12-08T10:01:12Z', 'auto-heal: worker-9 (lost since '
                  '10:00:41) reported lost by master-0; re-checking'),
            event('2026-12-08T10:01:12Z', 'state changed'),
            event('2026-12-08T10:02:00Z', 'auto-heal: worker-9 lost at '
                  '10:00:41, rebuilt as worker-10'),
            event('2026-12-08T10:01:10Z', None)]))
    kill = 1796724030.25    # 2026-12-08T10:00:30.25Z
    found = fig_heal.heal_events(heat, 'id', kill)
    assert [round(at, 2) for at, _text in found] == [41.75, 89.75]
    assert found[1][1].endswith('rebuilt as worker-10')


# -- figures ------------------------------------------------------------------
def test_figures_capacity_against_the_floor_with_and_without_grace():
    samples = [_sample(0, 80.0, 20.0), _sample(1, 90.0, 25.0),
               _sample(2, 70.0, 20.0),
               # another size and another figure: not counted
               _sample(0, 10.0, 1.0, workers=2),
               {'kind': 'e2e', 'workers': 10, 'total_s': 5}]
    full, less = fig_heal.figures(samples, 10)
    assert full.name == '13 auto-heal loss -> full capacity vs floor'
    assert less.name == '13b auto-heal minus grace period vs floor'
    assert full.samples == [4.0, 3.6, 3.5] and full.value == 3.6
    assert full.target is None and full.verdict == 'info'
    assert less.samples == [2.5, 2.4, 2.0] and less.value == 2.4
    assert less.target == 1.5 and less.verdict == 'MISSED'
    assert full.detail['capacity_s'] == [80.0, 90.0, 70.0]
    assert full.detail['floor_s'] == [20.0, 25.0, 20.0]
    assert full.detail['round'] == [0, 1, 2]
    assert full.detail['grace_period'] == [30, 30, 30]
    for key in fig_heal.TIMINGS:
        assert len(full.detail[key]) == 3, key
    assert full.line().split()[-1] == 'info'


def test_figures_meet_the_target_and_survive_missing_clocks():
    ok, = fig_heal.figures([_sample(0, 55.0, 20.0)], 10)[1:]
    assert ok.value == pytest.approx(1.25) and ok.verdict == 'ok'
    broken = fig_heal.figures([_sample(0, 60.0, 20.0, capacity_s=None)],
                              10)
    assert [f.verdict for f in broken] == ['ERROR', 'ERROR']
    empty = fig_heal.figures([], 10)
    assert [f.error for f in empty] == ['no sample', 'no sample']


# -- run.py -------------------------------------------------------------------
def test_only_13_one_round_is_one_hold_of_one_step():
    args = run.parse_args(['--only', '13', '--rounds', '1'])
    assert args.only == ['13'] and args.rounds == 1 and args.workers == 10
    holds = run.plan(args)
    assert [h.name for h in holds] == ['heal-round-1']
    assert holds[0].settings == run.DEFAULT_SETTINGS
    assert len(holds[0].steps) == 1
    three = run.plan(run.parse_args(['--only', '3,9,13', '--quick']))
    assert [h.name for h in three][-4:] == [
        'agent-round-3', 'heal-round-1', 'heal-round-2', 'heal-round-3']


def test_the_hold_runs_a_round_of_the_figure(monkeypatch):
    seen = []
    monkeypatch.setattr(fig_heal, 'run_round', lambda *a: seen.append(a)
                        or [{'kind': 'heal'}])
    args = run.parse_args(['--only', '13', '--workers', '4',
                           '--boot-latency', '3'])
    step, = run.plan(args)[1].steps
    bench = types.SimpleNamespace(log=print)
    assert step(bench) == [{'kind': 'heal'}]
    assert seen == [(1, 4, 3.0, print)]


def test_run_figures_of_13():
    args = run.parse_args(['--only', '13'])
    figs = run.figures(args, [_sample(0, 80.0, 20.0)])
    assert [(f.name[:3], f.value) for f in figs] == [
        ('13 ', 4.0), ('13b', 2.5)]
    assert all(isinstance(f, results.Figure) for f in figs)
    assert [f.verdict for f in run.figures(args, [])] == ['ERROR', 'ERROR']


# -- a round against a scripted sandbox ---------------------------------------
def test_a_round_against_a_scripted_sandbox(monkeypatch):
    """The round's code path end to end, the sandbox replaced by a script
    of what its polls see (2 workers): no timing is checked."""
    t2 = '2026-12-08 10:05:00'
    rows = [CREATED,                                  # before the kill
            CREATED, CREATED, _updating(), _updating('COMPLETE'),
            _updating('COMPLETE'),                    # before the floor
            _updating(since=t2), _updating(since=t2),
            _updating('COMPLETE', t2)]
    alive = [2,                                       # after the create
             2, 1, 1, 2,
             2, 3, 3]
    posted, calls, faults = [], [], []
    monkeypatch.setattr(fig_heal, '_row', lambda db, sid: rows.pop(0))
    monkeypatch.setattr(fig_heal, '_alive', lambda address: alive.pop(0))
    monkeypatch.setattr(fig_heal.time, 'sleep', lambda s: None)

    def admin(method, path, body=None):
        posted.append((method, path))
        return {'servers': [
            {'name': 'bench-heal-2-master-0', 'status': 'ACTIVE',
             'addresses': ['10.0.0.3']}]}

    def event(reason):
        return types.SimpleNamespace(event_time='2999-01-01T00:00:00Z',
                                     resource_status_reason=reason)
    heat = types.SimpleNamespace(
        stacks=types.SimpleNamespace(
            create=lambda **kw: calls.append(('create', kw)) or {
                'stack': {'id': 'sid'}},
            update=lambda sid, **kw: calls.append(('update', kw))),
        events=types.SimpleNamespace(list=lambda sid, resource_name: [
            event('auto-heal: worker-1 (lost since 10:00:41) reported lost '
                  'by master-0; re-checking every node'),
            event('auto-heal: worker-1 lost at 10:00:41, rebuilt as '
                  'worker-2')]),
        resources=types.SimpleNamespace(metadata=lambda sid, name: {
            'status': 'ACTIVE', 'summary': 'ACTIVE: 3/3 nodes active'}))
    db = types.SimpleNamespace(wait=lambda sid, action: time.monotonic(),
                               close=lambda: None)
    monkeypatch.setattr(sandbox, 'admin', admin)
    monkeypatch.setattr(sandbox, 'heat_client', lambda: heat)
    monkeypatch.setattr(sandbox, 'HeatDB', lambda: db)
    monkeypatch.setattr(sandbox, 'reset_faults', lambda: faults.append({}))
    monkeypatch.setattr(sandbox, 'set_faults', faults.append)
    monkeypatch.setattr(sandbox, 'delete_stack',
                        lambda heat, name: calls.append(('delete', name)))
    logged = []
    sample, = fig_heal.run_round(1, 2, 5.0, logged.append)
    assert rows == [] and alive == []
    assert ('POST', '/servers/bench-heal-2-worker-1/kill') in posted
    assert [c[0] for c in calls] == ['create', 'update', 'delete']
    props = calls[1][1]['template']['resources']['cluster']['properties']
    assert props['node_groups'][1]['count'] == 3
    assert calls[1][1]['existing'] is True
    assert faults == [{}, {'boot_latency': 5.0}, {}]
    assert sample['kind'] == 'heal' and sample['round'] == 1
    assert sample['workers'] == 2 and sample['killed'] == 'worker-1'
    for key in ('reported_s', 'lost_seen_s', 'active_s', 'capacity_s',
                'floor_s', 'floor_update_s', 'create_s'):
        assert sample[key] >= 0, key
    assert sample['lost_seen_s'] <= sample['reported_s'] <= \
        sample['active_s'] <= sample['capacity_s']
    assert sample['heal_status'] == 'ACTIVE: 3/3 nodes active'
    assert len(sample['heal_events']) == 2
    assert len(logged) == 3
    figs = fig_heal.figures([sample], 2)
    assert all(f.value is not None for f in figs)
