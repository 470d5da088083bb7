"""Job executions on a cluster's master: detached processes, short looks.

One execution is one directory on the master,
``<work root>/<job id>/<execution id>`` (the work root is the plugin's)::

    run.sh       the wrapper: records, times out, writes the exit code
    job.sh       the plugin's command line
    <main>       the inline program (a downloaded one lands here too)
    pid          the wrapper's pid, which is also its session id (setsid)
    stdout.log   what the job printed: its result, the ``output``
    stderr.log   its diagnostics (Spark's log, a download's failure): the
                 ``error_output``; kept apart so a noisy shutdown can never
                 push the result out of the tail a look brings back
    started_at   UTC time the wrapper started
    finished_at  UTC time it ended
    exit_code    written last, atomically: the execution is over
    timed_out    present when the timeout stopped the job
    killed       present when the job was killed (delete, kill signal)

Nothing holds an SSH session while a job runs: launching is one short
command that returns once the wrapper wrote its pid; every later look is
one short command (:func:`probe_command`) over any number of executions;
killing signals the wrapper's whole session (the job, its children, the
``timeout`` process group), then kills what is left after a grace period
from a detached killer on the master itself. The master enforces the
timeout (coreutils ``timeout``), so an execution started by a signal is
bounded even when no engine looks at it.

The builders and parsers are pure; :func:`launch`, :func:`probe` and
:func:`kill` are the thin executors over a
:class:`heat_savanna.remote.NodeRemote`. The execution *records* (what the
Heat resource stores) are plain dicts built and advanced by the pure
functions at the bottom.
"""

import base64
import dataclasses
import io
import re
import shlex
import tarfile
import time
import typing

from heat_savanna.core import job as core_job
from heat_savanna.remote import redaction

STATUSES = (PENDING, RUNNING, SUCCEEDED, FAILED, KILLED) = (
    'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'KILLED')
TERMINAL = (SUCCEEDED, FAILED, KILLED)

#: seconds between the TERM and the KILL of a job being stopped
KILL_GRACE = 10
#: how much of each log (stdout.log, stderr.log) a look brings back
TAIL_LINES = 20
TAIL_BYTES = 4000
#: exit status of the wrapper when the main program cannot be downloaded
FETCH_FAILED = 97


def utc_now(clock=time.time):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(clock()))


def execution_dir(work_root, job_id, execution_id):
    for part in (job_id, execution_id):
        if not core_job.safe_name(part):
            raise ValueError('not a safe directory name: %r' % part)
    return '%s/%s/%s' % (work_root.rstrip('/'), job_id, execution_id)


# -- what runs on the master --------------------------------------------------
def wrapper_script(directory, timeout, fetch=None, label=''):
    """``run.sh`` of one execution.

    :param timeout: seconds the job may run (then TERM, KILL 10 s later).
    :param fetch: ``(url, file name)`` of a main program to download
        first, or None.
    """
    q = shlex.quote
    timeout = int(timeout)
    label = re.sub(r'[^A-Za-z0-9._: -]', '', label or '')
    lines = [
        '# heat-savanna job execution%s: written at launch, do not edit'
        % (' (%s)' % label if label else ''),
        'cd %s || exit 1' % q(directory),
        'echo $$ > pid.new && mv -f pid.new pid',
        'date -u +%Y-%m-%dT%H:%M:%SZ > started_at',
        'start=$(date +%s)',
        '(',
    ]
    if fetch:
        url, name = fetch
        py = ('import sys, urllib.request; '
              'urllib.request.urlretrieve(sys.argv[1], sys.argv[2])')
        lines += [
            '  echo heat-savanna: downloading %s >&2' % q(url),
            '  curl -fsSL --retry 2 -o %(n)s %(u)s || '
            'wget -q -O %(n)s %(u)s || python3 -c %(py)s %(u)s %(n)s || {'
            % {'n': q(name), 'u': q(url), 'py': q(py)},
            '    echo "heat-savanna: cannot download the main program" >&2',
            '    exit %d' % FETCH_FAILED,
            '  }',
        ]
    lines += [
        '  if command -v timeout >/dev/null 2>&1; then',
        '    exec timeout -k %d %d sh ./job.sh' % (KILL_GRACE, timeout),
        '  fi',
        '  exec sh ./job.sh',
        ') </dev/null >stdout.log 2>stderr.log',
        'rc=$?',
        'took=$(( $(date +%s) - start ))',
        # timeout(1) exits 124 when it stopped the job, 137 when the job
        # also needed the KILL
        'if [ $rc -eq 124 ] || { [ $rc -eq 137 ] && [ $took -ge %d ]; }; '
        'then : > timed_out; fi' % timeout,
        'date -u +%Y-%m-%dT%H:%M:%SZ > finished_at',
        'echo $rc > exit_code.new && mv -f exit_code.new exit_code',
    ]
    return '\n'.join(lines) + '\n'


