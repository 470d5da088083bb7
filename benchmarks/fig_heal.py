"""Figure 13: a Spark cluster that heals itself (``auto_heal``), from a
node's loss to ACTIVE and to full capacity, against the physical floor.

Per round, one cluster through the real resource: a master and N Spark
workers (every worker required), ``auto_heal: {enabled: true}`` with its
defaults, the same injected boot latency as the other figures. Once it
is CREATE_COMPLETE and the master's own status page (``/json/`` on its
web UI port) lists every worker ALIVE, the last worker's host is killed
through the simulator (its sshd and processes stop; Nova still calls the
server ACTIVE, as in the fault row ``auto-heal-worker-lost``), and nobody
acts. Clocks from the kill, by the same polling as the other figures
(the stack's row in Heat's database and the master's page, every 0.5 s):

* ``reported_s``: the watchdog's report accepted, i.e. the stack's update
  began (its ``updated_at`` is the time the update was issued);
* ``lost_seen_s``: the master's page lists fewer than N workers ALIVE
  (what the watchdog judges by);
* ``active_s``: the stack UPDATE_COMPLETE (and then the cluster's status
  ACTIVE, or the round fails);
* ``capacity_s``: the master's page lists N workers ALIVE again.

Then the **floor**, on the same cluster: a stack update adding exactly
one worker (``count`` + 1), from the request to the new worker ALIVE on
the master (``floor_s``), i.e. one boot and one node's configuration
through the same path, the work a heal must do once it knows
(``floor_update_s``: to UPDATE_COMPLETE). The cluster is deleted; one
sample a round, nothing to alternate.

Figure 13 is capacity_s / floor_s (no target); 13b subtracts the grace
period first, the wait the template's author chose (target 1.5): what is
left is the watchdog's look, the report, the engine's re-check of every
node and the rebuild.
"""

import calendar
import json
import time
import urllib.request

from benchmarks import fig_e2e
from benchmarks import results
from benchmarks import sandbox
from heat_savanna.core import autoheal

RESOURCE = 'cluster'
#: the cluster's auto_heal property: enabled, every other key its default
AUTO_HEAL = {'enabled': True}
GRACE_PERIOD = autoheal.AutoHeal().grace_period
#: seconds allowed: CREATE_COMPLETE to every worker ALIVE; the kill to
#: every clock stopped; the floor's request to its clocks stopped
REGISTER_TIMEOUT = 300
HEAL_TIMEOUT = 900
FLOOR_TIMEOUT = 900
#: what a sample holds, in seconds (the figures' detail lists them all)
TIMINGS = ('reported_s', 'reported_event_s', 'lost_seen_s', 'active_s',
           'capacity_s', 'floor_s', 'floor_update_s', 'create_s')


def template(name, workers, count=None):
    """The cluster: master + ``count`` workers (default ``workers``), all
    ``workers`` required, auto-heal on with its defaults."""
    from savanna_sandbox import faults
    tmpl = faults.cluster_template(name, workers if count is None
                                   else count, min_active=workers)
    tmpl['resources'][RESOURCE]['properties']['auto_heal'] = dict(AUTO_HEAL)
    return tmpl


def victim(workers):
    """The worker killed: the last (worker-0 also watches the master)."""
    return 'worker-%d' % (workers - 1)


class Clock(object):
    """The clocks of one stack update, from polls of the stack's row and
    of the master's status page (pure: fed by :func:`watch`).

    ``t0``: when the clocks started (the kill, the floor's request);
    ``since``: the stack's ``updated_at`` then (an update that begins
    writes a new one). ``marks``, seconds from ``t0``: ``started`` (the
    update began), ``lost_seen`` (fewer than ``want`` workers ALIVE),
    ``complete`` (UPDATE_COMPLETE), ``capacity`` (``want`` workers ALIVE;
    with ``after_loss``, only once the loss was seen and the update
    began: the master lists a killed worker ALIVE until it notices).
    """

    def __init__(self, t0, since, want, after_loss):
        self.t0, self.since, self.want = t0, since, want
        self.after_loss = after_loss
        self.marks = {}

    def see(self, now, row, alive):
        """One poll: ``row`` (action, status, reason, updated_at) or None;
        ``alive`` ALIVE workers on the master's page, or None (no answer).
        True once the update is complete and the capacity is back.

        :raises BenchError: the update failed (or rolled back).
        """
        marks, at = self.marks, now - self.t0
        if row is not None and row[3] != self.since:
            marks.setdefault('started', at)
            if row[1] == 'FAILED' or (row[1] == 'COMPLETE' and
                                      row[0] != 'UPDATE'):
                raise sandbox.BenchError('stack %s %s: %s' % row[:3])
            if tuple(row[:2]) == ('UPDATE', 'COMPLETE'):
                marks.setdefault('complete', at)
        if alive is not None:
            if alive < self.want:
                marks.setdefault('lost_seen', at)
            elif 'started' in marks and ('lost_seen' in marks or
                                         not self.after_loss):
                marks.setdefault('capacity', at)
        return 'complete' in marks and 'capacity' in marks


