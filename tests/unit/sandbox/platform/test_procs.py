"""procs: real processes started, probed and stopped by their records."""

import os
import signal
import socket
import sys
import time

import pytest

from savanna_sandbox import procs

SERVE = """
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)
open(sys.argv[1], 'w').write(str(s.getsockname()[1]))
print('listening', flush=True)
time.sleep(300)
"""


@pytest.fixture
def sup(tmp_path):
    s = procs.Supervisor(str(tmp_path / 'run'))
    yield s
    for name in s.names():
        s.stop(name, timeout=2)


def test_start_records_and_stop_kills_the_group(sup, tmp_path):
    child_pid = tmp_path / 'child'
    script = ('import subprocess, sys, time\n'
              'p = subprocess.Popen(["sleep", "300"])\n'
              'open(sys.argv[1], "w").write(str(p.pid))\n'
              'time.sleep(300)\n')
    log = str(tmp_path / 'logs' / 'p.log')
    rec = sup.start('p', [sys.executable, '-c', script, str(child_pid)], log)
    assert rec['pid'] > 0 and rec['proc_start']
    assert sup.record('p')['cmd'][0] == sys.executable
    deadline = time.monotonic() + 10
    while not child_pid.exists() or not child_pid.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(child_pid.read_text())
    assert sup.alive('p')
    assert sup.stop('p', timeout=5)
    assert not sup.alive('p')
    assert sup.record('p') is None
    deadline = time.monotonic() + 5
    while procs.proc_start_ticks(child) is not None:
        assert time.monotonic() < deadline, 'child of the group survived'
        time.sleep(0.05)


def test_term_ignored_then_killed(sup, tmp_path):
    script = ('import signal, time\n'
              'signal.signal(signal.SIGTERM, signal.SIG_IGN)\n'
              'print("up", flush=True)\n'
              'time.sleep(300)\n')
    log = str(tmp_path / 'stubborn.log')
    sup.start('stubborn', [sys.executable, '-c', script], log)
    sup.wait_ready('stubborn', lambda: 'up' in open(log).read(), 10)
    t0 = time.monotonic()
    assert sup.stop('stubborn', timeout=0.5)
    assert time.monotonic() - t0 < 5
    assert not sup.alive('stubborn')


def test_reused_pid_is_not_ours(sup, tmp_path):
    """A record whose pid now belongs to another process is never killed."""
    rec = sup.start('p', ['sleep', '300'], str(tmp_path / 'p.log'))
    path = os.path.join(sup.run_dir, 'p.json')
    import json
    data = json.load(open(path))
    data['proc_start'] = rec['proc_start'] - 1   # "another" process
    json.dump(data, open(path, 'w'))
    assert not sup.alive('p')
    assert not sup.stop('p')
    assert procs.proc_start_ticks(rec['pid']) == rec['proc_start']
    os.kill(rec['pid'], signal.SIGKILL)
    os.waitpid(rec['pid'], 0)


def test_tcp_probe_and_ready(sup, tmp_path):
    port_file = tmp_path / 'port'
    sup.start('srv', [sys.executable, '-c', SERVE, str(port_file)],
              str(tmp_path / 'srv.log'))
    sup.wait_ready('srv', lambda: port_file.exists() and
                   port_file.read_text() != '', 10)
    port = int(port_file.read_text())
    assert procs.tcp_open('127.0.0.1', port)
    sup.stop('srv')
    assert not procs.tcp_open('127.0.0.1', port)


def test_port_listening_reads_the_kernel_not_a_connect():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen(0)
        port = s.getsockname()[1]
        # Fill the backlog: a connect-based probe now times out.
        with socket.create_connection(('127.0.0.1', port), timeout=1):
            assert not procs.tcp_open('127.0.0.1', port, timeout=0.5)
            assert procs.port_listening(port)
    assert not procs.port_listening(port)
    assert procs.wait_port_released(port, timeout=1)


def test_wait_ready_fails_fast_when_the_process_dies(sup, tmp_path):
    log = str(tmp_path / 'dies.log')
    sup.start('dies', [sys.executable, '-c',
                       'import sys; print("boom: bad config"); sys.exit(3)'],
              log)
    t0 = time.monotonic()
    with pytest.raises(procs.SandboxError) as err:
        sup.wait_ready('dies', lambda: False, 60)
    assert time.monotonic() - t0 < 10
    report = err.value.report()
    assert 'dies' in report and log in report
    assert 'boom: bad config' in report


def test_wait_ready_timeout(sup, tmp_path):
    sup.start('slow', ['sleep', '30'], str(tmp_path / 'slow.log'))
    with pytest.raises(procs.SandboxError, match='not ready after'):
        sup.wait_ready('slow', lambda: False, 0.5)


def test_run_one_shot(tmp_path):
    log = str(tmp_path / 'x.log')
    procs.run('x', ['sh', '-c', 'echo fine'], log)
    assert 'fine' in open(log).read()
    with pytest.raises(procs.SandboxError) as err:
        procs.run('x', ['sh', '-c', 'echo oops >&2; exit 4'], log,
                  hint='do this')
    assert 'exited with 4' in str(err.value)
    assert 'oops' in err.value.report() and 'try: do this' in \
        err.value.report()


def test_http_status():
    assert procs.http_status('http://127.0.0.1:1/') is None
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    assert not procs.tcp_open('127.0.0.1', port)


def test_tail(tmp_path):
    path = tmp_path / 'log'
    path.write_text('\n'.join(str(i) for i in range(100)))
    assert procs.tail(str(path), 3) == ['97', '98', '99']
    assert procs.tail(str(tmp_path / 'none'), 3) == []


def test_this_run_is_every_line_since_the_last_start(tmp_path):
    log = tmp_path / 'cloudsim.log'
    assert procs.this_run(str(log)) == []
    old = ['\n===== 2026-12-07 23:12:58 starting cloudsim', 'cloudsim ready']
    # a run that logged far more than a tail holds after its "ready"
    new = ['===== 2026-12-07 23:13:00 starting cloudsim', 'cloudsim ready']
    new += ['Traceback line %d' % i for i in range(5000)]
    log.write_text('\n'.join(old + new) + '\n')
    lines = procs.this_run(str(log), block=1024)
    assert lines[:2] == new[:2] and len(lines) == len(new)
    # a log with no start line: all of it
    log.write_text('a\nb\n')
    assert procs.this_run(str(log)) == ['a', 'b']
