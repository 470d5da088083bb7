"""resources.transport: the run a phase gets for the cluster's transport,
SshRun over real sshd nodes (the cluster's key, its pins, stopping early,
the host keys accept-new learned), and the step that authorises the
operator's key. AgentRun's own rounds are test_deploy.py's."""

import dataclasses
import os

from heat_savanna.common import exceptions
from heat_savanna.core import records
from heat_savanna import remote
from heat_savanna.plugins import base
from heat_savanna.resources import context as context_mod
from heat_savanna.resources import deploy
from heat_savanna.resources import transport
from tests.unit.remote import sshhosts
from tests.unit.resources import harness
from tests.unit.resources import test_access


def run_to_end(run, limit=20):
    for _ in range(limit):
        if run.advance():
            return
    raise AssertionError('run not done: %s' % run.progress())


class OpenRunTest(harness.ClusterTestCase):

    def test_the_heat_agent_transport_runs_steps_as_deployments(self):
        _stack, rsrc = self.make_cluster(harness.template(
            1, transport='heat-agent'))
        rsrc.handle_create()
        ctx = context_mod.ClusterContext(rsrc)
        nodes = [base.NodeInfo(n, n[:-2], (n[:-2],), '10.0.0.9', '10.0.0.9')
                 for n in ('master-0', 'worker-0')]
        steps = [base.Step('configure', nodes=nodes,
                           work=lambda n: base.NodeWork(commands=('true',),
                                                        timeout=100))]
        run = transport.open_run(ctx, steps, stop_early=True)
        self.assertIsInstance(run, deploy.AgentRun)
        self.assertFalse(run.advance())
        kind, tmpl = self.templates[-1]
        self.assertEqual('update', kind)
        self.assertEqual(run.round, tmpl['resources']['worker-0'][
            'properties']['deployments']['worker-0']['round'])
        self.assertEqual({}, run.close())

    def test_the_actions_spec_decides_not_the_properties(self):
        _stack, rsrc = self.make_cluster(harness.template(1))
        spec = rsrc.cluster_spec()
        self.assertEqual('ssh', spec.transport)
        ctx = context_mod.ClusterContext(
            rsrc, dataclasses.replace(spec, transport='heat-agent'))
        ctx.use_state({'nodes': {}})
        fresh = transport.open_run(ctx, [], False)
        self.assertIsInstance(fresh, deploy.AgentRun)
        # nodes already running (a check, the watchdog): a silent agent is
        # lost sooner than a booting one
        self.assertEqual(300, fresh.allowance)
        self.assertEqual(60, transport.open_run(ctx, [], False,
                                                running=True).allowance)
        ctx = context_mod.ClusterContext(rsrc, spec)
        ctx.use_state({'nodes': {}, 'ssh_user': 'savanna'})
        self.assertIsInstance(transport.open_run(ctx, [], False),
                              transport.SshRun)


