"""Rows of clusters that heal themselves (``auto_heal``): a node dies and
nobody acts, no alarm service runs."""

import calendar
import json
import time
import urllib.request

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates
from savanna_sandbox.faults.registry import scenario

MASTER_CLASS = 'org.apache.spark.deploy.master.Master'
#: what the issue asks of the defaults: back to ACTIVE within 5 minutes
BACK_WITHIN = 300
#: per-host directory of the watchdog's log (the sandbox's host view)
WATCHDOG_LOG = ('var-log-heat-savanna', 'watchdog.log')


def _template(name, **auto_heal):
    tmpl = templates.cluster_template(name, 3, 2)
    tmpl['resources'][templates.RESOURCE]['properties']['auto_heal'] = \
        dict({'enabled': True}, **auto_heal)
    return tmpl


def _stamp(text):
    return calendar.timegm(time.strptime(text[:19], '%Y-%m-%dT%H:%M:%S'))


def _wait_update_after(run, since, timeout):
    """The stack once an update that started after ``since`` (one nobody
    asked for) is done, or None after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = run.heat.stacks.get(run.stack_id)
        started = st.updated_time and _stamp(st.updated_time) >= int(since)
        if started and st.stack_status.startswith('UPDATE_') and \
                not st.stack_status.endswith('IN_PROGRESS'):
            return st
        time.sleep(2)
    return None


def _events(run, since):
    return [e.resource_status_reason or '' for e in run.heat.events.list(
        run.stack_id, resource_name=templates.RESOURCE)
        if _stamp(e.event_time) >= int(since)]


def _alive_workers(master):
    url = 'http://%s:8080/json/' % master['addresses'][0]
    with urllib.request.urlopen(url, timeout=5) as resp:
        status = json.load(resp)
    return sorted(w['host'] for w in status['workers']
                  if w['state'] == 'ALIVE')


@scenario('auto-heal-worker-lost', 'fah',
          'worker-1 killed, nobody acts: ACTIVE again within 5 minutes, '
          'worker-1 replaced by worker-3 and nothing else; past the cap '
          'worker-0 is found failed, not rebuilt, and told', 'auto-heal',
          ci=True)
def auto_heal_worker_lost(run):
    """Default settings. worker-1's host dies (Nova still calls it
    ACTIVE): the master's watchdog reports it after the grace period, the
    engine re-checks every node and rebuilds worker-1 alone. Then, with
    ``max_rebuilds_per_hour: 1``, worker-0 dies too: the re-check marks
    it failed and the cap holds."""
    st = run.create(_template(run.name))
    checks.require_created(run, st)
    srv = run.servers()
    for node in ('master-0', 'worker-0'):
        log = simulator.host_file(srv[node], *WATCHDOG_LOG) or ''
        run.check('watchdog of cluster %s on %s' % (run.name, node) in log,
                  'no watchdog started on %s: %r' % (node, log[-300:]))
    master_pid = simulator.daemon_pid(srv['master-0']['addresses'][0],
                                      MASTER_CLASS)
    run.require(master_pid is not None, 'no Spark master process found')
    kept = {n: s['id'] for n, s in srv.items() if n != 'worker-1'}
    t0 = time.time()
    simulator.admin('POST', '/servers/%s-worker-1/kill' % run.name, {})
    st = _wait_update_after(run, t0, BACK_WITHIN)
    run.require(st is not None, 'no automatic heal within %d s: %s'
                % (BACK_WITHIN, run.state()))
    run.note('ACTIVE again %.0f s after the kill' % (time.time() - t0))
    md = run.metadata()
    checks.require_stack(run, st, 'UPDATE_COMPLETE', 'auto-heal')
    run.check(md.get('status') == 'ACTIVE', 'after auto-heal %s'
              % md.get('summary'))
    after = run.servers()
    run.check(sorted(after) == ['master-0', 'worker-0', 'worker-2',
                                'worker-3'], 'servers %s' % sorted(after))
    run.check(all(after.get(n, {}).get('id') == i for n, i in kept.items()),
              'healthy servers replaced')
    run.check(simulator.daemon_pid(after['master-0']['addresses'][0],
                                   MASTER_CLASS) == master_pid,
              'the Spark master was restarted')
    alive = _alive_workers(after['master-0'])
    want = sorted(after[n]['addresses'][0]
                  for n in ('worker-0', 'worker-2', 'worker-3'))
    run.check(alive == want, 'Spark ALIVE workers %s, want %s'
              % (alive, want))
    told = [e for e in _events(run, t0)
            if e.startswith('auto-heal: worker-1 lost at ')]
    run.check(any(e.endswith('rebuilt as worker-3') for e in told),
              'no event tells the rebuild: %s' % _events(run, t0))
    run.check('rebuilt as worker-3' in (run.resource()
                                        .resource_status_reason or ''),
              'status reason %r' % run.resource().resource_status_reason)
    # the cap: one rebuild this hour already; no cool-down, so the
    # watchdog reports again at every look and the API must refuse it
    st = run.update(_template(run.name, max_rebuilds_per_hour=1,
                              cooldown=0))
    checks.require_stack(run, st, 'UPDATE_COMPLETE', 'cap set')
    t1 = time.time()
    simulator.admin('POST', '/servers/%s-worker-0/kill' % run.name, {})
    st = _wait_update_after(run, t1, BACK_WITHIN)
    run.require(st is not None, 'worker-0 never re-checked: %s'
                % (run.state(),))
    md = run.metadata()
    run.check(md.get('status') == 'PARTIALLY_ACTIVE', 'past the cap %s'
              % md.get('summary'))
    run.check([n['name'] for n in md.get('failed_nodes') or ()] ==
              ['worker-0'], 'failed %s' % md.get('failed_nodes'))
    run.check(sorted(run.servers()) == ['master-0', 'worker-0',
                                        'worker-2', 'worker-3'],
              'servers %s' % sorted(run.servers()))
    run.check(any(e.startswith('auto-heal: not rebuilding worker-0')
                  for e in _events(run, t1)),
              'no event tells the cap: %s' % _events(run, t1))
    # the watchdog's next reports are refused in the request: no update
    seen = st.updated_time
    time.sleep(20)
    run.check(run.heat.stacks.get(run.stack_id).updated_time == seen,
              'an update ran past the cap')
    log = simulator.host_file(srv['master-0'], *WATCHDOG_LOG) or ''
    run.check('the engine refused the report of worker-0 (HTTP 400): '
              in log, 'no refused report in the watchdog log: %r'
              % log[-400:])
    run.check('Signature=' not in log, 'the signed URL is in the log')
