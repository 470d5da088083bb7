"""The fault matrix: OS::Savanna::Cluster under injected faults, on real Heat.

``python -m savanna_sandbox.faults`` (what ``make faults`` runs) drives
each scenario against the running sandbox (real Heat 27 + the cloud
simulator) and prints one line per scenario::

    name | expected | observed | leaked

then exits non-zero if any row's observed result differs from the expected
one or anything was leaked. ``--list`` names the scenarios, ``--only NAME``
(repeatable) runs a subset. Every scenario uses its own cluster ``name``
(server-name fault globs stay unique), and ends by deleting its stack,
clearing the faults and comparing the simulator's inventory with the one
taken before it: whatever the scenario created and is still there is
"leaked".

The same scenario functions back tests/functional/test_partial_active.py,
so CI runs the key rows and ``make faults`` the whole matrix.

Hold the sandbox lock while running (the sandbox is shared)::

    flock /tmp/heat-savanna-sandbox.lock python -m savanna_sandbox.faults
"""

import argparse
import io
import json
import os
import signal
import sys
import time
import urllib.request

ADMIN_URL = os.environ.get('SAVANNA_SANDBOX_ADMIN_URL',
                           'http://127.0.0.1:8799')
RESOURCE = 'cluster'
TIMEOUT = float(os.environ.get('SAVANNA_FAULTS_TIMEOUT', '420'))


class ScenarioFailed(Exception):
    """An observation that differs from the expected result."""


