"""plugins/watch.py: what the engine installs for the auto-heal watchdog.

The configuration each watcher gets, the steps, and their commands run
for real: in a temp dir (the daemon starts detached, its pid is kept, it
stops), and over real SSH on sandbox hosts with the real paths.
"""

import dataclasses
import inspect
import json
import os
import shutil
import signal
import subprocess
import time

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins import watch
from heat_savanna.plugins import watchdog
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import status
from tests.unit.plugins import fakes

URL = 'http://127.0.0.1:9/v1/signal/arn?Signature=c2VjcmV0LXNpZ25hdHVyZQ'


def cluster(workers=3):
    nodes = [base.NodeInfo('master-0', 'master', ('master',), '172.24.4.10',
                           '10.0.0.10')]
    nodes += [base.NodeInfo('workers-%d' % i, 'workers', ('worker',),
                            '172.24.4.%d' % (20 + i), '10.0.0.%d' % (20 + i))
              for i in range(workers)]
    return base.ClusterInfo('c1', 'spark', '4.3.0', {}, tuple(nodes))


def spark_watches(info):
    """The master watches every worker; the first worker the master."""
    workers = info.nodes_with('worker')
    out = [watch.Watch(w, start.master_probe(info, status.worker_alive,
                                             (w.internal_ip,)))
           for w in workers]
    seen = start.master_probe(info, status.master_alive)
    out.append(watch.Watch(info.node_running('master'),
                           dataclasses.replace(seen, at=workers[0])))
    return out


def files_of(work):
    return {path: (content, mode) for path, content, mode in work.files}


def test_one_fetch_entry_judges_every_worker():
    info = cluster(3)
    master = info.node_running('master')
    got = watch.config('c1', master, spark_watches(info), URL, 10, 30, 120)
    assert {k: v for k, v in got.items() if k != 'fetches'} == {
        'cluster': 'c1', 'node': 'master-0', 'url': URL, 'interval': 10,
        'grace': 30, 'cooldown': 120}
    [fetch] = got['fetches']
    assert fetch['command'] == start.master_status_command(info)
    assert fetch['judge'] == 'worker_alive'
    assert fetch['module'] == inspect.getsource(status)
    assert fetch['timeout'] == 15
    assert fetch['checks'] == [
        {'node': 'workers-0', 'args': ['10.0.0.20']},
        {'node': 'workers-1', 'args': ['10.0.0.21']},
        {'node': 'workers-2', 'args': ['10.0.0.22']}]
    # the first worker fetches the same page, judged by another judge
    got = watch.config('c1', info.nodes[1], spark_watches(info), URL, 10,
                       30, 120)
    assert [(f['judge'], f['checks']) for f in got['fetches']] == [
        ('master_alive', [{'node': 'master-0', 'args': []}])]


def test_the_config_is_what_the_watchdog_reads():
    info = cluster(2)
    step = watch.install_step('c1', spark_watches(info), URL, 10, 30, 120)
    work = step.work(info.nodes[0])
    text, mode = files_of(work)[watch.CONFIG]
    dog = watchdog.Watchdog(json.loads(text))
    assert (dog.node, dog.url, dog.grace, dog.cooldown) == (
        'master-0', URL, 30, 120)
    assert len(dog.fetches) == 1 and len(dog.fetches[0]['checks']) == 2


def test_install_step_over_the_watchers_and_stop_on():
    info = cluster(3)
    master, w0, w1, w2 = info.nodes
    step = watch.install_step('c1', spark_watches(info), URL, 10, 30, 120,
                              stop_on=(w1, master, w2, w1))
    assert step.name == 'start the auto-heal watchdog'
    assert not step.is_wait
    assert [n.name for n in step.nodes] == [
        'master-0', 'workers-0', 'workers-1', 'workers-2']
    for node in (master, w0):
        work = step.work(node)
        files = files_of(work)
        assert sorted(files) == sorted([watch.PROGRAM, watch.CONFIG])
        assert files[watch.PROGRAM] == (inspect.getsource(watchdog), 0o755)
        assert files[watch.CONFIG][1] == 0o600
        assert json.loads(files[watch.CONFIG][0])['node'] == node.name
        assert work.commands == (watch.restart_command(),)
        assert work.timeout <= 30
        assert 'mkdir -p /var/lib/heat-savanna /etc/heat-savanna ' \
            '/var/log/heat-savanna' == work.setup
        assert URL not in work.setup + ''.join(work.commands)
    for node in (w1, w2):
        work = step.work(node)
        assert work.files == () and work.setup == ''
        assert work.commands == (watch.stop_command(remove_config=True),)
        assert 'rm -f /etc/heat-savanna/watchdog.json' in work.commands[0]


