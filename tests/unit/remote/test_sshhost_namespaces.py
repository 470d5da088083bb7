"""A simulated host never kills another host's processes: the kernel reuses
a namespace id once the namespace is gone, so a host trusts a recorded id
only while its processes see the host's own mounts."""

import subprocess

from tests.unit.remote import sshhosts

pytestmark = sshhosts.requires_sshd


def test_a_reused_namespace_id_is_not_taken_for_ones_own(hosts):
    first = hosts.host('first')
    second = hosts.host('second')
    remote = hosts.remote(first)
    # a daemon of the first host: stop() must kill it
    daemon = int(remote.run('nohup sleep 300 >/dev/null 2>&1 & echo $!',
                            timeout=20).stdout.strip())
    remote.close()
    own = set(first.namespace_pids())
    assert daemon in own and len(own) >= 2      # sshd and the daemon
    their_pids = set(second.namespace_pids())
    assert their_pids and not own & their_pids
    # as if the second host's namespace had the id of one the first host
    # recorded earlier (a namespace that died and whose id came back)
    theirs = set(second._namespaces)
    first._namespaces |= theirs
    now = set(first.namespace_pids())
    # none of the second host's processes is taken for the first's (the
    # closed session's sshd child may have exited since: fewer is fine)
    assert daemon in now and now <= own and not now & their_pids
    assert not first._namespaces & theirs
    first.stop()
    assert first.namespace_pids() == []
    assert second.running
    check = hosts.remote(second)
    assert check.run('echo alive', timeout=20).stdout.strip() == 'alive'
    check.close()


def test_a_user_added_on_one_host_is_that_hosts_alone(hosts):
    # real nodes never share /etc/passwd: `id -u u || useradd u` on two
    # nodes at once must not race (each host has its own /etc)
    first, second = hosts.host('users-a'), hosts.host('users-b')
    one, two = hosts.remote(first), hosts.remote(second)
    try:
        for remote in (one, two):
            remote.run('id -u savanna-t >/dev/null 2>&1 || useradd --system '
                       '--no-create-home savanna-t', sudo=True, timeout=30)
        one.run('groupadd --system savanna-only-a', sudo=True, timeout=30)
        assert two.run('getent group savanna-only-a', check=False,
                       timeout=20).exit_code != 0
        assert one.run('getent group savanna-only-a',
                       timeout=20).exit_code == 0
    finally:
        one.close()
        two.close()
    # nor did the machine's own /etc change
    assert subprocess.run(['getent', 'passwd', 'savanna-t'],
                          capture_output=True).returncode != 0
