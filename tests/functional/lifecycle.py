"""One small Spark cluster taken through the operations guide's claims.

test_claims.py checks each claim on what a step observed; test_secrets.py
then scans everything the cluster left in Heat and its logs. Both share
this one cluster (a session fixture in conftest.py, run back to back): a
cluster of its own for every claim would cost minutes each.

The steps, each one Heat action on the real engine::

    create   master + 3 workers (min_active 0)
    refuse   an update changing node_processes, flavor and image of the
             worker group (and its count to 1: one history server at
             most): refused, nothing replaced
    grow     workers 3 -> 2 with removal_candidates [worker-0], a new
             group ``extra`` (1 worker node, min_active 0), and the
             project's ``default`` security group added to the workers'
    check    worker-1's server powered off, worker-2's SSH host key
             replaced; then ``stack check``
    heal     the ``extra`` group removed, nothing else changed: the two
             failed workers are rebuilt under new names, extra-0 (healthy)
             is decommissioned and deleted

``reach(step)`` runs the steps up to ``step`` that have not run yet, so a
test module run alone gets the state it needs. During ``grow`` and
``heal`` a :class:`DecommissionWatch` samples the Spark master's view of
its workers and the simulator's servers together, so the order of
"decommissioned" and "server gone" is observed, not assumed.
"""

import json
import os
import subprocess
import threading
import time
import urllib.request

from savanna_sandbox.cloud import compute
from savanna_sandbox import faults

NAME = 'ftc'                 # stack name == cluster name (server prefix)
RESOURCE = faults.RESOURCE   # 'cluster'
STEPS = ('create', 'refuse', 'grow', 'check', 'heal')
REFUSED = {'node_processes': ['worker', 'historyserver'],
           'flavor': 'm1.medium', 'image': 'cirros'}


def template(workers, extra=None, removal_candidates=(), worker=None):
    """The cluster: master + ``workers`` (min_active 0), optionally the
    ``extra`` group of ``extra`` worker nodes; ``worker`` overrides keys
    of the worker group."""
    tmpl = faults.cluster_template(NAME, workers, min_active=0)
    props = tmpl['resources'][RESOURCE]['properties']
    props['node_groups'][1].update(worker or {})
    if extra is not None:
        props['node_groups'].append({'name': 'extra', 'count': extra,
                                     'min_active': '0',
                                     'node_processes': ['worker']})
    if removal_candidates:
        props['removal_candidates'] = list(removal_candidates)
    return tmpl


def master_workers(address):
    """``{worker host: [states]}`` from the Spark master's /json/ (a
    host re-registered after a restart has one entry per registration)."""
    url = 'http://%s:8080/json/' % address
    with urllib.request.urlopen(url, timeout=5) as resp:
        status = json.load(resp)
    states = {}
    for worker in status['workers']:
        states.setdefault(worker['host'], []).append(worker['state'])
    return states


class DecommissionWatch(threading.Thread):
    """Samples, every ``interval`` s: the master's worker states and the
    live servers of the cluster called ``prefix`` (``{node: address}``)."""

    def __init__(self, master_address, prefix=NAME, interval=0.25):
        super(DecommissionWatch, self).__init__(daemon=True)
        self.master_address = master_address
        self.prefix = prefix
        self.interval = interval
        self.samples = []        # (monotonic time, states or None, servers)
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                states = master_workers(self.master_address)
            except Exception:        # the master answers between polls
                states = None
            servers = {n: (s['addresses'] or [None])[0]
                       for n, s in faults.servers(self.prefix).items()
                       if s['status'] not in ('DELETED', 'SOFT_DELETED')}
            self.samples.append((time.monotonic(), states, servers))
            self._stop_event.wait(self.interval)

    def stop(self):
        self._stop_event.set()
        self.join(30)

    def order(self, node, address):
        """(first time the master said DECOMMISSIONED for ``address``,
        first time ``node``'s server was gone); None when never seen."""
        decommissioned = gone = None
        for t, states, servers in self.samples:
            if decommissioned is None and states and \
                    'DECOMMISSIONED' in states.get(address, ()):
                decommissioned = t
            if gone is None and node not in servers:
                gone = t
        return decommissioned, gone


