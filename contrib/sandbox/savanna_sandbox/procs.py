"""Process supervision for the sandbox: start, record, probe, stop.

Every daemon is started in its own session (so its whole process group can
be signalled), with stdout and stderr going to its log file. A JSON record
in the run directory keeps its pid, process group, the kernel's start time
of that pid and the command, so a later ``down`` (another process, maybe
days later) stops exactly what was started and never a stranger that reused
the pid. Nothing is ever looked up or killed by name.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class SandboxError(Exception):
    """A part of the sandbox failed; says which, where its log is, what to do.
    """

    def __init__(self, part, message, log=None, hint=None):
        self.part = part
        self.message = message
        self.log = log
        self.hint = hint
        super().__init__('%s: %s' % (part, message))

    def report(self, lines=15):
        """A multi-line explanation for a human."""
        out = ['FAILED: %s: %s' % (self.part, self.message)]
        if self.log:
            out.append('log: %s' % self.log)
            last = tail(self.log, lines)
            if last:
                out.append('last lines of the log:')
                out.extend('  | ' + line for line in last)
        if self.hint:
            out.append('try: %s' % self.hint)
        return '\n'.join(out)


def tail(path, lines=20):
    """The last ``lines`` lines of a text file ([] if it does not exist)."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode('utf-8', 'replace')
    except OSError:
        return []
    return data.splitlines()[-lines:]


#: first characters of the line the supervisor writes at each start
START_MARK = '===== '


def this_run(path, block=64 * 1024):
    """The lines of the log ``path`` written since the supervisor's last
    start line ([] if there is no log). Read backwards a block at a time,
    so a daemon that has logged for hours is no slower to read, and none
    of its early lines (its "ready") is lost to a fixed tail."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            end = f.tell()
            start = end
            data = b''
            while start > 0:
                start = max(0, start - block)
                f.seek(start)
                data = f.read(end - start)
                if (b'\n' + START_MARK.encode()) in data or \
                        (start == 0 and data.startswith(START_MARK.encode())):
                    break
    except OSError:
        return []
    lines = data.decode('utf-8', 'replace').splitlines()
    starts = [i for i, line in enumerate(lines)
              if line.startswith(START_MARK)]
    return lines[starts[-1]:] if starts else lines


def proc_start_ticks(pid):
    """The kernel's start time of ``pid`` (clock ticks since boot) or None.

    Together with the pid it identifies one process for its whole life.
    """
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses.
    fields = stat[stat.rindex(')') + 2:].split()
    if fields[0] == 'Z':
        return None
    return int(fields[19])


def _reap(pid):
    """Collect our own child's exit status so it does not stay a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tcp_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_listening(port):
    """True if some socket on this host listens on TCP ``port``.

    Read from the kernel's tables rather than by connecting: a connect can
    fail against a listener whose backlog is full, and it disturbs the
    listener it probes.
    """
    want = ':%04X' % port
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[3] == '0A' and fields[1].endswith(want):
                        return True
        except (OSError, StopIteration):
            continue
    return False