def test_stop_step():
    info = cluster(1)
    step = watch.stop_step(info.nodes)
    assert step.name == 'stop the auto-heal watchdog'
    assert [n.name for n in step.nodes] == ['master-0', 'workers-0']
    work = step.work(info.nodes[1])
    assert work.files == ()
    assert work.commands == (watch.stop_command(remove_config=True),)


def test_watches_a_watchdog_cannot_run_are_refused():
    info = cluster(1)
    master, worker = info.nodes
    probe = start.master_probe(info, status.worker_alive, ('10.0.0.20',))
    with pytest.raises(ValueError, match='workers-0 has no watcher'):
        watch.Watch(worker, dataclasses.replace(probe, at=None))
    with pytest.raises(ValueError, match='workers-0 has a MARK'):
        watch.Watch(worker, dataclasses.replace(
            probe, args=('10.0.0.20', base.MARK)))
    with pytest.raises(ValueError, match='workers-0 judges with'):
        watch.Watch(worker, dataclasses.replace(
            probe, judge=lambda page, host: True))
    assert watch.Watch(worker, base.Probe('true', at=master)).watcher \
        is master


@pytest.mark.parametrize('shell', ['bash', 'sh', 'dash'])
def test_the_commands_parse(shell):
    if shutil.which(shell) is None:
        pytest.skip('no %s' % shell)
    for command in (watch.restart_command(),
                    watch.stop_command(remove_config=True),
                    watch.setup_script()):
        result = subprocess.run([shell, '-n', '-c', command],
                                capture_output=True, text=True)
        assert result.returncode == 0, (command, result.stderr)


# -- for real --------------------------------------------------------------
def running(pid, program):
    """Whether ``pid`` runs ``program`` (a zombie's cmdline is empty)."""
    try:
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            return program.encode() in f.read()
    except OSError:
        return False