def _row(db, stack_id):
    rows = db.query('SELECT action, status, status_reason, updated_at FROM '
                    'stack WHERE id = %s AND deleted_at IS NULL',
                    (stack_id,))
    return tuple(rows[0]) if rows else None


def _alive(address):
    """ALIVE workers on the master's status page, None if no answer."""
    url = 'http://%s:%d/json/' % (address, fig_e2e.WEBUI_PORT)
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return fig_e2e.alive_workers(json.loads(resp.read()))
    except Exception:   # the master's answer is what is measured
        return None


def _address(name, node):
    for s in sandbox.admin('GET', '/servers')['servers']:
        if s['name'] == '%s-%s' % (name, node) and \
                s.get('status') != 'DELETED':
            for addr in s.get('addresses') or ():
                ip = addr.get('addr') if isinstance(addr, dict) else addr
                if ip:
                    return ip
    raise sandbox.BenchError('no address of %s-%s' % (name, node))


def watch(db, stack_id, clock, address, timeout, what):
    """Poll until ``clock`` is done; its marks."""
    while True:
        row = _row(db, stack_id)
        alive = _alive(address)
        now = time.monotonic()
        if clock.see(now, row, alive):
            return clock.marks
        if now - clock.t0 > timeout:
            raise sandbox.BenchError('%s: not done after %d s (%s; stack %s,'
                                     ' %s workers ALIVE)' % (
                                         what, timeout, clock.marks,
                                         row and row[:3], alive))
        time.sleep(sandbox.POLL)


def _stamp(text):
    return calendar.timegm(time.strptime(text[:19], '%Y-%m-%dT%H:%M:%S'))


def heal_events(heat, stack_id, since):
    """``[(seconds after since, reason)]`` of the cluster's auto-heal
    events from ``since`` (time.time(); Heat's events have one-second
    resolution)."""
    found = []
    for e in heat.events.list(stack_id, resource_name=RESOURCE):
        reason = e.resource_status_reason or ''
        if reason.startswith('auto-heal') and \
                _stamp(e.event_time) >= int(since):
            found.append((_stamp(e.event_time) - since, reason))
    return sorted(found)


def _heal(heat, db, stack_id, name, workers, address):
    """Kill a worker; the clocks of the heal nobody asked for."""
    node = victim(workers)
    since = _row(db, stack_id)[3]
    wall, t0 = time.time(), time.monotonic()
    sandbox.admin('POST', '/servers/%s-%s/kill' % (name, node), {})
    marks = watch(db, stack_id, Clock(t0, since, workers, True), address,
                  HEAL_TIMEOUT, '%s: the heal of %s' % (name, node))
    md = heat.resources.metadata(stack_id, RESOURCE) or {}
    events = heal_events(heat, stack_id, wall)
    if md.get('status') != 'ACTIVE' or not any(
            'rebuilt as' in text for _at, text in events):
        raise sandbox.BenchError('%s: after the heal %s; events %s' % (
            name, md.get('summary') or md.get('status'), events))
    reported = [at for at, text in events if 'reported lost' in text]
    return {'killed': node, 'reported_s': marks['started'],
            'reported_event_s': reported[0] if reported else None,
            'lost_seen_s': marks['lost_seen'],
            'active_s': marks['complete'], 'capacity_s': marks['capacity'],
            'heal_events': [text for _at, text in events],
            'heal_status': md.get('summary') or md.get('status')}