class Lifecycle(object):

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.heat = sandbox.heat
        self.run = faults.Run(self.heat, NAME, sandbox.platform)
        self.done = []
        self.failed = {}
        self.seen = {}
        self.inventory_before = None
        self.deleted = False

    # -- driving ----------------------------------------------------------
    def reach(self, step):
        """Run every step up to ``step`` not run yet; return what
        ``step`` observed."""
        for name in STEPS[:STEPS.index(step) + 1]:
            if name in self.done:
                continue
            if self.failed:
                raise AssertionError('step %s not run: step %s failed: %s'
                                     % (name, *next(iter(
                                         self.failed.items()))))
            try:
                self.seen[name] = getattr(self, '_' + name)()
            except BaseException as exc:
                self.failed[name] = '%s: %s' % (type(exc).__name__, exc)
                raise
            self.done.append(name)
        return self.seen[step]

    def delete(self):
        """Delete the stack; what the simulator still holds that it did
        not hold before the create (must be nothing)."""
        if self.deleted or self.run.stack_id is None:
            return []
        faults.admin('POST', '/reset')
        self.deleted = True
        status = self.run.delete()
        assert status == 'DELETE_COMPLETE', status
        time.sleep(1)
        return sorted('%s:%s' % (kind, name or ident)
                      for (kind, ident), name in
                      faults.inventory_ids().items()
                      if (kind, ident) not in self.inventory_before)

    # -- reading ----------------------------------------------------------
    def events(self, since=None, resource=RESOURCE):
        """The cluster resource's events, oldest first, as
        ``(time, action, status, reason)``; ``since``: an event id, only
        the events after it."""
        found = self.heat.events.list(self.run.stack_id,
                                      resource_name=resource,
                                      sort_dir='asc')
        out = [(e.event_time, e.resource_status, e.resource_status_reason,
                e.id) for e in found]
        if since is not None:
            ids = [e[3] for e in out]
            out = out[ids.index(since) + 1:] if since in ids else out
        return out

    def last_event_id(self):
        events = self.events()
        return events[-1][3] if events else None

    def server_ids(self):
        return {n: s['id'] for n, s in self.run.servers().items()}

    def nodes(self):
        res = self.heat.resources.get(self.run.stack_id, RESOURCE,
                                      with_attr=['nodes'])
        return {n['name']: n for n in res.attributes['nodes']}

    def master_address(self):
        return self.run.outputs()['master_address']

    def _observe(self, stack, mark):
        res = self.run.resource()
        return {'stack_status': stack.stack_status,
                'stack_reason': stack.stack_status_reason,
                'status_reason': res.resource_status_reason or '',
                'nested': res.physical_resource_id,
                'metadata': self.run.metadata(),
                'servers': self.server_ids(),
                'events': self.events(since=mark)}

    def _watched_update(self, tmpl):
        mark = self.last_event_id()
        master = self.master_address()
        before = self.nodes()
        watch = DecommissionWatch(master)
        watch.start()
        try:
            stack = self.run.update(tmpl, existing=False)
        finally:
            watch.stop()
        seen = self._observe(stack, mark)
        seen.update(watch=watch, nodes_before=before, master=master,
                    nodes=self.nodes())
        return seen

    # -- the steps ----------------------------------------------------------
    def _create(self):
        self.inventory_before = faults.inventory_ids()
        faults.admin('POST', '/reset')
        stack = self.run.create(template(3))
        seen = self._observe(stack, None)
        seen['nodes'] = self.nodes()
        return seen

    def _refuse(self):
        mark = self.last_event_id()
        before = self.server_ids()
        nested = self.run.resource().physical_resource_id
        # count 1: the plugin allows one history server only, and the
        # template must pass Heat's validation for the update to start
        stack = self.run.update(template(1, worker=REFUSED), existing=False)
        seen = self._observe(stack, mark)
        seen.update(servers_before=before, nested_before=nested)
        return seen

    def _grow(self):
        seen = self._watched_update(template(
            2, extra=1, removal_candidates=['worker-0'],
            worker={'security_groups': ['default']}))
        seen['port_groups'] = self.port_groups()
        return seen

    def port_groups(self):
        """``{node: set of security group names}`` of the cluster's
        ports, as Neutron has them."""
        from neutronclient.v2_0 import client as neutron_client
        neutron = neutron_client.Client(
            session=self.sandbox.demo_session())
        names = {g['id']: g['name'] for g in
                 neutron.list_security_groups()['security_groups']}
        prefix = NAME + '-'
        return {p['name'][len(prefix):-len('-port')]:
                {names.get(g, g) for g in p['security_groups']}
                for p in neutron.list_ports()['ports']
                if p['name'].startswith(prefix) and
                p['name'].endswith('-port')}

    def _check(self):
        mark = self.last_event_id()
        faults.admin('POST', '/servers/%s-worker-1/kill' % NAME,
                     {'status': 'SHUTOFF'})
        self.replace_host_key('worker-2')
        stack = self.run.check_stack()
        seen = self._observe(stack, mark)
        seen['nodes'] = self.nodes()
        return seen

    def _heal(self):
        return self._watched_update(template(
            2, worker={'security_groups': ['default']}))

    # -- faults ---------------------------------------------------------------
    def replace_host_key(self, node):
        """Give ``node``'s sshd a new host key, as a server rebuilt outside
        Heat (or another machine on its address) would have."""
        server = self.run.servers()[node]
        workdir = compute.host_workdir(
            os.path.join(self.sandbox.platform.layout.root, 'cloud'),
            server['id'])
        key = os.path.join(workdir, 'ssh_host_ed25519_key')
        assert os.path.exists(key), key
        with open(key + '.pub') as f:
            old = f.read().split()[1]
        faults.admin('POST', '/servers/%s/refuse' % server['id'], {})
        for path in (key, key + '.pub'):
            os.remove(path)
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
                        'rebuilt', '-f', key], check=True,
                       capture_output=True)
        faults.admin('POST', '/servers/%s/allow' % server['id'], {})
        with open(key + '.pub') as f:
            assert f.read().split()[1] != old
