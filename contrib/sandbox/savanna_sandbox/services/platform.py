"""The whole sandbox: bring every part up, report, tear down.

``Platform.up()`` starts the parts in dependency order, independent ones in
parallel, prints one line per part with how long it took, and leaves
running parts alone (so a second ``up`` is quick). On failure it says which
part failed, where its log is, its last lines and what to try.
``down()`` stops what the records say was started, by pid, then removes the
state (logs are kept unless ``purge``).
"""

import os
import shutil
import signal
import sys
import threading
import time

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox.services import agent
from savanna_sandbox.services import cloudsim
from savanna_sandbox.services import heat
from savanna_sandbox.services import horizon
from savanna_sandbox.services import identity
from savanna_sandbox.services import keystone
from savanna_sandbox.services import mariadb
from savanna_sandbox.services import rabbitmq

PART_CLASSES = (mariadb.MariaDB, rabbitmq.Epmd, rabbitmq.RabbitMQ,
                keystone.Keystone, identity.Identity, heat.HeatDB,
                cloudsim.CloudSim, heat.HeatEngine, heat.HeatApi,
                heat.HeatApiCfn, horizon.Horizon, agent.AgentImage)

#: Parts whose absence only degrades the sandbox (a warning, not a failure).
OPTIONAL = ('cloudsim', 'horizon')
#: The daemons ``status`` needs running to call the sandbox up.
REQUIRED = ('mariadb', 'rabbitmq', 'keystone', 'heat-engine', 'heat-api',
            'heat-api-cfn')