def _floor(heat, db, stack_id, name, workers, address):
    """One worker more by a stack update: one boot, one configuration."""
    since = _row(db, stack_id)[3]
    t0 = time.monotonic()
    heat.stacks.update(stack_id, existing=True, disable_rollback=True,
                       template=template(name, workers, workers + 1))
    marks = watch(db, stack_id, Clock(t0, since, workers + 1, False),
                  address, FLOOR_TIMEOUT, '%s: one worker more' % name)
    return {'floor_s': marks['capacity'], 'floor_update_s': marks['complete']}


def _require_watchdogs(heat, stack_id, name):
    not_started = [e.resource_status_reason for e in heat.events.list(
        stack_id, resource_name=RESOURCE)
        if (e.resource_status_reason or '').startswith(
            'auto-heal watchdog not started')]
    if not_started:
        raise sandbox.BenchError('%s: %s' % (name, not_started))


def one_cluster(heat, db, name, workers, log):
    t0 = time.monotonic()
    try:
        stack_id = heat.stacks.create(
            stack_name=name, disable_rollback=True,
            template=template(name, workers))['stack']['id']
        t_created = db.wait(stack_id, 'CREATE')
        address = _address(name, 'master-0')
        while (_alive(address) or 0) < workers:
            if time.monotonic() - t_created > REGISTER_TIMEOUT:
                raise sandbox.BenchError('%s: not every worker ALIVE after'
                                         ' %d s' % (name, REGISTER_TIMEOUT))
            time.sleep(sandbox.POLL)
        create_s = time.monotonic() - t0
        _require_watchdogs(heat, stack_id, name)
        sample = _heal(heat, db, stack_id, name, workers, address)
        log('  %s: %s killed; reported %.1fs, master saw it %.1fs, ACTIVE '
            '%.1fs, %d workers ALIVE %.1fs (%s)' % (
                name, sample['killed'], sample['reported_s'],
                sample['lost_seen_s'], sample['active_s'], workers,
                sample['capacity_s'], sample['heal_status']))
        sample.update(_floor(heat, db, stack_id, name, workers, address))
        log('  %s: one worker more ALIVE %.1fs (UPDATE_COMPLETE %.1fs)'
            % (name, sample['floor_s'], sample['floor_update_s']))
    finally:
        sandbox.delete_stack(heat, name)
    sample.update(workers=workers, create_s=create_s,
                  grace_period=GRACE_PERIOD)
    return sample


def run_round(round_no, workers, boot_latency, log):
    """One repetition: a sample of kind ``heal``."""
    heat = sandbox.heat_client()
    db = sandbox.HeatDB()
    log('figure 13, round %d: %d workers, auto-heal defaults, boot latency '
        '%.1fs' % (round_no + 1, workers, boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    try:
        sample = one_cluster(heat, db, 'bench-heal-%d' % workers, workers,
                             log)
    finally:
        sandbox.reset_faults()
        db.close()
    sample.update(kind='heal', round=round_no, boot_latency=boot_latency)
    return [sample]


# -- figures (pure) -----------------------------------------------------------
def _less(value, minus):
    return None if value is None else value - minus


def figures(samples, workers):
    """Figure 13 from the samples of ``workers`` workers."""
    mine = [s for s in samples if s.get('kind') == 'heal' and
            s['workers'] == workers]
    capacity = [s.get('capacity_s') for s in mine]
    floor = [s.get('floor_s') for s in mine]
    grace = [s.get('grace_period', GRACE_PERIOD) for s in mine]
    detail = {k: [s.get(k) for s in mine] for k in TIMINGS}
    detail.update(round=[s.get('round') for s in mine],
                  grace_period=grace, killed=[s.get('killed') for s in mine],
                  status=[s.get('heal_status') for s in mine])
    return [
        results.Figure.of(
            '13 auto-heal loss -> full capacity vs floor',
            results.ratios(capacity, floor), unit='x',
            measured='%d workers, auto_heal defaults: a worker\'s host '
            'killed (Nova still ACTIVE) -> %d workers ALIVE on the master '
            'again; floor = a stack update adding one worker, request -> '
            'it ALIVE on the master (one boot, one configuration)'
            % (workers, workers), detail=detail),
        results.Figure.of(
            '13b auto-heal minus grace period vs floor',
            results.ratios([_less(c, g) for c, g in zip(capacity, grace)],
                           floor), 1.5, unit='x',
            measured='the same, less auto_heal.grace_period (the '
            'template author\'s own wait)', detail=detail),
    ]
