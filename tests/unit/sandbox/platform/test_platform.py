"""Platform.up/down/status with small stand-in parts (real processes)."""

import io
import os
import socket
import sys

import pytest

from savanna_sandbox import cli
from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services
from savanna_sandbox.services import platform

LISTEN = """
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(5)
time.sleep(300)
"""


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def make_parts(fail=None):
    ports = {'a': free_port(), 'b': free_port()}

    class A(services.Part):
        name = 'a'
        port = ports['a']
        timeout = 10

        def argv(self):
            return [sys.executable, '-c', LISTEN, str(self.port)]

    class B(A):
        name = 'b'
        deps = ('a', 'step')
        port = ports['b']
        hint = 'fix the option of b'

        def argv(self):
            if fail == 'b':
                return [sys.executable, '-c',
                        'print("b cannot start: bad option"); exit(2)']
            return super().argv()

    class Step(services.Part):
        name = 'step'
        deps = ('a',)
        daemon = False

        def done(self):
            return os.path.exists(self.layout.path('step.done'))

        def run_step(self):
            open(self.layout.path('step.done'), 'w').close()

    return (A, Step, B)


@pytest.fixture
def plat(tmp_path, monkeypatch):
    out = io.StringIO()
    p = platform.Platform(str(tmp_path / 'state'), out=out)
    yield p
    p.down(purge=True)


def _use(monkeypatch, classes):
    monkeypatch.setattr(platform, 'PART_CLASSES', classes)
    monkeypatch.setattr(platform, 'REQUIRED', ('a', 'b'))


def test_up_is_ordered_idempotent_and_down_stops(plat, monkeypatch):
    _use(monkeypatch, make_parts())
    assert plat.up() == 0
    text = plat.out.getvalue()
    assert text.index('a            ready') < text.index('step')
    assert text.index('step') < text.index('b            starting')
    pids = {n: plat.supervisor.record(n)['pid'] for n in ('a', 'b')}
    plat.out.truncate(0)
    assert plat.up() == 0
    assert 'already running' in plat.out.getvalue()
    assert {n: plat.supervisor.record(n)['pid'] for n in ('a', 'b')} == pids
    assert plat.status() == 0
    port_a = plat.part('a').port
    assert plat.down() == 0
    assert not procs.tcp_open('127.0.0.1', port_a)
    assert os.listdir(plat.layout.root) == ['logs']
    assert plat.status() == 3


def test_failure_names_part_log_and_blocks_dependants(plat, monkeypatch):
    classes = make_parts(fail='b')

    class C(services.Part):
        name = 'c'
        deps = ('b',)

        def argv(self):
            return ['sleep', '30']

    _use(monkeypatch, classes + (C,))
    assert plat.up() == 1
    text = plat.out.getvalue()
    assert 'FAILED: b: process exited before it was ready' in text
    assert plat.layout.log('b') in text
    assert 'b cannot start: bad option' in text
    assert 'try: fix the option of b' in text
    assert 'not started (waiting on a failed part): c' in text
    assert 'sandbox down' in text


def test_foreign_port_is_reported(plat, monkeypatch):
    classes = make_parts()
    _use(monkeypatch, classes)
    with socket.socket() as s:
        s.bind(('127.0.0.1', classes[0].port))
        s.listen(1)
        assert plat.up() == 1
    assert 'already in use by a process the sandbox did not start' in \
        plat.out.getvalue()


def test_cli_register_adds_sandbox_commands():
    import argparse
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest='command')
    cli.register(sub)
    for command in ('up', 'down', 'status', 'env', 'logs'):
        args = parser.parse_args(['sandbox', command])
        assert callable(args.func)
    args = parser.parse_args(['sandbox', 'down', '--purge'])
    assert args.purge


def test_cli_env_without_sandbox(tmp_path, capsys):
    rc = cli.main(['--state-dir', str(tmp_path / 'none'), 'env'])
    assert rc == 1
    assert 'sandbox up' in capsys.readouterr().err


def test_cli_env_prints_exports(tmp_path, capsys):
    platform.Platform(str(tmp_path)).secrets
    assert cli.main(['--state-dir', str(tmp_path), 'env']) == 0
    out = capsys.readouterr().out
    assert 'export OS_AUTH_URL=http://127.0.0.1:5000/v3' in out
    assert 'export OS_USERNAME=demo' in out
    assert 'export OS_PROJECT_NAME=demo' in out


def test_down_stops_ssh_hosts_the_simulator_left(tmp_path):
    """A killed simulator leaves sshd hosts; down finds them by namespace.
    """
    from savanna_sandbox import sshhost
    plat = platform.Platform(str(tmp_path / 'state'), out=io.StringIO())
    workdir = plat.layout.dir('cloud', 'hosts', 'orphan')
    host = sshhost.SSHHost('orphan', '127.0.77.9', workdir, [], 'savanna')
    host.start()
    other = sshhost.SSHHost('not-ours', '127.0.77.10',
                            str(tmp_path / 'elsewhere'), [], 'savanna')
    other.start()
    try:
        pid = host.pid
        # Forget it, as a SIGKILLed simulator would.
        host._proc = None
        assert procs.tcp_open('127.0.77.9', 22)
        plat.down()
        assert 'leftover SSH host' in plat.out.getvalue()
        assert not procs.tcp_open('127.0.77.9', 22)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        assert procs.tcp_open('127.0.77.10', 22), 'stopped a stranger'
    finally:
        other.stop()
        host.stop()


def test_a_log_can_be_written_before_any_daemon_started(tmp_path):
    # on a fresh machine the first part to log may be a step (the agent
    # image's build, which has no dependency): it found no logs directory
    # and the image was never built
    layout = paths.Layout(str(tmp_path / 'fresh'))
    with open(layout.log('agent-image'), 'ab') as log:
        log.write(b'building\n')
    assert os.path.dirname(layout.log('agent-image')) == layout.path('logs')
