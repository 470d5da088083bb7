"""CPU seconds and memory of the sandbox's Heat side, read from /proc.

What a cluster costs the cloud's control plane is counted in three
process families: heat-engine (a parent and ``num_engine_workers``
children), heat-api and MariaDB. The sandbox records only each part's
first pid, so the rest of a family is found by parent pid. Pure parsing
functions are separate from the /proc reads so they can be tested on
fixed text.

Reading /proc costs this process CPU, never the measured ones: a meter
takes one snapshot at the start, one wherever a clock stops, and samples
only heat-engine's RSS in between (4 times a second).
"""

import os
import threading
import time

CLK_TCK = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100

#: the process families counted, by their sandbox part name
FAMILIES = ('heat-engine', 'heat-api', 'mariadb')


def parse_stat(text):
    """``(ppid, utime + stime in clock ticks)`` from /proc/PID/stat.

    The command name (field 2) may hold spaces and parentheses, so split
    after the last ')'.
    """
    rest = text[text.rindex(')') + 2:].split()
    # rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15
    return int(rest[1]), int(rest[11]) + int(rest[12])


def parse_status_kib(text, key):
    """A ``Key:   N kB`` value of /proc/PID/status in KiB (0 if absent)."""
    for line in text.splitlines():
        if line.startswith(key + ':'):
            return int(line.split()[1])
    return 0


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def family(root_pid):
    """``root_pid`` and its live descendants."""
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        text = _read('/proc/%s/stat' % entry)
        if text:
            ppid, _ = parse_stat(text)
            children.setdefault(ppid, []).append(int(entry))
    result, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        result.append(pid)
        todo.extend(children.get(pid, ()))
    return result


def cpu_by_pid(pids):
    """``{pid: CPU seconds}`` of the live ones among ``pids``."""
    found = {}
    for pid in pids:
        text = _read('/proc/%d/stat' % pid)
        if text:
            found[pid] = parse_stat(text)[1] / float(CLK_TCK)
    return found


def cpu_seconds(pids):
    return sum(cpu_by_pid(pids).values())


def rss_kib(pids, key='VmRSS'):
    total = 0
    for pid in pids:
        text = _read('/proc/%d/status' % pid)
        if text:
            total += parse_status_kib(text, key)
    return total


def snapshot(roots):
    """``{family: {pid: CPU seconds}}`` for ``{family: root pid}``."""
    return {name: cpu_by_pid(family(pid)) for name, pid in roots.items()}


def delta(before, after):
    """CPU seconds per family between two snapshots, and per process.

    A process that started in between counts from zero; one that ended in
    between is lost (its last seconds are not in ``after``): heat's
    processes live as long as the sandbox run.
    """
    out = {}
    for name, pids in after.items():
        old = before.get(name, {})
        per_pid = {pid: cpu - old.get(pid, 0.0) for pid, cpu in pids.items()}
        out[name] = {'cpu_s': sum(per_pid.values()), 'per_pid': per_pid}
    return out


def busiest_share(per_pid):
    """Largest share of one process in a family's CPU (1.0: one process
    did everything; 1/n: n processes shared it evenly)."""
    total = sum(v for v in per_pid.values() if v > 0)
    if total <= 0:
        return None
    return max(per_pid.values()) / total


class Meter(object):
    """CPU seconds of every family between :meth:`start` and each
    :meth:`mark`, and heat-engine's peak RSS over the whole window."""

    def __init__(self, roots, interval=0.25):
        self.roots = dict(roots)
        self.interval = interval
        self.peak_kib = 0
        self.marks = {}
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._start = snapshot(self.roots)
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        engine = self.roots.get('heat-engine')
        while engine and not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, rss_kib(family(engine)))
            self._stop.wait(self.interval)

    def mark(self, name):
        """CPU per family from the start to now, kept as ``marks[name]``
        (e.g. 'infra' when the nodes are built, 'done' at the end)."""
        self.marks[name] = delta(self._start, snapshot(self.roots))
        return self.marks[name]

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self


def cpu_of(mark):
    """``{family: CPU seconds}`` of a :meth:`Meter.mark` result."""
    return {name: round(v['cpu_s'], 3) for name, v in mark.items()}


def part_pids(run_dir, names=FAMILIES):
    """``{part: pid}`` of the sandbox parts from its run records."""
    import json
    found = {}
    for name in names:
        try:
            with open(os.path.join(run_dir, name + '.json')) as f:
                found[name] = json.load(f)['pid']
        except (OSError, ValueError, KeyError):
            pass
    return found


def parse_proc_stat_busy(text):
    """Busy and total clock ticks of all CPUs from /proc/stat's first
    line (busy = everything but idle and iowait)."""
    fields = [int(x) for x in text.splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def machine_busy_seconds():
    """CPU seconds all CPUs of the machine spent busy since boot."""
    busy, _total = parse_proc_stat_busy(_read('/proc/stat'))
    return busy / float(CLK_TCK)


def now():
    return time.monotonic()