def sh(command, timeout=20):
    """Run ``command`` as the agent transport does (``sh -c``, stdin
    from /dev/null), its output piped: it returns only once nothing holds
    the pipes, so a daemon that did not detach makes this time out."""
    return subprocess.run(['sh', '-c', command], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def run_work(work):
    """What a transport does with a NodeWork, on this machine."""
    assert sh(work.setup).returncode == 0 if work.setup else True
    for path, content, mode in work.files:
        with open(path, 'w') as f:
            f.write(content)
        os.chmod(path, mode)
    return [sh(c) for c in work.commands]


@pytest.fixture
def paths(tmp_path):
    p = watch.Paths(program=str(tmp_path / 'lib' / 'watchdog.py'),
                    config=str(tmp_path / 'etc' / 'watchdog.json'),
                    pid_file=str(tmp_path / 'lib' / 'watchdog.pid'),
                    log=str(tmp_path / 'log' / 'watchdog.log'))
    yield p
    try:
        with open(p.pid_file) as f:
            pid = int(f.read())
        if running(pid, p.program):
            os.kill(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass


def read_pid(paths):
    with open(paths.pid_file) as f:
        return int(f.read())


def test_the_install_work_starts_the_daemon_detached(paths):
    info = cluster(1)
    master, worker = info.nodes
    watches = [watch.Watch(worker, base.Probe('true', at=master))]
    step = watch.install_step('c1', watches, URL, 1, 30, 120, paths=paths)
    [result] = run_work(step.work(master))
    assert result.returncode == 0, result.stderr
    pid = read_pid(paths)
    assert running(pid, paths.program)
    assert os.getsid(pid) == pid         # its own session
    assert os.stat(paths.config).st_mode & 0o777 == 0o600
    with open(paths.log) as f:
        assert 'watchdog of cluster c1 on master-0: 1 checks' in f.read()

    # again: the running one is stopped, a new one started
    [result] = run_work(step.work(master))
    assert result.returncode == 0, result.stderr
    again = read_pid(paths)
    assert again != pid and running(again, paths.program)
    assert not running(pid, paths.program)

    [result] = run_work(watch.stop_step((master,), paths).work(master))
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 5
    while running(again, paths.program) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(again, paths.program)
    assert not os.path.exists(paths.pid_file)
    assert not os.path.exists(paths.config)
    with open(paths.log) as f:
        log = f.read()
    assert log.rstrip().endswith('stopped') and URL not in log


def test_a_pid_file_naming_another_process_kills_nothing(paths):
    os.makedirs(os.path.dirname(paths.pid_file))
    other = subprocess.Popen(['sleep', '60'])
    try:
        with open(paths.pid_file, 'w') as f:
            f.write('%d\n' % other.pid)
        assert sh(watch.stop_command(paths)).returncode == 0
        assert other.poll() is None
        assert not os.path.exists(paths.pid_file)
    finally:
        other.kill()
        other.wait()


def test_a_daemon_that_dies_at_once_fails_the_work(paths):
    info = cluster(1)
    master, worker = info.nodes
    watches = [watch.Watch(worker, base.Probe('true', at=master))]
    work = watch.install_step('c1', watches, URL, 1, 30, 120,
                              paths=paths).work(master)
    run_work(dataclasses.replace(work, commands=()))
    with open(paths.config, 'w') as f:
        f.write('{"url": "%s"' % URL)       # not JSON
    [result] = run_work(dataclasses.replace(work, files=()))
    assert result.returncode != 0
    assert 'the auto-heal watchdog exited at once' in result.stderr
    assert 'cannot read the configuration' in result.stderr
    assert URL not in result.stderr


def test_install_and_stop_over_ssh_on_sandbox_hosts(hosts):
    """The real paths on two sandbox hosts, each with its own
    /var/lib/heat-savanna and /var/log/heat-savanna: the install step
    over SSH returns (the channel closes), the watcher runs the daemon,
    the other node does not."""
    h = [hosts.host(n) for n in ('master-0', 'workers-0')]
    nodes = [base.NodeInfo(x.name, x.name.split('-')[0], (), x.address,
                           x.address) for x in h]
    remotes = {x.name: hosts.remote(x) for x in h}
    master, worker = nodes
    watches = [watch.Watch(worker, base.Probe('true', at=master))]
    started = time.monotonic()
    failed = fakes.drive([watch.install_step(
        'c1', watches, URL, 1, 30, 120, stop_on=(worker,))], remotes)
    assert failed == {}
    assert time.monotonic() - started < 30

    def on(node, command):
        return remotes[node].run(command, sudo=True, check=False)
    pid = on('master-0', 'cat %s' % watch.PID_FILE).stdout.strip()
    assert pid.isdigit()
    assert watch.PROGRAM in on('master-0', 'tr "\\000" " " </proc/%s/cmdline'
                               % pid).stdout
    assert on('master-0', 'stat -c %%a %s' % watch.CONFIG).stdout.strip() \
        == '600'
    assert 'on master-0: 1 checks' in on(
        'master-0', 'cat %s' % watch.LOG_FILE).stdout
    assert on('workers-0', 'test -e %s || test -e %s' % (
        watch.PID_FILE, watch.LOG_FILE)).exit_code == 1

    failed = fakes.drive([watch.stop_step(nodes)], remotes)
    assert failed == {}
    assert on('master-0', 'test -e /proc/%s/cmdline && grep -q watchdog '
              '/proc/%s/cmdline' % (pid, pid)).exit_code != 0
    assert on('master-0', 'test -e %s' % watch.CONFIG).exit_code == 1