def launch_command(directory, owner=None):
    """Unpack the execution's files (a tar on stdin) into ``directory``
    and start the wrapper detached, in its own session; idempotent: an
    execution that already started (or was killed) is left alone."""
    q = shlex.quote
    d = q(directory)
    lines = [
        'd=%s' % d,
        'if [ -e "$d/pid" ] || [ -e "$d/exit_code" ] || '
        '[ -e "$d/killed" ]; then',
        '  echo "heat-savanna: execution already started"; exit 0',
        'fi',
        'umask 022',
        'mkdir -p "$d" && chmod 700 "$d" && cd "$d" && tar -xf - || exit 1',
    ]
    if owner:
        lines.append('chown %s "$d" || exit 1' % q(owner))
    lines += [
        'setsid sh "$d/run.sh" </dev/null >/dev/null 2>&1 &',
        'i=0',
        'while [ ! -s "$d/pid" ] && [ $i -lt 100 ]; do '
        'sleep 0.1; i=$((i + 1)); done',
        'if [ ! -s "$d/pid" ]; then',
        '  echo "heat-savanna: the job wrapper did not start" >&2; exit 1',
        'fi',
        'echo "heat-savanna: started, pid $(cat "$d/pid")"',
    ]
    return '\n'.join(lines) + '\n'


_READ_PID = ('pid=$(cat "$d/pid" 2>/dev/null); '
             'case "$pid" in ""|*[!0-9]*) pid= ;; esac')


def probe_command(directories):
    """One command reporting on every directory of ``directories``."""
    q = shlex.quote
    return '\n'.join([
        'for d in %s; do' % ' '.join(q(d) for d in directories),
        '  echo "@@ $d"',
        '  [ -d "$d" ] || { echo "exists 0"; continue; }',
        '  echo "exists 1"',
        '  ' + _READ_PID,
        '  if [ -n "$pid" ]; then',
        '    echo "pid $pid"',
        '    if tr "\\000" " " < /proc/$pid/cmdline 2>/dev/null | '
        'grep -qF "$d/run.sh"; then echo "alive 1"; else echo "alive 0"; fi',
        # zombies are gone already, only their parent has not reaped them
        '    echo "procs $(ps -o stat= -s "$pid" 2>/dev/null | '
        'grep -cv "^Z")"',
        '  fi',
        '  for f in exit_code started_at finished_at; do',
        '    [ -e "$d/$f" ] && echo "$f $(head -c 64 "$d/$f")"',
        '  done',
        '  for f in timed_out killed; do [ -e "$d/$f" ] && echo "$f 1"; done',
        '  for f in stdout stderr; do',
        '    echo "$f $(tail -n %d "$d/$f.log" 2>/dev/null | '
        'tail -c %d | base64 | tr -d "\\n")"' % (TAIL_LINES, TAIL_BYTES),
        '  done',
        'done',
    ]) + '\n'


def kill_command(directories, grace=KILL_GRACE):
    """Stop the executions of ``directories``: mark them killed (a launch
    that comes later does nothing), TERM each wrapper's session, and leave
    a detached killer that KILLs what is left after ``grace`` seconds."""
    q = shlex.quote
    return '\n'.join([
        'for d in %s; do' % ' '.join(q(d) for d in directories),
        '  [ -e "$d/exit_code" ] && continue',
        '  mkdir -p "$d" && : > "$d/killed"',
        '  ' + _READ_PID,
        '  if [ -n "$pid" ]; then',
        '    pkill -TERM -s "$pid" 2>/dev/null',
        '    setsid sh -c \'sleep %d; pkill -KILL -s "$1"\' savanna-kill '
        '"$pid" </dev/null >/dev/null 2>&1 &' % int(grace),
        '  fi',
        '  [ -e "$d/finished_at" ] || '
        'date -u +%Y-%m-%dT%H:%M:%SZ > "$d/finished_at"',
        'done',
        'exit 0',
    ]) + '\n'


def force_kill_command(directories):
    """KILL every process left in the executions' sessions now."""
    q = shlex.quote
    return '\n'.join([
        'for d in %s; do' % ' '.join(q(d) for d in directories),
        '  ' + _READ_PID,
        '  [ -n "$pid" ] && pkill -KILL -s "$pid" 2>/dev/null',
        'done',
        'exit 0',
    ]) + '\n'


def remove_command(directory):
    return 'rm -rf -- %s' % shlex.quote(directory)


def files_tar(files):
    """A tar stream of ``{name: (content, mode)}`` (names relative)."""
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode='w') as tar:
        for name, (content, mode) in sorted(files.items()):
            data = content.encode() if isinstance(content, str) else content
            member = tarfile.TarInfo(name)
            member.size, member.mode = len(data), mode
            member.uname = member.gname = 'root'
            member.mtime = int(time.time())
            tar.addfile(member, io.BytesIO(data))
    return stream.getvalue()


# -- what a look says ---------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Probe:
    """What the master says about one execution directory."""
    exists: bool
    pid: typing.Optional[int] = None
    alive: bool = False
    procs: int = 0
    exit_code: typing.Optional[int] = None
    started_at: typing.Optional[str] = None
    finished_at: typing.Optional[str] = None
    timed_out: bool = False
    killed: bool = False
    output: str = ''
    errors: str = ''

    @property
    def running_processes(self):
        """Processes of the execution still on the master."""
        return self.procs if self.pid is not None else 0


