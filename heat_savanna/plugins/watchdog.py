"""The auto-heal watchdog: the program a watcher node runs.

Standard library only, Python 3.8+, no other import of heat_savanna: its
very source is installed on the node (see :mod:`heat_savanna.plugins.watch`)
and run there as::

    python3 /var/lib/heat-savanna/watchdog.py /etc/heat-savanna/watchdog.json

The configuration (JSON)::

    {"cluster": "c1", "node": "master-0", "url": "<pre-signed URL>",
     "interval": 10, "grace": 30, "cooldown": 120,
     "fetches": [{"command": "<shell line printing a document>",
                  "timeout": 15,
                  "module": "<source of the judge's module, or null>",
                  "judge": "<function name, or null>",
                  "checks": [{"node": "worker-1", "args": ["10.0.0.5"]}]}]}

Every ``interval`` seconds it looks once (:meth:`Watchdog.look`): each
fetch runs once (``bash -c``, bounded by its timeout) and each of its
checks says whether its node is alive: ``judge(document, *args)`` is
truthy (without a judge: the fetch exited 0). A fetch that fails or times
out says its nodes are not alive; a fetch the shell cannot run at all
(126, 127) or a judge module that does not load says nothing (the
watchdog is broken, not the nodes). A node is alive when none of its
checks says otherwise. A node not alive for ``grace`` seconds is
reported: a POST of ``{"action": "auto-heal", "lost": [...], "since":
{...}, "reporter": ...}`` to ``url``. Once the engine accepts (2xx), no
report goes out for ``cooldown`` seconds; a refusal (the engine is busy,
or in its own cool-down) or an unreachable engine is retried at the next
look.

The URL carries a signature: it never appears in the log (stdout), nor
in any message.
"""

import json
import os
import signal
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request

#: exit statuses of a shell that could not run the fetch at all
CANNOT_RUN = (126, 127)
#: bound of one POST to the engine, in seconds
POST_TIMEOUT = 10
#: what a log line shows instead of the signed URL
URL_MASK = '<signal URL>'


def utc(stamp):
    """``2026-12-07T19:40:00Z`` of a ``time.time()`` value."""
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(stamp))


class Unknown(Exception):
    """A check that says nothing of its node (the watchdog's fault)."""