# -- the simulator's admin API ------------------------------------------------
def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ADMIN_URL + path, data=data, method=method,
                                 headers={'Content-Type':
                                          'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def inventory_ids():
    """``{(kind, id): name}`` of every live simulated resource."""
    live = admin('GET', '/inventory').get('live', {})
    return {(kind, item['id']): item.get('name') or ''
            for kind, items in live.items() for item in items}


def servers(prefix):
    """``{node name: admin server record}`` of the cluster ``prefix``."""
    out = {}
    for srv in admin('GET', '/servers')['servers']:
        if srv['name'].startswith(prefix + '-'):
            out[srv['name'][len(prefix) + 1:]] = srv
    return out


def daemon_pid(address, cls):
    """Pid of the Spark daemon ``cls`` bound to ``address``, or None.

    Every simulated host's processes are this machine's processes, so a
    restart shows as a new pid."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        args = [a.decode(errors='replace') for a in argv]
        if cls in args and '--host' in args:
            i = args.index('--host')
            if i + 1 < len(args) and args[i + 1] == address:
                return int(entry)
    return None


# -- templates ----------------------------------------------------------------
def cluster_template(name, workers, min_active=None, anti_affinity=(),
                     policy=None, master_min=None):
    """A spark cluster template (1 master, ``workers`` workers)."""
    worker = {'name': 'worker', 'count': workers,
              'node_processes': ['worker']}
    if min_active is not None:
        worker['min_active'] = str(min_active)
    props = {'name': name, 'plugin_name': 'spark',
             'plugin_version': '4.3.0', 'image': 'spark-4.3',
             'flavor': 'm1.small', 'management_network': 'private',
             'node_groups': [{'name': 'master', 'count': 1,
                              'node_processes': ['master']}, worker],
             'cluster_configs': {'spark-defaults':
                                 {'spark.executor.memory': '512m'}}}
    if anti_affinity:
        props['anti_affinity'] = list(anti_affinity)
    if policy:
        props['anti_affinity_policy'] = policy
    outputs = {k: {'value': {'get_attr': [RESOURCE, k]}}
               for k in ('status', 'failed_nodes', 'active_count',
                         'master_address')}
    return {'heat_template_version': '2021-04-16',
            'resources': {RESOURCE: {'type': 'OS::Savanna::Cluster',
                                     'properties': props}},
            'outputs': outputs}


# -- one scenario's run ------------------------------------------------------
class Run(object):
    """Heat and simulator helpers for one scenario, plus its checks."""

    def __init__(self, heat, name, platform=None):
        self.heat = heat
        self.name = name            # cluster name == stack name
        self.platform = platform
        self.stack_id = None
        self.failures = []
        self.notes = []

    # checks
    def check(self, cond, observed):
        """Record ``observed`` as a difference unless ``cond``."""
        if not cond:
            self.failures.append(observed)
        return cond

    def require(self, cond, observed):
        if not self.check(cond, observed):
            raise ScenarioFailed(observed)

    def note(self, text):
        self.notes.append(text)

    # faults
    def faults(self, doc):
        admin('POST', '/faults', doc)

    def reset_faults(self):
        admin('POST', '/reset')

    # stacks
    def create(self, template, disable_rollback=True):
        resp = self.heat.stacks.create(stack_name=self.name,
                                       template=template,
                                       disable_rollback=disable_rollback,
                                       timeout_mins=15)
        self.stack_id = resp['stack']['id']
        return self.wait('CREATE')

    def update(self, template=None, existing=True, rollback=False):
        kwargs = {'existing': existing, 'disable_rollback': not rollback}
        if template is not None:
            kwargs['template'] = template
        self.heat.stacks.update(self.stack_id, **kwargs)
        return self.wait(('UPDATE', 'ROLLBACK'), since=time.time())

    def check_stack(self):
        self.heat.actions.check(self.stack_id)
        return self.wait('CHECK')

    def wait(self, actions, timeout=TIMEOUT, since=None):
        """Wait until the stack's action is one of ``actions`` and done."""
        if isinstance(actions, str):
            actions = (actions,)
        deadline = time.time() + timeout
        time.sleep(1)
        while True:
            st = self.heat.stacks.get(self.stack_id)
            action, _sep, status = st.stack_status.partition('_')
            if action in actions and status != 'IN_PROGRESS':
                if not (action == 'UPDATE' and 'ROLLBACK' in actions and
                        status == 'FAILED' and not st.disable_rollback):
                    return st
            if time.time() > deadline:
                raise ScenarioFailed('timed out in %s: %s' % (
                    st.stack_status, st.stack_status_reason))
            time.sleep(2)

    def resource(self):
        return self.heat.resources.get(self.stack_id, RESOURCE)

    def metadata(self):
        return self.heat.resources.metadata(self.stack_id, RESOURCE) or {}

    def outputs(self):
        st = self.heat.stacks.get(self.stack_id)
        return {o['output_key']: o.get('output_value')
                for o in (st.outputs or [])}

    def servers(self):
        return servers(self.name)

    def delete(self):
        if self.stack_id is None:
            return 'no stack'
        try:
            self.heat.stacks.delete(self.stack_id)
        except Exception as exc:   # already gone
            return 'delete: %s' % exc
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            try:
                st = self.heat.stacks.get(self.stack_id)
            except Exception:
                return 'DELETE_COMPLETE'
            if st.stack_status in ('DELETE_COMPLETE',):
                return st.stack_status
            if st.stack_status == 'DELETE_FAILED':
                return 'DELETE_FAILED: %s' % st.stack_status_reason
            time.sleep(2)
        return 'delete timed out'

    # composite helpers
    def state(self):
        """(stack status, resource status, resource reason, status)."""
        st = self.heat.stacks.get(self.stack_id)
        res = self.resource()
        return (st.stack_status, res.resource_status,
                res.resource_status_reason or '',
                self.metadata().get('status'))


# -- scenarios --------------------------------------------------------------
def _partial_then_heal(run, workers, min_active, failing):
    """Create with ``failing`` worker indices failing to boot: expect
    PARTIALLY_ACTIVE; then an update with nothing changed rebuilds just
    those (new names), touching no other node or daemon."""
    names = ['%s-worker-%d' % (run.name, i) for i in failing]
    run.faults({'boot_failure': {'names': names}})
    st = run.create(cluster_template(run.name, workers, min_active))
    res = run.resource()
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   res.resource_status_reason))
    active = workers - len(failing)
    summary = ('PARTIALLY_ACTIVE: worker %d/%d active (min %d); %d node%s '
               'to rebuild' % (active, workers, min_active, len(failing),
                               '' if len(failing) == 1 else 's'))
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % md.get('status'))
    run.check(md.get('summary') == summary and
              res.resource_status_reason == summary,
              'summary %r / reason %r' % (md.get('summary'),
                                          res.resource_status_reason))
    failed = {f['name']: f for f in md.get('failed_nodes') or ()}
    want = {'worker-%d' % i for i in failing}
    # A node whose boot fails is normally caught in phase 'boot'; one seen
    # once as ACTIVE and then without sshd is caught at 'host-key' (the
    # console has no key to pin). Either way it is failed and rebuilt.
    run.check(set(failed) == want and
              all(f['phase'] in ('boot', 'host-key') and f['reason']
                  for f in failed.values()),
              'failed_nodes %s' % sorted(failed.items()))
    run.note('phases: %s' % ', '.join(
        '%s=%s' % (n, f['phase']) for n, f in sorted(failed.items())))
    outs = run.outputs()
    run.check(outs.get('status') == 'PARTIALLY_ACTIVE' and
              len(outs.get('failed_nodes') or ()) == len(failing),
              'outputs %s' % outs)
    before = {n: s['id'] for n, s in run.servers().items()
              if s['status'] == 'ACTIVE'}
    master_ip = outs.get('master_address')
    master_pid = daemon_pid(master_ip, 'org.apache.spark.deploy.master'
                            '.Master')
    worker_pids = {}
    for node, srv in run.servers().items():
        if srv['status'] == 'ACTIVE' and node.startswith('worker-'):
            worker_pids[node] = daemon_pid(
                srv['addresses'][0],
                'org.apache.spark.deploy.worker.Worker')
    run.require(master_pid is not None, 'no Spark master process found')
    # heal
    run.reset_faults()
    t0 = time.time()
    st = run.update()
    run.note('heal %.0fs' % (time.time() - t0))
    md = run.metadata()
    run.require(st.stack_status == 'UPDATE_COMPLETE',
                'heal: %s %s' % (st.stack_status,
                                 run.resource().resource_status_reason))
    run.check(md.get('status') == 'ACTIVE',
              'after heal status %s (%s)' % (md.get('status'),
                                             md.get('summary')))
    after = {n: s['id'] for n, s in run.servers().items()
             if s['status'] == 'ACTIVE'}
    new_names = sorted(set(after) - set(before))
    expected_new = ['worker-%d' % (workers + k)
                    for k in range(len(failing))]
    run.check(sorted(new_names, key=_idx) == expected_new,
              'new nodes %s' % new_names)
    changed = [n for n in before if after.get(n) != before[n]]
    run.check(not changed, 'server ids changed: %s' % changed)
    run.check(not [n for n in want if n in run.servers()],
              'failed servers still there: %s' % sorted(run.servers()))
    run.check(daemon_pid(master_ip, 'org.apache.spark.deploy.master'
                         '.Master') == master_pid,
              'Spark master restarted')
    restarted = [n for n, pid in worker_pids.items()
                 if daemon_pid(run.servers()[n]['addresses'][0],
                               'org.apache.spark.deploy.worker.Worker')
                 != pid]
    run.check(not restarted, 'workers restarted: %s' % restarted)
    return 'PARTIALLY_ACTIVE then healed to ACTIVE, only failed replaced'


