"""resources.access: what another resource gets to reach a cluster's
nodes (ClusterAccess), on Heat's harness with real sshd hosts as the
cluster's nodes: the master through core.lifecycle.master, a NodeRemote
with the node's pins and the cluster's key, and a key that never shows.
"""

import dataclasses

from heat_savanna.common import exceptions
from heat_savanna.core import health
from heat_savanna import remote
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import state as state_mod
from tests.unit.remote import sshhosts
from tests.unit.resources import harness
from tests.unit.resources.harness import NESTED_ID


def pins(host):
    return remote.parse_console_host_keys(host.console_output())


@sshhosts.requires_sshd
class SshNodesTestCase(harness.ClusterTestCase):
    """An ACTIVE cluster of the recording plugin whose nodes are real sshd
    hosts, reached with the cluster's own key as ``savanna``."""

    def setUp(self):
        super(SshNodesTestCase, self).setUp()
        self.hosts = sshhosts.HostFactory()
        self.addCleanup(self.hosts.cleanup)

    def ssh_cluster(self, workers=1, unpinned=(), **extra):
        """``(rsrc, {node: SSHHost})``; the nodes in ``unpinned`` showed
        no host key on their console."""
        names = ['master-0'] + ['worker-%d' % i for i in range(workers)]
        hosts = {n: self.hosts.host(n) for n in names}
        _stack, rsrc = self.make_cluster(harness.template(workers, **extra))
        cookie = rsrc.handle_create()
        self.tables.set_status(NESTED_ID, 'CREATE', 'COMPLETE')
        for name, host in hosts.items():
            self.tables.built_set(
                NESTED_ID, name, host.address,
                host_keys=[] if name in unpinned else pins(host))
        self.drive(rsrc, cookie)
        # the cluster's key is the one the hosts authorise
        state_mod.save_private_key(rsrc, self.hosts.private)
        self.plugin.calls[:] = []
        return rsrc, hosts


class ClusterAccessTest(SshNodesTestCase):

    def test_the_master_is_reached_as_the_login_user_with_its_pins(self):
        rsrc, hosts = self.ssh_cluster(1)
        access = rsrc.access()
        self.assertEqual(('ACTIVE', 'savanna'), (access.status,
                                                 access.ssh_user))
        master = access.master()
        self.assertEqual(('master-0', hosts['master-0'].address),
                         (master.name, master.management_ip))
        node = access.remote_for(master, command_timeout=7)
        self.addCleanup(node.close)
        self.assertEqual(7, node.command_timeout)
        self.assertEqual('savanna master-0', node.run(
            'echo "$(id -un) $(hostname)"').stdout.strip())
        self.assertIn(node.seen_host_key, pins(hosts['master-0']))

    def test_a_node_that_showed_no_host_key_is_refused(self):
        rsrc, hosts = self.ssh_cluster(1, unpinned=('worker-0',))
        self.override(host_key_policy='pinned')
        access = rsrc.access()
        self.assertEqual([], access.host_keys['worker-0'])
        [worker] = [n for n in access.info.nodes if n.name == 'worker-0']
        node = access.remote_for(worker, connect_retries=1)
        self.addCleanup(node.close)
        error = self.assertRaises(exceptions.HostKeyMismatch, node.run,
                                  'true')
        self.assertIn('no host key was pinned', str(error))

    def test_the_private_key_is_a_secret_of_every_remote(self):
        rsrc, _hosts = self.ssh_cluster(1)
        access = rsrc.access()
        self.assertEqual((self.hosts.private,), access.secrets)
        node = access.remote_for(access.master())
        self.addCleanup(node.close)
        self.assertEqual((self.hosts.private,), node.secrets)
        self.assertNotIn('PRIVATE KEY', repr(access))
        self.assertNotIn(access.host_keys['master-0'][0], repr(access))

    def test_a_failed_master_is_no_master(self):
        rsrc, _hosts = self.ssh_cluster(1)
        state = state_mod.load(rsrc)
        state['nodes']['master-0'].update(state=health.FAILED, phase='boot')
        state_mod.save(rsrc, state)
        access = rsrc.access()
        self.assertEqual(['worker-0'], [n.name for n in access.info.nodes])
        self.assertIsNone(access.master())


def test_no_private_key_no_secrets():
    access = access_mod.ClusterAccess(spec=None, plugin=None, info=None,
                                      status='ACTIVE', ssh_user='u',
                                      private_key='')
    assert access.secrets == ()
    assert dataclasses.replace(access, private_key='k').secrets == ('k',)
