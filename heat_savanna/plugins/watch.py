"""Installing the auto-heal watchdog on the nodes that watch.

A :class:`Watch` says "``node`` is alive while ``probe`` holds"; the
probe's ``at`` is the node that watches (it runs the probe's fetch, as
over SSH: e.g. the master, whose status page knows every worker). The
engine turns the cluster's watches into :func:`install_step`: on every
watcher node the program (:mod:`heat_savanna.plugins.watchdog`, its very
source) and that node's configuration, then one command restarting the
daemon, detached, so that neither an SSH channel nor Heat's script hook
waits for it. :func:`stop_step` undoes it.

The configuration holds the cluster's pre-signed signal URL: it is
written 0600, and no command line carries it.

Imports nothing of heat_savanna but :mod:`heat_savanna.plugins.base`.
"""

import dataclasses
import inspect
import json
import shlex

from heat_savanna.plugins import base
from heat_savanna.plugins import watchdog

PROGRAM = '/var/lib/heat-savanna/watchdog.py'
CONFIG = '/etc/heat-savanna/watchdog.json'
PID_FILE = '/var/lib/heat-savanna/watchdog.pid'
LOG_FILE = '/var/log/heat-savanna/watchdog.log'
PROGRAM_MODE = 0o755
CONFIG_MODE = 0o600     # it holds the signed URL

#: step names
INSTALL_STEP = 'start the auto-heal watchdog'
STOP_STEP = 'stop the auto-heal watchdog'
#: bound of one node's work (the restart waits a few seconds at most)
WORK_TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class Paths:
    """Where the watchdog lives on a node (tests put it elsewhere)."""
    program: str = PROGRAM
    config: str = CONFIG
    pid_file: str = PID_FILE
    log: str = LOG_FILE

    @property
    def directories(self):
        """The directories to make, in a stable order."""
        out = []
        for path in (self.program, self.config, self.pid_file, self.log):
            parent = path.rsplit('/', 1)[0] or '/'
            if parent not in out:
                out.append(parent)
        return out


PATHS = Paths()


@dataclasses.dataclass(frozen=True)
class Watch:
    """``node`` is alive while ``probe`` holds; ``probe.at`` watches.

    Refused (ValueError naming the node): a probe without ``at``, with a
    :data:`~heat_savanna.plugins.base.MARK` argument (a mark belongs to
    one step's run, a watchdog has none), or whose judge is not a
    function of its module (its module's source is what the node runs).
    """
    node: base.NodeInfo
    probe: base.Probe

    def __post_init__(self):
        if self.probe.at is None:
            raise ValueError('the watch of %s has no watcher: its probe has '
                             'no "at" node' % self.node.name)
        if any(a is base.MARK for a in self.probe.args):
            raise ValueError('the watch of %s has a MARK argument, which a '
                             'watchdog cannot give' % self.node.name)
        judge = self.probe.judge
        if judge is not None:
            module = inspect.getmodule(judge)
            if module is None or \
                    getattr(module, judge.__name__, None) is not judge:
                raise ValueError('the watch of %s judges with %r, not a '
                                 'function of its module' % (
                                     self.node.name, judge))

    @property
    def watcher(self):
        return self.probe.at


def program_source():
    """The watchdog program's source, as installed on the nodes."""
    return inspect.getsource(watchdog)


def _judge_key(judge):
    if judge is None:
        return (None, None)
    return (inspect.getmodule(judge).__name__, judge.__name__)


def _module_source(judge):
    return inspect.getsource(inspect.getmodule(judge)) if judge else None


def fetches(watches):
    """The config's ``fetches`` of ``watches`` (one watcher's): one entry
    per fetch command and judge, however many nodes it judges, in the
    order they first appear."""
    entries = {}
    for w in watches:
        p = w.probe
        key = (p.fetch, _judge_key(p.judge))
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = {
                'command': p.fetch, 'timeout': p.fetch_timeout,
                'module': _module_source(p.judge),
                'judge': p.judge.__name__ if p.judge else None,
                'checks': []}
        entry['timeout'] = max(entry['timeout'], p.fetch_timeout)
        check = {'node': w.node.name, 'args': list(p.arguments())}
        if check not in entry['checks']:
            entry['checks'].append(check)
    return list(entries.values())


def config(cluster_name, watcher, watches, url, interval, grace, cooldown):
    """The configuration (a dict) of ``watcher``'s watchdog: the checks
    of ``watches`` it fetches itself."""
    own = [w for w in watches if w.watcher.name == watcher.name]
    return {'cluster': cluster_name, 'node': watcher.name, 'url': url,
            'interval': interval, 'grace': grace, 'cooldown': cooldown,
            'fetches': fetches(own)}