def _idx(name):
    return int(name.rsplit('-', 1)[1])


def boot_1_of_10(run):
    return _partial_then_heal(run, 10, 9, [3])


def boot_3_of_10(run):
    return _partial_then_heal(run, 10, 7, [2, 5, 8])


def boot_master(run):
    run.faults({'boot_failure': {'names': ['%s-master-0' % run.name]}})
    st = run.create(cluster_template(run.name, 2, 1))
    reason = run.resource().resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('master-0' in reason and 'master' in reason,
              'reason does not name the master: %r' % reason)
    return 'CREATE_FAILED naming master-0'


def too_many_failures(run):
    """2 of 4 workers fail with min_active 3: FAILED naming the group;
    then, fault fixed, an update heals in place (same nested stack)."""
    run.faults({'boot_failure': {'names': [
        '%s-worker-1' % run.name, '%s-worker-2' % run.name]}})
    tpl = cluster_template(run.name, 4, 3)
    st = run.create(tpl)
    res = run.resource()
    reason = res.resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('group worker' in reason and 'min_active 3' in reason,
              'reason does not name the group: %r' % reason)
    nested = res.physical_resource_id
    kept = {n: s['id'] for n, s in run.servers().items()
            if s['status'] == 'ACTIVE'}
    run.reset_faults()
    st = run.update()
    res = run.resource()
    md = run.metadata()
    run.require(st.stack_status == 'UPDATE_COMPLETE',
                'heal: %s %s' % (st.stack_status,
                                 res.resource_status_reason))
    run.check(res.physical_resource_id == nested,
              'nested stack replaced (%s -> %s)'
              % (nested, res.physical_resource_id))
    run.check(md.get('status') == 'ACTIVE',
              'after heal %s' % md.get('summary'))
    now = run.servers()
    run.check(all(now.get(n, {}).get('id') == i for n, i in kept.items()),
              'healthy servers replaced')
    return 'CREATE_FAILED naming group; healed in place to ACTIVE'


