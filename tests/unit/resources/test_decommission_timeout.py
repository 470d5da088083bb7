"""What ``[savanna] decommission_timeout`` does, on Heat's harness.

The plugins bound their "wait until drained" step by it (the Spark plugin
waits for the master to stop listing the worker ALIVE, the vanilla plugin
for HDFS and YARN to say DECOMMISSIONED). When it runs out, the operations
guide says, the update fails and the nodes are still there. Here the real
resource, plan and step runner meet a drain that never finishes, with the
timeout set to one second; the functional tier shows the other side (a
drain that finishes before the servers go).
"""

import time

from oslo_config import cfg

from heat.common import exception

from heat_savanna.plugins import base
from heat_savanna import remote
from heat_savanna.remote.ssh import CommandResult
from tests.unit.resources import harness
from tests.unit.resources.harness import NESTED_ID

WORKERS = ['worker-0', 'worker-1', 'worker-2']


class NeverDrains(harness.RecordingPlugin):
    """Decommissioning waits, as the real plugins do, up to
    decommission_timeout for nodes that never finish draining."""

    def decommission_steps(self, cluster_info, leaving_nodes):
        self.calls.append(('decommission',
                           tuple(n.name for n in leaving_nodes)))

        master = cluster_info.node_running('master')

        def wait(node):
            # the master's status never stops listing the node
            return (base.Probe('cat master-status', lambda page, name:
                               name not in page, (node.name,), at=master,
                               awaiting='still ALIVE'),)
        return [base.Step('wait for drain', nodes=tuple(leaving_nodes),
                          wait=wait,
                          timeout=cfg.CONF.savanna.decommission_timeout,
                          poll_interval=0.1)]


class MasterStatus(object):
    """The master's status, listing every worker ALIVE, whatever node
    the engine asks."""

    def __init__(self, name, *args, **kwargs):
        self.node_name = name
        self.policy = None

    def run(self, command, **kwargs):
        return CommandResult(0, ' '.join(WORKERS), '')

    def close(self):
        pass


class DecommissionTimeoutTest(harness.ClusterTestCase):

    def setUp(self):
        super(DecommissionTimeoutTest, self).setUp()
        self.plugin = NeverDrains()
        harness.plugins._cache['recording'] = self.plugin
        self.patchobject(remote, 'NodeRemote', new=MasterStatus)

    def test_timeout_fails_the_update_and_removes_nothing(self):
        self.override(decommission_timeout=1)
        _stack, rsrc = self.make_cluster(harness.template(3))
        cookie = rsrc.handle_create()
        self.all_built(['master-0'] + WORKERS)
        self.drive(rsrc, cookie)
        created = len(self.templates)

        props = harness.template(2)['resources']['cluster']['properties']
        snippet = rsrc.t.freeze(properties=props)
        cookie = rsrc.handle_update(snippet, {}, {})
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        started = time.monotonic()
        op = rsrc._operation()
        error = None
        while time.monotonic() - started < 30:
            try:
                if op.advance(cookie):
                    break
            except exception.Error as exc:
                error = exc
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started

        self.assertIsNotNone(error, 'the update did not fail')
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertLess(elapsed, 15)
        self.assertIn('scale-down stopped, no node removed: decommission '
                      'did not finish for worker-2: not ready after 1s: '
                      'still ALIVE', str(error))
        self.assertIn('[savanna] decommission_timeout is 1s', str(error))
        # the grow template (still with worker-2) was the last one: no
        # update removed the node set, and the node is still a member
        self.assertEqual(created + 1, len(self.templates))
        self.assertIn('worker-2', self.node_sets())
        self.assertEqual(('ACTIVE', ''), self.node_states(rsrc)['worker-2'])
        self.assertNotIn('pending', self.state(rsrc))