def parse_probe(text):
    """``{directory: Probe}`` from :func:`probe_command`'s output."""
    found = {}
    current = None
    for line in (text or '').splitlines():
        key, _sep, value = line.partition(' ')
        if key == '@@':
            current = {'dir': value}
            found[value] = current
        elif current is not None and key:
            current[key] = value.strip()
    out = {}
    for d, f in found.items():
        def integer(name):
            try:
                return int(f[name])
            except (KeyError, ValueError):
                return None
        out[d] = Probe(exists=f.get('exists') == '1', pid=integer('pid'),
                       alive=f.get('alive') == '1',
                       procs=integer('procs') or 0,
                       exit_code=integer('exit_code'),
                       started_at=f.get('started_at') or None,
                       finished_at=f.get('finished_at') or None,
                       timed_out=f.get('timed_out') == '1',
                       killed=f.get('killed') == '1',
                       output=_decoded(f.get('stdout')),
                       errors=_decoded(f.get('stderr')))
    return out


def _decoded(text):
    try:
        return base64.b64decode(text or '').decode('utf-8', 'replace')
    except ValueError:
        return ''


def verdict(probe, timeout=None):
    """``(status, reason)`` of an execution from its :class:`Probe`, or
    ``(None, reason)`` when the master has no trace of it."""
    if probe is None or not probe.exists:
        return None, 'no execution directory on the master'
    code = probe.exit_code
    if code is not None:
        if code == 0:
            return SUCCEEDED, 'exit code 0'
        if probe.killed:
            return KILLED, 'killed (exit code %d)' % code
        if probe.timed_out:
            return FAILED, 'timed out after %ss (exit code %d)' % (
                timeout if timeout is not None else '?', code)
        if code == FETCH_FAILED:
            return FAILED, 'the main program could not be downloaded'
        return FAILED, 'exit code %d' % code
    if probe.alive:
        return RUNNING, 'running (pid %d)' % probe.pid
    if probe.killed:
        return KILLED, 'killed'
    if probe.pid is None:
        return PENDING, 'not started yet'
    return FAILED, ('the job wrapper ended without an exit code (was the '
                    'master restarted?)')


# -- executors ------------------------------------------------------------
def launch(node_remote, directory, files, owner=None, timeout=60):
    """Start an execution (see :func:`launch_command`)."""
    node_remote.run(launch_command(directory, owner), sudo=True,
                    input=files_tar(files), timeout=timeout)


def probe(node_remote, directories, timeout=30):
    """``{directory: Probe}`` for ``directories`` (one command)."""
    if not directories:
        return {}
    result = node_remote.run(probe_command(directories), sudo=True,
                             timeout=timeout)
    return parse_probe(result.stdout)


def kill(node_remote, directories, timeout=30):
    if directories:
        node_remote.run(kill_command(directories), sudo=True,
                        timeout=timeout)


def force_kill(node_remote, directories, timeout=30):
    if directories:
        node_remote.run(force_kill_command(directories), sudo=True,
                        timeout=timeout)


def remove(node_remote, directory, timeout=60):
    node_remote.run(remove_command(directory), sudo=True, timeout=timeout)


# -- execution records (what the resource stores) -----------------------------
def new_record(execution_id, trigger, args, configs, directory, timeout,
               now):
    return {'id': execution_id, 'trigger': trigger, 'status': PENDING,
            'reason': 'not started yet', 'exit_code': None,
            'args': [str(a) for a in args],
            'configs': {str(k): str(v) for k, v in configs.items()},
            'requested_at': now, 'started_at': None, 'finished_at': None,
            'directory': directory, 'log_path': directory + '/stdout.log',
            'timeout': int(timeout), 'output': '', 'error_output': ''}


def is_terminal(record):
    return record.get('status') in TERMINAL


def advance(record, look, secrets=()):
    """The record after a look (:class:`Probe`) at its execution; a
    finished record never changes, and nothing secret is kept: the output
    tail is redacted with ``secrets``."""
    if is_terminal(record) or look is None:
        return record
    status, reason = verdict(look, record.get('timeout'))
    if status is None:
        return record
    new = dict(record)
    new.update({'status': status, 'reason': reason,
                'exit_code': look.exit_code,
                'started_at': look.started_at or record.get('started_at'),
                'finished_at': (look.finished_at or
                                record.get('finished_at'))
                if status in TERMINAL else None,
                'output': redaction.redact(look.output, secrets),
                'error_output': redaction.redact(look.errors, secrets)})
    return new


def mark(record, status, reason, now=None):
    """The record ended by the engine itself (e.g. the master is gone)."""
    if is_terminal(record):
        return record
    new = dict(record, status=status, reason=reason)
    if status in TERMINAL and not new.get('finished_at'):
        new['finished_at'] = now
    return new


def summary(record):
    """One line about an execution, for status reasons and events."""
    if not record:
        return 'no execution yet'
    text = 'execution %s %s' % (record['id'], record['status'])
    if record.get('reason') and record['status'] != RUNNING:
        text += ': %s' % record['reason']
    return text