def ssh_refused(run):
    run.faults({'ssh_refuse': ['%s-worker-1' % run.name]})
    st = run.create(cluster_template(run.name, 3, 2))
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    failed = md.get('failed_nodes') or []
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % md.get('status'))
    run.check(len(failed) == 1 and failed[0]['name'] == 'worker-1' and
              failed[0]['phase'] and failed[0]['reason'],
              'failed_nodes %s' % failed)
    if failed:
        run.note('worker-1: %s: %s' % (failed[0]['phase'],
                                       failed[0]['reason'][:80]))
    return 'PARTIALLY_ACTIVE, worker-1 failed with phase and reason'


def service_fails(run):
    run.faults({'service_fail': ['%s-worker-2' % run.name]})
    st = run.create(cluster_template(run.name, 3, 2))
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    failed = md.get('failed_nodes') or []
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % md.get('status'))
    run.check(len(failed) == 1 and failed[0]['name'] == 'worker-2',
              'failed_nodes %s' % failed)
    if failed:
        run.note('worker-2: %s: %s' % (failed[0]['phase'],
                                       failed[0]['reason'][:80]))
    return 'PARTIALLY_ACTIVE, worker-2 failed to start'


def api_errors(run):
    """10% of Nova's server polls answer 429 or 503.

    Scoped to what Heat 27 itself promises to survive: its Nova client
    plugin's fetch_server() tolerates OverLimit, 500 and 503 while polling a
    server (heat/engine/clients/os/nova.py). Heat does not retry such errors
    in its validation-time lookups (image, flavor, network constraints) or
    in the other resources' create calls, so injecting there makes Heat
    refuse or fail the stack before our resource runs: a Heat limitation,
    measured and recorded in the docs, not hidden.
    """
    doc = {'api_errors': {'compute': {
        'rate': 0.1, 'codes': [429, 503], 'seed': 11, 'retry_after': 1,
        'methods': ['GET'], 'paths': ['/v2.1/servers/*']}}}
    run.faults(doc)
    admin('POST', '/stats/reset')
    st = run.create(cluster_template(run.name, 3))
    stats = admin('GET', '/stats')
    run.note('%d API requests' % stats.get('total', 0))
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    return 'CREATE_COMPLETE ACTIVE'


def hard_anti_affinity(run):
    hvs = len(admin('GET', '/hypervisors')['hypervisors'])
    st = run.create(cluster_template(run.name, hvs + 1,
                                     anti_affinity=['worker']))
    reason = run.resource().resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('server group' in reason and run.name in reason,
              'reason does not name the server group: %r' % reason[:300])
    return 'CREATE_FAILED naming the server group'