class Watchdog(object):
    """One watcher's state: when each node was first seen lost, and until
    when reports are held off.

    :param config: the configuration (see the module doc), as a dict.
    :param clock: ``time.time``-like; every grace period, cool-down and
        timestamp is read from it (tests pass a fake one).
    :param out: where log lines go (a text stream).
    """

    def __init__(self, config, clock=time.time, out=None):
        self.cluster = config['cluster']
        self.node = config['node']
        self.url = config['url']
        self.interval = float(config.get('interval', 10))
        self.grace = float(config.get('grace', 30))
        self.cooldown = float(config.get('cooldown', 120))
        self.fetches = list(config['fetches'])
        self.clock = clock
        self.out = out if out is not None else sys.stdout
        self.lost_since = {}      # node -> clock() when first seen lost
        self.reported = set()     # nodes of an accepted report, till back
        self.hold_until = None    # no report before this clock() value
        self.stopping = False     # set by stop() (SIGTERM)
        self._modules = {}        # module source -> module (or Unknown)
        self._fetch = None        # the fetch process running, if any

    # -- the log --------------------------------------------------------
    def redact(self, text):
        """``text`` without the signed URL (nor its query string)."""
        text = str(text)
        for secret in (self.url, self.url.partition('?')[2]):
            if secret:
                text = text.replace(secret, URL_MASK)
        return text

    def log(self, message):
        line = '%s %s\n' % (utc(self.clock()), self.redact(message))
        try:
            self.out.write(line)
            self.out.flush()
        except (OSError, ValueError):
            pass

    # -- one fetch ------------------------------------------------------
    def run_fetch(self, command, timeout):
        """``(exit status, stdout, what went wrong)`` of ``bash -c
        command``; a fetch past ``timeout`` is killed with its children
        (exit status None)."""
        try:
            proc = subprocess.Popen(
                ['bash', '-c', command], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True)
        except OSError as exc:
            return 127, '', 'cannot start bash: %s' % exc
        self._fetch = proc
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill(proc)
            proc.communicate()
            return None, '', 'timed out after %g s' % timeout
        finally:
            self._fetch = None
        err = err.decode('utf-8', 'replace').strip()
        return (proc.returncode, out.decode('utf-8', 'replace'),
                'exited %d%s' % (proc.returncode,
                                 ': ' + err[-200:] if err else ''))

    @staticmethod
    def _kill(proc):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass

    def judge_of(self, fetch):
        """The judge function of ``fetch`` (None: the exit status says);
        raises :class:`Unknown` when its module does not load."""
        name, source = fetch.get('judge'), fetch.get('module')
        if not name:
            return None
        if source not in self._modules:
            module = types.ModuleType('savanna_judge_%d' % len(self._modules))
            try:
                exec(compile(source or '', '<judge module of %s>' % name,
                             'exec'), module.__dict__)
                self._modules[source] = module
            except Exception as exc:
                self._modules[source] = Unknown(
                    'the module of judge %s does not load: %s: %s'
                    % (name, type(exc).__name__, exc))
        module = self._modules[source]
        if isinstance(module, Unknown):
            raise module
        judge = getattr(module, name, None)
        if not callable(judge):
            raise Unknown('the judge module has no function %s' % name)
        return judge

    def verdicts(self, fetch):
        """``[(node, alive, why)]`` of one fetch's checks; empty when the
        fetch says nothing (it cannot run, its judge does not load)."""
        checks = fetch.get('checks') or ()
        try:
            judge = self.judge_of(fetch)
        except Unknown as exc:
            self.log('%s; skipping its checks of %s' % (
                exc, ', '.join(sorted({c['node'] for c in checks}))))
            return []
        code, document, what = self.run_fetch(
            fetch['command'], float(fetch.get('timeout') or 30))
        if code in CANNOT_RUN:
            self.log('a fetch cannot run (%s): the watchdog is broken, not '
                     'the nodes; skipping its checks of %s' % (
                         what, ', '.join(sorted({c['node'] for c in checks}))))
            return []
        if code != 0:
            return [(c['node'], False, 'the fetch ' + what) for c in checks]
        out = []
        for check in checks:
            args = [str(a) for a in check.get('args') or ()]
            if judge is None:
                out.append((check['node'], True, ''))
                continue
            try:
                alive = bool(judge(document, *args))
                why = '' if alive else '%s says not alive' % judge.__name__
            except Exception as exc:
                alive = False
                why = '%s raised %s: %s' % (judge.__name__,
                                            type(exc).__name__, exc)
            out.append((check['node'], alive, why))
        return out

    # -- one look -------------------------------------------------------
    def states(self):
        """``{node: (alive, why)}`` of this look; a node with no check that
        said anything is absent. A node is alive when no check of it
        says otherwise."""
        states = {}
        for fetch in self.fetches:
            if self.stopping:
                return None
            for node, alive, why in self.verdicts(fetch):
                if states.get(node, (True, ''))[0]:
                    states[node] = (alive, why)
        return None if self.stopping else states

    def look(self):
        """Look once: judge every node, keep when each was first seen
        lost, report those lost for the grace period. Returns the report
        posted (a dict, accepted or not) or None."""
        states = self.states()
        if states is None:       # stopping: what was cut short says nothing
            return None
        now = self.clock()
        for node, (alive, why) in sorted(states.items()):
            since = self.lost_since.get(node)
            if not alive and since is None:
                self.lost_since[node] = now
                self.log('%s not alive: %s' % (node, why))
            elif alive and since is not None:
                self._back(node, now - since)
        # a node nothing said anything of in this look is not reported
        lost = sorted(n for n, since in self.lost_since.items()
                      if now - since >= self.grace and
                      n in states and not states[n][0])
        if not lost:
            return None
        if self.hold_until is not None and now < self.hold_until:
            return None
        return self.report(lost, now)

    def _back(self, node, after):
        del self.lost_since[node]
        if node in self.reported:
            self.reported.discard(node)
            self.log('%s back after %d s (it was reported)' % (node, after))
        elif after < self.grace:
            self.log('%s back after %d s, within the grace period: not '
                     'reported' % (node, after))
        else:
            self.log('%s back after %d s (no report of it was accepted)'
                     % (node, after))

    def report(self, lost, now):
        """POST the report of ``lost``; an accepted one holds further
        reports off for the cool-down."""
        body = {'action': 'auto-heal', 'lost': list(lost),
                'since': {n: utc(self.lost_since[n]) for n in lost},
                'reporter': self.node}
        status, detail = self.post(body)
        if status is not None and 200 <= status < 300:
            self.hold_until = now + self.cooldown
            self.reported |= set(lost)
            self.log('reported %s lost (HTTP %d): no report for %d s'
                     % (', '.join(lost), status, self.cooldown))
        elif status is not None:
            self.log('the engine refused the report of %s (HTTP %d): %s; '
                     'retrying at the next look'
                     % (', '.join(lost), status, detail))
        else:
            self.log('could not report %s: %s; retrying at the next look'
                     % (', '.join(lost), detail))
        return body

    def post(self, body):
        """``(HTTP status, the error body's first 200 characters)`` of a
        POST of ``body``; ``(None, what went wrong)`` when there is no
        answer."""
        try:
            request = urllib.request.Request(
                self.url, data=json.dumps(body).encode(), method='POST',
                headers={'Content-Type': 'application/json'})
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as r:
                return r.status, ''
        except urllib.error.HTTPError as exc:
            try:
                text = exc.read(200).decode('utf-8', 'replace')
            except Exception:
                text = ''
            return exc.code, self.redact(text[:200].strip()) or exc.reason
        except Exception as exc:
            reason = getattr(exc, 'reason', None) or exc
            return None, self.redact('%s: %s' % (type(exc).__name__,
                                                 reason))

    # -- the daemon -----------------------------------------------------
    def stop(self, *_args):
        """Stop after the look under way (a fetch running is killed). A
        signal handler: it only sets a flag and kills, it takes no lock."""
        self.stopping = True
        proc = self._fetch
        if proc is not None:
            self._kill(proc)

    def run(self):
        """Look every interval until :meth:`stop` (SIGTERM)."""
        checks = sum(len(f.get('checks') or ()) for f in self.fetches)
        self.log('watchdog of cluster %s on %s: %d checks in %d fetches, '
                 'every %g s, grace %g s, cool-down %g s (pid %d)' % (
                     self.cluster, self.node, checks, len(self.fetches),
                     self.interval, self.grace, self.cooldown, os.getpid()))
        while not self.stopping:
            started = time.monotonic()
            try:
                self.look()
            except Exception as exc:
                self.log('a look failed: %s: %s' % (type(exc).__name__, exc))
            next_look = started + max(self.interval, 0.1)
            while not self.stopping and time.monotonic() < next_look:
                time.sleep(min(0.5, max(next_look - time.monotonic(), 0)))
        self.log('stopped')


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        sys.stderr.write('usage: watchdog.py CONFIG.json\n')
        return 2
    try:
        with open(argv[0]) as f:
            config = json.load(f)
        dog = Watchdog(config)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # never the exception's text: it may quote the config (the URL)
        what = 'no %s' % exc if isinstance(exc, KeyError) else \
            type(exc).__name__
        sys.stdout.write('%s cannot read the configuration %s: %s\n' % (
            utc(time.time()), argv[0], what))
        sys.stdout.flush()
        return 2
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, dog.stop)
    dog.run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