def watchers(watches):
    """The distinct watcher nodes of ``watches`` (by name), in order."""
    out = {}
    for w in watches:
        out.setdefault(w.watcher.name, w.watcher)
    return list(out.values())


# -- shell -------------------------------------------------------------------
# POSIX sh: the SSH transport runs a command with ``sh -c`` under sudo, the
# agent transport with ``timeout N sh -c``.
def _running_test(paths):
    """A shell test: process ``$pid`` is the watchdog (its command line
    names the program; a zombie's is empty)."""
    return ('{ [ -n "$pid" ] && tr "\\000" " " </proc/"$pid"/cmdline '
            '2>/dev/null | grep -qF -- %s; }' % shlex.quote(paths.program))


def stop_command(paths=PATHS, remove_config=False):
    """Stop the running watchdog, if any: the pid of the pid file, killed
    only if it is the watchdog (TERM, then KILL after 5 s)."""
    q = shlex.quote
    running = _running_test(paths)
    lines = [
        'pid=$(cat %s 2>/dev/null | tr -cd 0-9)' % q(paths.pid_file),
        'if %s; then' % running,
        '  kill "$pid" 2>/dev/null',
        '  n=0',
        '  while %s && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done'
        % running,
        '  if %s; then kill -9 "$pid" 2>/dev/null; fi' % running,
        'fi',
        'rm -f %s' % q(paths.pid_file),
    ]
    if remove_config:
        lines.append('rm -f %s' % q(paths.config))
    return '\n'.join(lines)


def start_command(paths=PATHS):
    """Start the watchdog detached (own session, no terminal, stdin from
    /dev/null, output to its log), keep its pid, and fail if it is not
    running a moment later."""
    q = shlex.quote
    return '\n'.join([
        'setsid nohup python3 %s %s >>%s 2>&1 </dev/null &' % (
            q(paths.program), q(paths.config), q(paths.log)),
        'pid=$!',
        'echo "$pid" > %s' % q(paths.pid_file),
        'sleep 1',
        'if ! %s; then' % _running_test(paths),
        '  echo "the auto-heal watchdog exited at once; the end of %s:" >&2'
        % paths.log,
        '  tail -n 5 %s >&2' % q(paths.log),
        '  exit 1',
        'fi',
    ])


def restart_command(paths=PATHS):
    """Stop the running watchdog (if any), then start it again."""
    return stop_command(paths) + '\n' + start_command(paths)


def setup_script(paths=PATHS):
    return 'mkdir -p %s' % ' '.join(shlex.quote(d) for d in paths.directories)


# -- steps -------------------------------------------------------------------
def install_work(cluster_name, watcher, watches, url, interval, grace,
                 cooldown, paths=PATHS):
    """The :class:`~heat_savanna.plugins.base.NodeWork` of one watcher."""
    text = json.dumps(config(cluster_name, watcher, watches, url, interval,
                             grace, cooldown), indent=1, sort_keys=True)
    return base.NodeWork(
        setup=setup_script(paths),
        files=((paths.program, program_source(), PROGRAM_MODE),
               (paths.config, text + '\n', CONFIG_MODE)),
        commands=(restart_command(paths),), timeout=WORK_TIMEOUT)


def stop_work(paths=PATHS):
    """The :class:`~heat_savanna.plugins.base.NodeWork` stopping the
    watchdog and removing its configuration."""
    return base.NodeWork(
        commands=(stop_command(paths, remove_config=True),),
        timeout=WORK_TIMEOUT)


def install_step(cluster_name, watches, url, interval, grace, cooldown,
                 stop_on=(), paths=PATHS):
    """A fan-out step (re)starting the watchdog on every watcher of
    ``watches`` with its own configuration, and stopping it on the nodes
    of ``stop_on`` that no longer watch."""
    watches = tuple(watches)
    found = watchers(watches)
    names = {n.name for n in found}
    stopped = {}
    for n in stop_on:
        if n.name not in names:
            stopped.setdefault(n.name, n)

    def work(node):
        if node.name in names:
            return install_work(cluster_name, node, watches, url, interval,
                                grace, cooldown, paths)
        return stop_work(paths)
    return base.Step(INSTALL_STEP, nodes=tuple(found) + tuple(
        stopped.values()), work=work)


def stop_step(nodes, paths=PATHS):
    """A fan-out step stopping the watchdog on ``nodes`` (auto-heal
    disabled) and removing its configuration."""
    return base.Step(STOP_STEP, nodes=tuple(nodes),
                     work=lambda node: stop_work(paths))