def soft_anti_affinity(run):
    hvs = len(admin('GET', '/hypervisors')['hypervisors'])
    st = run.create(cluster_template(run.name, hvs + 1,
                                     anti_affinity=['worker'],
                                     policy='soft-anti-affinity'))
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    return 'CREATE_COMPLETE ACTIVE'


def engine_killed(run):
    """SIGKILL heat-engine while the cluster is booting, restart it: the
    stack ends FAILED (Heat resets stacks of dead engines) or completes,
    and can be deleted with nothing leaked."""
    plat = run.platform
    run.faults({'boot_latency': 4})
    resp = run.heat.stacks.create(
        stack_name=run.name, template=cluster_template(run.name, 3),
        disable_rollback=True, timeout_mins=15)
    run.stack_id = resp['stack']['id']
    deadline = time.time() + 60
    while time.time() < deadline:
        if run.servers():
            break
        time.sleep(0.5)
    rec = plat.supervisor.record('heat-engine')
    run.require(rec is not None, 'no heat-engine record')
    os.killpg(rec['pid'], signal.SIGKILL)
    time.sleep(2)
    run.reset_faults()
    out = io.StringIO()
    plat.out = out
    rc = plat.up()
    run.require(rc == 0, 'heat-engine restart failed')
    # After the restart Heat marks the dead engine's stack FAILED
    # (or, if another engine worker picks the work up, it completes).
    try:
        st = run.wait('CREATE', timeout=240)
        run.note('after restart: %s' % st.stack_status)
    except ScenarioFailed as exc:
        run.note('after restart: %s' % exc)
    return 'stack deletable after engine restart'