def wait_port_released(port, timeout=15.0):
    """Wait until nothing listens on ``port``; True if it was released."""
    deadline = time.monotonic() + timeout
    while port_listening(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def http_status(url, timeout=3.0):
    """The HTTP status of GET ``url`` (None if nothing answered)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, ValueError):
        return None


class Supervisor(object):
    """Starts and stops the sandbox's daemons, with records in ``run_dir``.
    """

    def __init__(self, run_dir):
        self.run_dir = run_dir
        os.makedirs(run_dir, mode=0o700, exist_ok=True)

    def _record_path(self, name):
        return os.path.join(self.run_dir, name + '.json')

    def record(self, name):
        try:
            with open(self._record_path(name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def names(self):
        return sorted(n[:-5] for n in os.listdir(self.run_dir)
                      if n.endswith('.json'))

    def alive(self, name):
        """True if the recorded process is still the one we started."""
        rec = self.record(name)
        if not rec:
            return False
        _reap(rec['pid'])
        ticks = proc_start_ticks(rec['pid'])
        return ticks is not None and ticks == rec.get('proc_start')

    def start(self, name, argv, log, env=None, cwd=None, port=None):
        """Start ``argv`` in a new session, output appended to ``log``."""
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, 'ab') as out:
            out.write(('\n===== %s starting %s\n' % (
                time.strftime('%Y-%m-%d %H:%M:%S'), name)).encode())
            out.flush()
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=cwd,
                start_new_session=True, close_fds=True)
        rec = {'name': name, 'pid': proc.pid, 'pgid': proc.pid,
               'proc_start': proc_start_ticks(proc.pid),
               'started': time.time(), 'cmd': list(argv), 'log': log,
               'port': port}
        tmp = self._record_path(name) + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(rec, f)
        os.replace(tmp, self._record_path(name))
        return rec

    def stop(self, name, timeout=15.0):
        """Stop the recorded process group: TERM, wait, then KILL.

        Returns True if something was stopped. The record is removed.
        """
        rec = self.record(name)
        if not rec:
            return False
        stopped = False
        if self.alive(name):
            stopped = True
            self._signal(rec, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.alive(name):
                time.sleep(0.1)
            if self.alive(name):
                self._signal(rec, signal.SIGKILL)
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline and self.alive(name):
                    time.sleep(0.1)
        # Stragglers of the group (children that ignored TERM); wait until
        # they are gone so their ports are free when we return.
        ours = self._signal(rec, signal.SIGKILL, group_only=True)
        deadline = time.monotonic() + 5
        while ours and time.monotonic() < deadline and \
                self._group_alive(rec):
            time.sleep(0.05)
        if stopped and rec.get('port'):
            # The kernel may hold the listening socket a moment longer than
            # the process; whoever starts the part next expects it free.
            wait_port_released(rec['port'])
        try:
            os.unlink(self._record_path(name))
        except OSError:
            pass
        return stopped

    def _signal(self, rec, sig, group_only=False):
        if not group_only and self.alive(rec['name']):
            try:
                os.kill(rec['pid'], sig)
            except ProcessLookupError:
                pass
        # Only signal the group while its leader is ours or gone: a pgid is
        # not reused while any member of the group lives.
        if proc_start_ticks(rec['pid']) not in (None, rec['proc_start']):
            return False
        try:
            os.killpg(rec['pgid'], sig)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    @staticmethod
    def _group_alive(rec):
        """True while a live (non-zombie) process is in the group."""
        _reap(rec['pid'])
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            try:
                with open('/proc/%s/stat' % entry) as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(')') + 2:].split()
            if int(fields[2]) == rec['pgid'] and fields[0] != 'Z':
                return True
        return False

    def wait_ready(self, name, check, timeout, what='ready'):
        """Poll ``check()`` until true; fail fast if the process died."""
        rec = self.record(name) or {}
        deadline = time.monotonic() + timeout
        while True:
            if check():
                return
            if not self.alive(name):
                raise SandboxError(name, 'process exited before it was %s'
                                   % what, rec.get('log'))
            if time.monotonic() > deadline:
                raise SandboxError(name, 'not %s after %ds' % (what, timeout),
                                   rec.get('log'))
            time.sleep(0.2)


def run(part, argv, log, env=None, timeout=600, cwd=None, hint=None):
    """Run a one-shot command (db_sync, bootstrap...), output to ``log``.

    Raises SandboxError with the log's tail if it fails or times out.
    """
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, 'ab') as out:
        out.write(('\n===== %s running %s\n' % (
            time.strftime('%Y-%m-%d %H:%M:%S'), os.path.basename(argv[0]))
        ).encode())
        out.flush()
        try:
            result = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    env=env, cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SandboxError(part, '%s timed out after %ds'
                               % (os.path.basename(argv[0]), timeout),
                               log, hint)
        except OSError as exc:
            raise SandboxError(part, 'cannot run %s: %s' % (argv[0], exc),
                               log, hint)
    if result.returncode != 0:
        raise SandboxError(part, '%s exited with %d'
                           % (os.path.basename(argv[0]), result.returncode),
                           log, hint)