class SshRunTest(test_access.SshNodesTestCase):

    def open(self, rsrc, steps, stop_early=False):
        ctx = context_mod.ClusterContext(rsrc)
        return ctx, transport.open_run(ctx, steps, stop_early)

    def step(self, name, nodes, command, seen=None):
        def action(node_remote, node):
            out = node_remote.run(command).stdout.strip()
            if seen is not None:
                seen[node.name] = out
        return base.Step(name, nodes=tuple(nodes), action=action)

    def test_steps_run_on_every_node_with_the_clusters_key(self):
        rsrc, _hosts = self.ssh_cluster(2)
        info = context_mod.ClusterContext(rsrc).info()
        seen = {}
        _ctx, run = self.open(rsrc, [self.step(
            'whoami', info.nodes, 'echo "$(id -un)@$(hostname)"', seen)])
        self.assertIsInstance(run, transport.SshRun)
        run_to_end(run)
        self.assertEqual({'master-0': 'savanna@master-0',
                          'worker-0': 'savanna@worker-0',
                          'worker-1': 'savanna@worker-1'}, seen)
        self.assertEqual(({}, None, 'configured (1 steps)'),
                         (run.failures, run.aborted, run.progress()))
        # one session per node, closed; pinned keys are nothing new
        self.assertEqual(3, len(run.remotes))
        self.assertEqual({}, run.close())

    def test_a_failed_command_fails_its_node_in_the_step(self):
        rsrc, _hosts = self.ssh_cluster(1)
        info = context_mod.ClusterContext(rsrc).info()
        _ctx, run = self.open(rsrc, [self.step(
            'start worker', info.nodes,
            'if [ "$(hostname)" = worker-0 ]; then echo no java >&2; '
            'exit 3; fi')])
        run_to_end(run)
        self.assertEqual(['worker-0'], list(run.failures))
        failure = run.failures['worker-0']
        self.assertEqual('start worker', failure.phase)
        self.assertIn('no java', failure.reason)
        self.assertNotIn('PRIVATE KEY', failure.reason)
        run.close()

    def test_a_failure_that_fails_the_cluster_stops_the_run_early(self):
        rsrc, _hosts = self.ssh_cluster(1)
        info = context_mod.ClusterContext(rsrc).info()
        first = self.step('one', info.nodes,
                          '[ "$(hostname)" != master-0 ]')
        seen = {}
        second = self.step('two', info.nodes, 'hostname', seen)
        _ctx, run = self.open(rsrc, [first, second], stop_early=True)
        run_to_end(run)
        self.assertIn('master-0', run.aborted)
        self.assertEqual({}, seen)
        run.close()
        # without stop_early the others go on
        _ctx, run = self.open(rsrc, [first, second], stop_early=False)
        run_to_end(run)
        self.assertIsNone(run.aborted)
        self.assertEqual({'worker-0': 'worker-0'}, seen)
        run.close()

    def test_close_returns_the_keys_accept_new_trusted(self):
        self.override(host_key_policy='accept-new')
        rsrc, hosts = self.ssh_cluster(1, unpinned=('worker-0',))
        info = context_mod.ClusterContext(rsrc).info()
        ctx, run = self.open(rsrc, [self.step('probe', info.nodes, 'true')])
        run_to_end(run)
        self.assertEqual({}, run.failures)
        learned = run.close()
        self.assertIn(learned['worker-0'], test_access.pins(
            hosts['worker-0']))
        # what the cluster then records: the key of the node that had
        # none; the pinned master keeps its pins
        state = ctx.state
        master_pins = list(state['nodes']['master-0']['host_keys'])
        records.learn_host_keys(state, learned)
        self.assertEqual([learned['worker-0']],
                         state['nodes']['worker-0']['host_keys'])
        self.assertEqual(master_pins,
                         state['nodes']['master-0']['host_keys'])

    def test_under_pinned_an_unpinned_node_fails_and_teaches_nothing(self):
        self.override(host_key_policy='pinned')
        rsrc, _hosts = self.ssh_cluster(1, unpinned=('worker-0',))
        self.override(ssh_connect_retries=1)
        info = context_mod.ClusterContext(rsrc).info()
        _ctx, run = self.open(rsrc, [self.step('probe', info.nodes,
                                               'true')])
        run_to_end(run)
        self.assertEqual(['worker-0'], list(run.failures))
        self.assertIn('host key', run.failures['worker-0'].reason)
        self.assertEqual({}, run.close())


class AuthorizeKeyTest(test_access.SshNodesTestCase):

    def test_the_operator_key_is_authorised_once_and_logs_in(self):
        rsrc, hosts = self.ssh_cluster(0)
        private, public = remote.generate_keypair(comment="it's $(id) op")
        info = context_mod.ClusterContext(rsrc).info()
        step = transport.authorize_key_step(info.nodes, public + '\n')
        self.assertEqual(('authorize operator key', ('master-0',)),
                         (step.name, tuple(n.name for n in step.nodes)))
        for _ in range(2):
            run = transport.open_run(context_mod.ClusterContext(rsrc),
                                     [step], False)
            run_to_end(run)
            self.assertEqual({}, run.failures)
            run.close()
        host = hosts['master-0']
        with open(os.path.join(host.workdir, 'fs', 'ssh-home',
                               'authorized_keys')) as f:
            lines = f.read().splitlines()
        # the line as given, once, beside the cluster's own key
        self.assertEqual([self.hosts.public.strip(), public], lines)
        node = remote.NodeRemote(
            'master-0', host.address, sshhosts.USER,
            remote.load_private_key(private), test_access.pins(host),
            connect_retries=1)
        self.addCleanup(node.close)
        self.assertEqual('savanna', node.run('id -un').stdout.strip())

    def test_an_unknown_key_does_not_log_in(self):
        _rsrc, hosts = self.ssh_cluster(0)
        private, _public = remote.generate_keypair()
        host = hosts['master-0']
        node = remote.NodeRemote(
            'master-0', host.address, sshhosts.USER,
            remote.load_private_key(private), test_access.pins(host),
            connect_retries=1)
        self.addCleanup(node.close)
        self.assertRaises(exceptions.RemoteError, node.run, 'true')