def scale_down_failed(run):
    run.faults({'boot_failure': {'names': ['%s-worker-1' % run.name]}})
    st = run.create(cluster_template(run.name, 4, 3))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    run.check(run.metadata().get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % run.metadata().get('summary'))
    before = {n: s['id'] for n, s in run.servers().items()
              if s['status'] == 'ACTIVE'}
    run.reset_faults()
    st = run.update(cluster_template(run.name, 3, 3), existing=False)
    md = run.metadata()
    run.require(st.stack_status == 'UPDATE_COMPLETE',
                'update: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    after = {n: s['id'] for n, s in run.servers().items()}
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    run.check(after == before, 'servers %s -> %s' % (sorted(before),
                                                     sorted(after)))
    return 'failed worker-1 removed first, others untouched, ACTIVE'


def check_finds_dead(run):
    st = run.create(cluster_template(run.name, 3, 2))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    admin('POST', '/servers/%s-worker-1/kill' % run.name, {})
    st = run.check_stack()
    md = run.metadata()
    failed = [f['name'] for f in md.get('failed_nodes') or ()]
    run.check(st.stack_status == 'CHECK_COMPLETE',
              'check: %s %s' % (st.stack_status,
                                run.resource().resource_status_reason))
    run.check(md.get('status') == 'PARTIALLY_ACTIVE' and
              failed == ['worker-1'],
              'after check %s %s' % (md.get('summary'), failed))
    before = {n: s['id'] for n, s in run.servers().items()
              if n != 'worker-1'}
    st = run.update()
    md = run.metadata()
    run.require(st.stack_status == 'UPDATE_COMPLETE',
                'update: %s %s' % (st.stack_status,
                                   run.resource().resource_status_reason))
    after = {n: s['id'] for n, s in run.servers().items()}
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    run.check('worker-1' not in after and 'worker-3' in after and
              all(after.get(n) == i for n, i in before.items()),
              'servers %s' % sorted(after))
    return 'check found worker-1 dead, update rebuilt it'


def rollback(run):
    """Scale 2 -> 4 workers (min_active = count) with the new ones failing
    to boot, rollback enabled: the stack rolls back and the cluster is
    the 2 workers it was, ACTIVE, no server replaced."""
    st = run.create(cluster_template(run.name, 2))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    before = {n: s['id'] for n, s in run.servers().items()}
    run.faults({'boot_failure': {'names': [
        '%s-worker-2' % run.name, '%s-worker-3' % run.name]}})
    st = run.update(cluster_template(run.name, 4), existing=False,
                    rollback=True)
    run.reset_faults()
    md = run.metadata()
    after = {n: s['id'] for n, s in run.servers().items()
             if s['status'] == 'ACTIVE'}
    run.check(st.stack_status == 'ROLLBACK_COMPLETE',
              'update: %s %s' % (st.stack_status, st.stack_status_reason))
    run.check(after == before, 'servers %s -> %s' % (sorted(before),
                                                     sorted(after)))
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    return 'ROLLBACK_COMPLETE, cluster unchanged and ACTIVE'


def vanilla_without_hadoop(run):
    """A vanilla cluster on an image without Hadoop (the sandbox's
    hadoop-3.4 image mounts nothing at /opt/hadoop): the plugin's first
    step checks the image, so the create fails within 60 s of the servers
    being up (not after the service start timeouts), and the reason names
    the image and the missing binary."""
    props = {'name': run.name, 'plugin_name': 'vanilla',
             'image': 'hadoop-3.4', 'flavor': 'm1.small',
             'management_network': 'private',
             'node_groups': [
                 {'name': 'master', 'count': 1,
                  'node_processes': ['namenode', 'resourcemanager']},
                 {'name': 'worker', 'count': 1,
                  'node_processes': ['datanode', 'nodemanager']}]}
    template = {'heat_template_version': '2021-04-16',
                'resources': {RESOURCE: {'type': 'OS::Savanna::Cluster',
                                         'properties': props}}}
    resp = run.heat.stacks.create(stack_name=run.name, template=template,
                                  disable_rollback=True, timeout_mins=15)
    run.stack_id = resp['stack']['id']
    up = None
    deadline = time.time() + TIMEOUT
    while up is None and time.time() < deadline:
        found = run.servers()
        if len(found) == 2 and all(s['status'] == 'ACTIVE'
                                   for s in found.values()):
            up = time.time()
            break
        if run.heat.stacks.get(run.stack_id).stack_status != \
                'CREATE_IN_PROGRESS':
            break
        time.sleep(0.5)
    st = run.wait('CREATE')
    seconds = time.time() - (up or time.time())
    reason = run.resource().resource_status_reason or ''
    run.require(up is not None, 'the servers never were all ACTIVE: %s'
                % st.stack_status)
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s %s' % (st.stack_status, reason[:200]))
    run.note('failed %.0fs after the servers were up' % seconds)
    run.check(seconds <= 60, 'failed %.0fs after the servers were up'
              % seconds)
    run.check("image 'hadoop-3.4'" in reason and
              '/opt/hadoop/bin/hdfs' in reason,
              'reason does not name the image and the binary: %r'
              % reason[-300:])
    return 'CREATE_FAILED within 60 s naming the image and the missing ' \
        'binary'


#: (row name, cluster name, expected, function)
SCENARIOS = [
    ('boot-1-of-10', 'fb1', 'PARTIALLY_ACTIVE then healed to ACTIVE, only '
     'failed replaced', boot_1_of_10),
    ('boot-3-of-10', 'fb3', 'PARTIALLY_ACTIVE then healed to ACTIVE, only '
     'failed replaced', boot_3_of_10),
    ('boot-master', 'fbm', 'CREATE_FAILED naming master-0', boot_master),
    ('below-min-active-then-heal', 'fmin',
     'CREATE_FAILED naming group; healed in place to ACTIVE',
     too_many_failures),
    ('ssh-refused', 'fssh',
     'PARTIALLY_ACTIVE, worker-1 failed with phase and reason', ssh_refused),
    ('service-start-fails', 'fsvc', 'PARTIALLY_ACTIVE, worker-2 failed to '
     'start', service_fails),
    ('api-429-503-10pct-server-polls', 'fapi', 'CREATE_COMPLETE ACTIVE',
     api_errors),
    ('hard-anti-affinity', 'faah', 'CREATE_FAILED naming the server group',
     hard_anti_affinity),
    ('soft-anti-affinity', 'faas', 'CREATE_COMPLETE ACTIVE',
     soft_anti_affinity),
    ('engine-killed', 'fkill', 'stack deletable after engine restart',
     engine_killed),
    ('scale-down-with-failed', 'fsd', 'failed worker-1 removed first, '
     'others untouched, ACTIVE', scale_down_failed),
    ('check-finds-dead-node', 'fchk',
     'check found worker-1 dead, update rebuilt it', check_finds_dead),
    ('rollback-failed-update', 'frb',
     'ROLLBACK_COMPLETE, cluster unchanged and ACTIVE', rollback),
    ('vanilla-image-without-hadoop', 'fimg',
     'CREATE_FAILED within 60 s naming the image and the missing binary',
     vanilla_without_hadoop),
]


def run_scenario(heat, row, platform=None, out=None):
    """Run one row; returns a dict: name, expected, observed, leaked,
    seconds, notes, ok."""
    name, cluster, expected, func = row
    before = inventory_ids()
    admin('POST', '/reset')
    run = Run(heat, cluster, platform)
    t0 = time.time()
    observed = None
    try:
        observed = func(run)
    except ScenarioFailed as exc:
        observed = str(exc)
        if observed not in run.failures:
            run.failures.insert(0, observed)
    except Exception as exc:
        observed = 'error: %s: %s' % (type(exc).__name__, exc)
        run.failures.insert(0, observed)
    finally:
        try:
            admin('POST', '/reset')
        except Exception:
            pass
        deleted = run.delete()
    if deleted not in ('DELETE_COMPLETE', 'no stack'):
        run.failures.append(deleted)
    time.sleep(1)
    leaked = sorted('%s:%s' % (kind, nm or ident)
                    for (kind, ident), nm in inventory_ids().items()
                    if (kind, ident) not in before)
    if run.failures:
        observed = '; '.join(run.failures)
    return {'name': name, 'expected': expected, 'observed': observed,
            'leaked': leaked, 'seconds': time.time() - t0,
            'notes': run.notes,
            'ok': observed == expected and not leaked}


def format_row(result):
    notes = (' [%s]' % '; '.join(result['notes'])) if result['notes'] else ''
    return '%s | %s | %s | %d%s (%.0fs)%s' % (
        result['name'], result['expected'], result['observed'],
        len(result['leaked']),
        (' ' + ', '.join(result['leaked'][:5])) if result['leaked'] else '',
        result['seconds'], notes)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m savanna_sandbox.faults',
        description='The fault matrix of OS::Savanna::Cluster on the '
                    'sandbox (hold /tmp/heat-savanna-sandbox.lock).')
    parser.add_argument('--list', action='store_true',
                        help='list the scenarios and exit')
    parser.add_argument('--only', action='append', metavar='NAME',
                        help='run only this scenario (repeatable)')
    args = parser.parse_args(argv)
    if args.list:
        for name, _c, expected, _f in SCENARIOS:
            print('%s | %s' % (name, expected))
        return 0
    rows = SCENARIOS
    if args.only:
        known = {r[0] for r in SCENARIOS}
        unknown = [n for n in args.only if n not in known]
        if unknown:
            parser.error('unknown scenario(s): %s (see --list)'
                         % ', '.join(unknown))
        rows = [r for r in SCENARIOS if r[0] in args.only]
    from savanna_sandbox.services import platform as platform_mod
    plat = platform_mod.Platform(out=io.StringIO())
    heat = plat.heat_client('demo')
    print('name | expected | observed | leaked')
    bad = 0
    for row in rows:
        result = run_scenario(heat, row, plat)
        print(format_row(result), flush=True)
        bad += not result['ok']
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
