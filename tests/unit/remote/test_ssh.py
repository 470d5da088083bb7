"""The remote layer against real sshd hosts (SSHHost) and real paramiko."""

import threading
import time

import paramiko
import pytest

from heat_savanna.common import exceptions
from heat_savanna.remote import ssh


@pytest.fixture
def node(hosts):
    return hosts.host('node-1')


def test_run_and_result(hosts, node):
    with hosts.remote(node) as r:
        res = r.run('hostname; echo err >&2; id -un')
        assert res == ssh.CommandResult(0, 'node-1\nsavanna\n', 'err\n')
        assert r.run('id -un', sudo=True).stdout == 'root\n'
        assert r.run('cat', input='from stdin').stdout == 'from stdin'
        assert r.run('exit 3', check=False).exit_code == 3


def test_one_connection_reused_and_parallel_channels(hosts, node):
    with hosts.remote(node) as r:
        r.run('true')
        transport = r._transport
        results = []
        threads = [threading.Thread(target=lambda i=i: results.append(
            r.run('echo %d' % i).stdout)) for i in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert sorted(results) == sorted('%d\n' % i for i in range(8))
        assert r._transport is transport


def test_failing_command_redacted_tail(hosts, node):
    r = hosts.remote(node, secrets=('s3cr3t',))
    with pytest.raises(exceptions.RemoteCommandFailed) as err:
        r.run('for i in $(seq 1 30); do echo line$i >&2; done; '
              'echo "bad s3cr3t" >&2; exit 7')
    exc = err.value
    assert exc.exit_code == 7 and exc.node == 'node-1'
    assert 's3cr3t' not in str(exc) and '***' in exc.stderr_tail
    assert 'line30' in exc.stderr_tail and 'line5\n' not in exc.stderr_tail
    r.close()


def test_command_timeout(hosts, node):
    r = hosts.remote(node)
    start = time.monotonic()
    with pytest.raises(exceptions.RemoteError) as err:
        r.run('sleep 30', timeout=1)
    assert time.monotonic() - start < 5
    assert 'timed out' in str(err.value)
    assert r.run('echo still usable').stdout == 'still usable\n'
    r.close()


def test_unknown_host_key_refused_without_retry(hosts, node):
    other = hosts.host('node-2')
    # pin node-2's key, connect to node-1: a changed/unknown key
    r = hosts.remote(node, host_keys=[other.host_keys[0]],
                     connect_retries=5)
    start = time.monotonic()
    with pytest.raises(exceptions.HostKeyMismatch) as err:
        r.run('true')
    assert time.monotonic() - start < 2
    assert 'does not match' in str(err.value)
    with pytest.raises(exceptions.HostKeyMismatch) as err:
        hosts.remote(node, host_keys=[]).run('true')
    assert 'no host key was pinned' in str(err.value)


def test_fingerprint_only_pin(hosts, node):
    pins = [p for p in hosts.remote(node).host_key_check.pins if p.fingerprint]
    assert pins
    fp_only = ['%s (%s)' % (p.fingerprint, p.fp_type) for p in pins]
    with hosts.remote(node, host_keys=fp_only) as r:
        assert r.run('echo ok').stdout == 'ok\n'


def test_accept_new_and_insecure_policies(hosts, node):
    with hosts.remote(node, host_keys=[], policy='accept-new') as r:
        r.run('true')
        assert r.seen_host_key.startswith('ssh-ed25519 ')
    other = hosts.host('node-2')
    with pytest.raises(exceptions.HostKeyMismatch):
        hosts.remote(node, host_keys=[other.host_keys[0]],
                     policy='accept-new').run('true')
    with hosts.remote(node, host_keys=[other.host_keys[0]],
                      policy='insecure-auto-add') as r:
        assert r.run('echo yes').stdout == 'yes\n'
    with pytest.raises(ValueError):
        hosts.remote(node, policy='trust-me')


def test_auth_failure_not_retried(hosts, node):
    wrong = paramiko.Ed25519Key.from_private_key(
        __import__('io').StringIO(ssh.generate_keypair()[0]))
    r = ssh.NodeRemote('node-1', node.address, 'savanna', wrong,
                       node.host_keys, connect_retries=5)
    start = time.monotonic()
    with pytest.raises(exceptions.RemoteError) as err:
        r.run('true')
    assert time.monotonic() - start < 3
    assert 'authentication as savanna refused' in str(err.value)


def test_refused_connection_retried_then_reported(hosts, node):
    r = hosts.remote(node, connect_retries=3, connect_timeout=1)
    node.refuse()
    assert not node.running
    start = time.monotonic()
    with pytest.raises(exceptions.RemoteError) as err:
        r.run('true')
    assert time.monotonic() - start >= 0.4   # backoff happened
    assert 'after 3 attempt(s)' in str(err.value)
    # the host comes back while we retry: connect succeeds
    threading.Timer(0.5, node.allow).start()
    r2 = hosts.remote(node, connect_retries=6)
    assert r2.run('hostname').stdout == 'node-1\n'
    r2.close()


def test_reconnects_after_dropped_connection(hosts, node):
    r = hosts.remote(node)
    assert r.run('echo 1').stdout == '1\n'
    first = r._transport
    node.drop_connections()
    time.sleep(0.3)
    assert r.run('echo 2').stdout == '2\n'
    assert r._transport is not first
    r.close()


def test_connection_dropped_mid_command(hosts, node):
    r = hosts.remote(node)
    threading.Timer(0.5, node.drop_connections).start()
    with pytest.raises(exceptions.RemoteError) as err:
        r.run('sleep 20', timeout=10)
    assert 'connection lost' in str(err.value)
    assert r.run('echo back').stdout == 'back\n'
    r.close()


def test_put_get_atomic_with_mode(hosts, node):
    with hosts.remote(node) as r:
        r.put('/home/savanna/f.txt', 'hello', mode=0o600)
        assert r.get('/home/savanna/f.txt') == b'hello'
        assert r.run('stat -c %a /home/savanna/f.txt').stdout == '600\n'
        r.put('/home/savanna/f.txt', b'\x00bin')
        assert r.get('/home/savanna/f.txt') == b'\x00bin'
        assert r.run('ls -A /home/savanna | grep -c savanna- || true'
                     ).stdout == '0\n'
        with pytest.raises(exceptions.RemoteError):
            r.put('/etc/not-allowed', 'x')
        with pytest.raises(exceptions.RemoteError):
            r.get('/nonexistent')


def test_put_with_sudo_into_root_paths(hosts, node):
    with hosts.remote(node) as r:
        r.put('/etc/spark/conf/new/spark-env.sh', 'export A=1\n',
              mode=0o755, sudo=True)
        out = r.run('stat -c "%a %U" /etc/spark/conf/new/spark-env.sh')
        assert out.stdout == '755 root\n'
        # /etc/hosts is a bind-mounted file, like in a container
        r.put('/etc/hosts', '127.0.0.1 localhost\n10.0.0.9 other\n',
              sudo=True)
        assert r.get('/etc/hosts').endswith(b'10.0.0.9 other\n')
        assert r.run('ls -A /etc | grep -c savanna-new || true',
                     sudo=True).stdout == '0\n'


def test_install_files_one_sudo_session(hosts, node, monkeypatch):
    with hosts.remote(node) as r:
        calls = []
        real_run = r.run
        monkeypatch.setattr(r, 'run', lambda cmd, **kw: calls.append(
            kw.get('sudo')) or real_run(cmd, **kw))
        r.install_files(
            [('/etc/spark/conf/b/spark-env.sh', 'export B=1\n', 0o755),
             ('/etc/spark/conf/b/spark-defaults.conf', b'k v\n', 0o644),
             ('/etc/hosts', '127.0.0.1 localhost\n10.0.0.8 b\n', 0o644),
             ("/etc/spark/conf/b/it's odd", 'x', 0o600)],
            prelude='mkdir -p /var/lib/spark/b\necho prelude-ran > '
                    '/var/lib/spark/b/mark')
        assert calls == [True]
        monkeypatch.undo()
        out = r.run('stat -c "%a %U %n" /etc/spark/conf/b/*').stdout
        assert sorted(out.splitlines()) == sorted([
            "600 root /etc/spark/conf/b/it's odd",
            '644 root /etc/spark/conf/b/spark-defaults.conf',
            '755 root /etc/spark/conf/b/spark-env.sh'])
        assert r.get('/etc/hosts').endswith(b'10.0.0.8 b\n')
        assert r.get('/var/lib/spark/b/mark') == b'prelude-ran\n'
        assert r.run("ls -A /etc /etc/spark/conf/b | "
                     "grep -c savanna-new || true").stdout == "0\n"


def test_install_files_failure_names_the_path_changes_nothing(hosts,
                                                              node):
    with hosts.remote(node) as r:
        r.put('/etc/spark/ok', 'old', sudo=True)
        with pytest.raises(exceptions.RemoteCommandFailed) as err:
            r.install_files([('/etc/spark/ok', 'new', 0o644),
                             ('/etc/hosts/not-a-dir', 'b', 0o644),
                             ('/etc/spark/after', 'c', 0o644)])
        assert 'cannot write /etc/hosts/not-a-dir' in str(err.value)
        assert 'cannot write /etc/spark/ok' not in str(err.value)
        assert err.value.command == 'install 3 file(s)'
        assert r.get('/etc/spark/ok') == b'old'
        assert not r.exists('/etc/spark/after')
        with pytest.raises(exceptions.RemoteCommandFailed) as err:
            r.install_files([('/etc/spark/never', 'a', 0o644)],
                            prelude='echo volume setup failed >&2; exit 4')
        assert err.value.exit_code == 4
        assert 'volume setup failed' in err.value.stderr_tail
        assert not r.exists('/etc/spark/never')
        assert r.run("ls -A /etc/spark | grep -c savanna-new || true"
                     ).stdout == '0\n'
        with pytest.raises(ValueError):
            r.install_files([('relative/path', 'x', 0o644)])


def test_host_has_own_view_and_stop_kills_daemons(hosts, node):
    other = hosts.host('node-2')
    with hosts.remote(node) as r, hosts.remote(other) as r2:
        r.run('touch /etc/spark/mine', sudo=True)
        assert not r2.exists('/etc/spark/mine')
        assert r2.run('hostname').stdout == 'node-2\n'
        r.run('nohup sleep 300 >/dev/null 2>&1 &', sudo=True)
    pids = node.namespace_pids()
    assert len(pids) >= 2
    node.stop()
    assert not node.running and node.namespace_pids() == []
    node.start()          # a reboot keeps files and host key
    with hosts.remote(node) as r:
        assert r.exists('/etc/spark/mine')


def test_refuse_keeps_daemons_stop_kills_them(hosts, node):
    with hosts.remote(node) as r:
        r.run('nohup sleep 300 >/dev/null 2>&1 &', sudo=True)
    node.refuse()
    assert not node.running and node.refused
    assert len(node.namespace_pids()) >= 1      # the daemon survives
    node.allow()
    with hosts.remote(node) as r:
        assert r.run('hostname').stdout == 'node-1\n'
    node.stop()
    assert node.namespace_pids() == []
