"""CPU seconds and memory of heat-engine, read from /proc.

heat-engine runs as a parent and ``num_engine_workers`` children; the
sandbox records only the parent's pid, so the children are found by their
parent pid. Pure parsing functions are separate from the /proc reads so
they can be tested on fixed text.
"""

import os
import threading
import time

CLK_TCK = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100


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


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        text = _read('/proc/%d/stat' % pid)
        if text:
            total += parse_stat(text)[1]
    return total / float(CLK_TCK)


def rss_kib(pids, key='VmRSS'):
    total = 0
    for pid in pids:
        text = _read('/proc/%d/status' % pid)
        if text:
            total += parse_status_kib(text, key)
    return total


class EngineMeter(object):
    """CPU seconds used and peak RSS (sum over the engine's processes)
    between :meth:`start` and :meth:`stop`, sampled every ``interval``."""

    def __init__(self, root_pid, interval=0.25):
        self.root_pid = root_pid
        self.interval = interval
        self.peak_kib = 0
        self.cpu = None
        self._stop = threading.Event()
        self._thread = None

    def _pids(self):
        return family(self.root_pid)

    def start(self):
        self._cpu0 = cpu_seconds(self._pids())
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, rss_kib(self._pids()))
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()
        self.cpu = cpu_seconds(self._pids()) - self._cpu0
        return self


def engine_pid(run_dir):
    """The heat-engine parent pid from the sandbox's run record."""
    import json
    with open(os.path.join(run_dir, 'heat-engine.json')) as f:
        return json.load(f)['pid']


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