class Platform(object):

    def __init__(self, root=None, out=None):
        self.layout = paths.Layout(root)
        self.out = out or sys.stdout
        self._secrets = None
        self._lock = threading.Lock()

    # -- shared context of the parts ----------------------------------------
    @property
    def secrets(self):
        if self._secrets is None:
            self._secrets = self.layout.secrets()
        return self._secrets

    @property
    def supervisor(self):
        return procs.Supervisor(self.layout.run)

    def parts(self):
        return [cls(self) for cls in PART_CLASSES]

    def part(self, name):
        for part in self.parts():
            if part.name == name:
                return part
        raise KeyError(name)

    def say(self, text):
        with self._lock:
            self.out.write(text + '\n')
            self.out.flush()

    # -- up -----------------------------------------------------------------
    def up(self):
        """Start everything that is not running. Returns 0 or 1."""
        start = time.monotonic()
        self.say('sandbox: state in %s' % self.layout.root)
        self.secrets  # noqa: B018 - create them before the threads race
        parts = self.parts()
        events = {p.name: threading.Event() for p in parts}
        outcome = {}
        errors = []

        def worker(part):
            try:
                for dep in part.deps:
                    events[dep].wait()
                    if outcome.get(dep) not in ('ok', 'skipped'):
                        outcome[part.name] = 'blocked'
                        return
                self._bring_up(part, outcome)
            except procs.SandboxError as exc:
                outcome[part.name] = 'failed'
                exc.hint = exc.hint or part.hint
                exc.log = exc.log or part.log
                errors.append(exc)
            except Exception as exc:  # a bug: still name the part
                outcome[part.name] = 'failed'
                errors.append(procs.SandboxError(
                    part.name, '%s: %s' % (type(exc).__name__, exc),
                    part.log))
            finally:
                events[part.name].set()

        threads = [threading.Thread(target=worker, args=(p,), daemon=True,
                                    name='up-' + p.name) for p in parts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - start
        if errors:
            for exc in errors:
                self.say(exc.report())
            blocked = [n for n, o in outcome.items() if o == 'blocked']
            if blocked:
                self.say('not started (waiting on a failed part): %s'
                         % ', '.join(blocked))
            self.say('sandbox up FAILED after %.1fs; running parts are '
                     'left as they are for inspection. `heat-savanna '
                     'sandbox status` shows them, `heat-savanna sandbox '
                     'down` stops them.' % took)
            return 1
        self.say('sandbox up in %.1fs. Use it with:\n'
                 '  eval "$(heat-savanna sandbox env)"\n'
                 '  openstack stack list' % took)
        return 0

    def _bring_up(self, part, outcome):
        t0 = time.monotonic()
        reason = part.available()
        if reason:
            if part.name in OPTIONAL:
                self.say('  %-12s SKIPPED: %s' % (part.name, reason))
                outcome[part.name] = 'skipped'
                return
            raise part.fail(reason, 'run tools/install-deps.sh')
        sup = self.supervisor
        if not part.daemon:
            if part.done():
                outcome[part.name] = 'ok'
                return
            self.say('  %-12s ...' % part.name)
            part.run_step()
            self.say('  %-12s done in %.1fs' % (part.name,
                                                time.monotonic() - t0))
            outcome[part.name] = 'ok'
            return
        if sup.alive(part.name):
            sup.wait_ready(part.name, part.ready, part.timeout)
            self.say('  %-12s already running (pid %s)'
                     % (part.name, sup.record(part.name)['pid']))
            outcome[part.name] = 'ok'
            return
        if part.port and sup.record(part.name):
            # Ours, but died (or was killed) a moment ago: the kernel may
            # still hold its port while it tears the process down.
            procs.wait_port_released(part.port)
        if part.port and procs.port_listening(part.port):
            if part.name == 'epmd':
                # Someone's epmd (e.g. a system RabbitMQ's): share it.
                self.say('  %-12s using the epmd already on port %d'
                         % (part.name, part.port))
                outcome[part.name] = 'skipped'
                return
            raise part.fail('port %d on %s is already in use by a process '
                            'the sandbox did not start'
                            % (part.port, paths.HOST),
                            'stop that process or the old sandbox '
                            '(`ss -ltnp | grep %d` shows it)' % part.port)
        self.say('  %-12s starting' % part.name)
        part.prepare()
        sup.start(part.name, part.argv(), part.log, env=part.env(),
                  cwd=self.layout.root, port=part.port)
        sup.wait_ready(part.name, part.ready, part.timeout)
        part.after_start()
        self.say('  %-12s ready in %.1fs' % (part.name,
                                             time.monotonic() - t0))
        outcome[part.name] = 'ok'

    # -- down ---------------------------------------------------------------
    def down(self, purge=False):
        """Stop every recorded process (reverse order), remove the state."""
        sup = self.supervisor
        order = [p.name for p in reversed(self.parts())]
        names = [n for n in order if n in sup.names()]
        names += [n for n in sup.names() if n not in names]
        for name in names:
            t0 = time.monotonic()
            if sup.stop(name):
                self.say('  %-12s stopped in %.1fs'
                         % (name, time.monotonic() - t0))
        leftovers = self._stop_leftover_hosts()
        if leftovers:
            self.say('  stopped %d leftover SSH host process(es)'
                     % leftovers)
        self._remove_state(purge)
        self.say('sandbox down%s' % (' (purged)' if purge else
                                     '; logs kept in %s' % os.path.join(
                                         self.layout.root, 'logs')))
        return 0

    def _stop_leftover_hosts(self):
        """Stop SSH hosts the simulator left behind (e.g. it was killed).

        A simulated server is an sshd in its own mount namespace with
        directories of our state dir bind-mounted; every process in such a
        namespace (sshd, and daemons started over SSH) is ours. Nothing
        else is signalled.
        """
        own = _mnt_ns('self')
        marker = os.path.join(self.layout.root, 'cloud') + '/'
        ours = set()
        pids = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            ns = _mnt_ns(entry)
            if ns is None or ns == own:
                continue
            pids.setdefault(ns, []).append(int(entry))
            if ns in ours:
                continue
            try:
                with open('/proc/%s/mountinfo' % entry) as f:
                    if marker in f.read():
                        ours.add(ns)
            except OSError:
                pass
        victims = [pid for ns in ours for pid in pids[ns]]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in victims:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline and any(
                    procs.proc_start_ticks(p) is not None for p in victims):
                time.sleep(0.1)
        return len(victims)

    def _remove_state(self, purge):
        root = self.layout.root
        if not os.path.isdir(root):
            return
        if purge:
            shutil.rmtree(root, ignore_errors=True)
            return
        for name in os.listdir(root):
            if name in ('logs', agent.DIR_NAME):
                continue
            path = os.path.join(root, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    # -- status -------------------------------------------------------------
    def status_rows(self):
        """[(part, state, pid, port, uptime, log)] for every part."""
        sup = self.supervisor if os.path.isdir(self.layout.root) else None
        rows = []
        now = time.time()
        for part in self.parts():
            if not part.daemon:
                state = 'done' if (sup and part.done()) else 'pending'
                rows.append((part.name, state, '-', '-', '-', part.log))
                continue
            rec = sup.record(part.name) if sup else None
            if rec and sup.alive(part.name):
                ready = part.ready()
                state = 'running' if ready else 'not ready'
                uptime = _duration(now - rec['started'])
                pid = str(rec['pid'])
            else:
                state = 'stopped' if not rec else 'dead'
                uptime = pid = '-'
            rows.append((part.name, state, pid,
                         str(part.port) if part.port else '-', uptime,
                         part.log))
        return rows

    def status(self):
        """Print the table; 0 if every daemon runs, 3 otherwise."""
        rows = self.status_rows()
        headers = ('PART', 'STATE', 'PID', 'PORT', 'UPTIME', 'LOG')
        widths = [max(len(h), *(len(r[i]) for r in rows))
                  for i, h in enumerate(headers)]
        fmt = '  '.join('%%-%ds' % w for w in widths)
        self.say((fmt % headers).rstrip())
        for row in rows:
            self.say((fmt % row).rstrip())
        self.say('state dir: %s' % self.layout.root)
        plugin = self.layout.path('heat', 'plugin-status')
        if os.path.exists(plugin):
            with open(plugin) as f:
                self.say('OS::Savanna::Cluster: %s' % f.read().strip())
        required = [r for r in rows if r[0] in REQUIRED]
        ok = all(r[1] == 'running' for r in required)
        return 0 if ok else 3

    # -- clients ------------------------------------------------------------
    def credentials(self, user='demo'):
        return identity.credentials(self.secrets, user)

    def session(self, user='demo'):
        return identity.session(self.secrets, user)

    def heat_client(self, user='demo'):
        from heatclient import client as heat_client
        return heat_client.Client('1', session=self.session(user),
                                  interface='public')

    def endpoints(self):
        result = {'identity': keystone.AUTH_URL}
        result.update(identity.catalog())
        return result


def _mnt_ns(pid):
    try:
        return os.readlink('/proc/%s/ns/mnt' % pid)
    except OSError:
        return None


def _duration(seconds):
    seconds = int(seconds)
    if seconds < 60:
        return '%ds' % seconds
    if seconds < 3600:
        return '%dm%02ds' % divmod(seconds, 60)
    hours, rest = divmod(seconds, 3600)
    return '%dh%02dm' % (hours, rest // 60)
