"""An OS::Savanna::Job on a cluster with transport heat-agent
(heat_savanna.resources.job_agent), on Heat's in-process harness.

The master's agent is played by :class:`Agent`: it takes the software
configs and deployments the job hands Heat's RPC API, runs each script
with bash on this machine as heat-config's script hook does (inputs as
environment variables, outputs from ``$heat_outputs_path.<name>``) and
signals the job back with what the hook would send. The executions are
real detached processes; nothing is reached over SSH.
"""

import json
import os
import subprocess
import tempfile
import time
import types
from unittest import mock

from oslo_config import cfg

from heat.engine import resource
from heat.engine.resources import signal_responder
from heat.engine import scheduler
from heat.engine import stack as parser
from heat.engine import stk_defn
from heat.tests import utils

from heat_savanna.plugins.spark import jobs as spark_jobs
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import job_agent
from tests.unit.resources import job_harness
from tests.unit.resources.job_harness import sshhosts_processes_with

PASSWORD = 'agent-signal-password-xyz'


def template(**job_props):
    tpl = job_harness.template(**job_props)
    tpl['resources']['cluster']['properties']['transport'] = 'heat-agent'
    return tpl


class Agent(object):
    """The master's Heat agent (see the module doc)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.configs = {}
        self.deployments = {}       # id -> deployment, in creation order
        self.ran = []               # (kind, deployment id)
        self.signalled = []
        #: run each deployment the moment it is made (for actions driven
        #: whole, as Stack.create and Stack.update drive them)
        self.immediate = False

    # -- Heat's RPC API, as the job calls it ---------------------------------
    def create_software_config(self, ctx, group, name, config, inputs=None,
                               outputs=None, options=None):
        config_id = 'config-%d' % (len(self.configs) + 1)
        self.configs[config_id] = {'id': config_id, 'group': group,
                                   'name': name, 'config': config,
                                   'inputs': inputs, 'outputs': outputs}
        return self.configs[config_id]

    def create_software_deployment(self, ctx, server_id, config_id,
                                   input_values, action, status,
                                   status_reason, stack_user_project_id,
                                   deployment_id):
        self.deployments[deployment_id] = {
            'id': deployment_id, 'server_id': server_id,
            'config_id': config_id, 'status': status}
        if self.immediate:
            self.run_pending(types.SimpleNamespace(context=ctx))

    def signal_software_deployment(self, ctx, deployment_id, details,
                                   updated_at=None):
        self.signalled.append(deployment_id)

    def delete_software_deployment(self, ctx, deployment_id):
        self.deployments.pop(deployment_id, None)

    def delete_software_config(self, ctx, config_id):
        self.configs.pop(config_id, None)

    def ignore_error_by_name(self, name):
        return mock.MagicMock()

    # -- the agent -----------------------------------------------------------
    def run_pending(self, stack):
        """Run every deployment not run yet, signalling the resource its
        ``deploy_*`` inputs name after each (as heat-config-notify does);
        returns how many ran."""
        ran = 0
        for deployment_id, sd in list(self.deployments.items()):
            if any(d == deployment_id for _k, d in self.ran):
                continue
            config = self.configs[sd['config_id']]
            self.ran.append((config['name'].rsplit('-', 1)[-1],
                             deployment_id))
            details = self.run(config)
            inputs = {i['name']: i.get('value') for i in config['inputs']}
            target = parser.Stack.load(
                stack.context,
                stack_id=inputs['deploy_stack_id'].rsplit('/', 1)[-1])
            target[inputs['deploy_resource_name']].signal(details)
            ran += 1
        return ran

    def run(self, config):
        script = os.path.join(self.workdir, config['id'])
        with open(script, 'w') as f:
            f.write(config['config'])
        outputs = os.path.join(self.workdir, 'out-' + config['id'])
        env = dict(os.environ, heat_outputs_path=outputs)
        env.update({i['name']: str(i.get('value', ''))
                    for i in config['inputs']})
        proc = subprocess.run(['bash', script], env=env,
                              capture_output=True, timeout=120)
        details = {'deploy_stdout': proc.stdout.decode(),
                   'deploy_stderr': proc.stderr.decode(),
                   'deploy_status_code': proc.returncode}
        for output in config['outputs']:
            try:
                with open('%s.%s' % (outputs, output['name'])) as f:
                    details[output['name']] = f.read()
            except IOError:
                pass
        return details


class AgentJobTest(job_harness.JobTestCase):
    """The harness's stack, its cluster with transport heat-agent and a
    master reached by nothing but :class:`Agent`."""

    def setUp(self):
        super(AgentJobTest, self).setUp()
        scheduler.ENABLE_SLEEP = False
        cfg.CONF.set_override('provisioning_poll_interval', 0.1,
                              group='savanna')
        self.tmp = tempfile.mkdtemp(prefix='savanna-job-agent-')
        self.addCleanup(subprocess.run, ['rm', '-rf', self.tmp])
        for patch in (mock.patch.object(spark_jobs, 'WORK_ROOT',
                                        self.tmp + '/jobs'),
                      mock.patch.object(job_agent, 'LOOK_WINDOW', 1)):
            patch.start()
            self.addCleanup(patch.stop)
        self.agent = Agent(self.tmp)
        self.patchobject(resource.Resource, 'rpc_client',
                         return_value=self.agent)
        self.patchobject(
            signal_responder.SignalResponder, '_get_heat_signal_credentials',
            autospec=True, side_effect=self._creds)
        self.access_mock.return_value = self._access()
        # nothing may reach a node over SSH
        self.patchobject(access_mod.ClusterAccess, 'remote_for',
                         side_effect=AssertionError('SSH to a node'))

    @staticmethod
    def _creds(rsrc):
        rsrc.password = PASSWORD
        rsrc.data_set('user_id', 'signal-user')
        return {'auth_url': 'http://keystone/v3', 'username': rsrc.name,
                'user_id': 'signal-user', 'password': PASSWORD,
                'project_id': 'p', 'domain_id': 'd', 'region_name': None}

    def _access(self):
        return job_harness.spark_access('10.0.0.5', server_id='master-server',
                                        ssh_user=None, private_key='')

    # -- driving the engine and the agent, one step each ---------------------
    def stack_of(self, tpl):
        stack = utils.parse_stack(tpl)
        stack.store()
        scheduler.TaskRunner(stack['cluster'].create)()
        stk_defn.update_resource_data(stack.defn, 'cluster',
                                      stack['cluster'].node_data())
        return stack

    def drive(self, stack, action, timeout=60):
        """Run the job's ``action`` while the agent runs what it is
        handed; returns the job resource."""
        rsrc = stack['job']
        runner = scheduler.TaskRunner(getattr(rsrc, action))
        runner.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if runner.step():
                return rsrc
            self.agent.run_pending(stack)
            time.sleep(0.05)
        self.fail('%s of the job never completed' % action)

    def attrs(self, stack, *names):
        fresh = parser.Stack.load(stack.context, stack_id=stack.id)
        return {n: fresh['job'].FnGetAtt(n) for n in names}

    # -- the tests -----------------------------------------------------------
    def test_a_job_runs_through_the_masters_agent(self):
        stack = self.stack_of(template())
        rsrc = self.drive(stack, 'create')
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE), rsrc.state)
        self.assertIn('SUCCEEDED', rsrc.status_reason)
        got = self.attrs(stack, 'status', 'exit_code', 'output',
                         'executions', 'log_path')
        self.assertEqual('SUCCEEDED', got['status'])
        self.assertEqual(0, got['exit_code'])
        self.assertEqual('hello world\n', got['output'])
        [execution] = got['executions']
        self.assertEqual(('create', 'SUCCEEDED'), (execution['trigger'],
                                                   execution['status']))
        self.assertTrue(got['log_path'].startswith(self.tmp + '/jobs/'))
        # one launch deployment to the master's server, signalled back to
        # the job itself, then deleted with its config
        [(kind, deployment_id)] = self.agent.ran
        self.assertEqual('launch', kind)
        self.assertEqual([deployment_id], self.agent.signalled)
        self.assertEqual({}, self.agent.deployments)
        self.assertEqual({}, self.agent.configs)
        self.assertEqual({}, job_agent.AgentRunner(
            rsrc, rsrc._records).outstanding())

    def test_an_update_that_changes_the_job_runs_it_again(self):
        self.agent.immediate = True
        stack = self.create(template())
        stack.update(parser.Stack(stack.context, stack.name,
                                  stack.t.__class__(template(
                                      args=['update']))))
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        got = self.attrs(stack, 'executions', 'output')
        self.assertEqual([('create', ['world'], 'SUCCEEDED'),
                          ('update', ['update'], 'SUCCEEDED')],
                         [(e['trigger'], e['args'], e['status'])
                          for e in got['executions']])
        self.assertEqual('hello update\n', got['output'])
        self.assertEqual(['launch', 'launch'],
                         [k for k, _d in self.agent.ran])

    def test_the_deployment_signals_the_job_with_its_own_user(self):
        stack = self.stack_of(template())
        captured = {}
        original = self.agent.create_software_config

        def keep(*args, **kwargs):
            config = original(*args, **kwargs)
            captured.update({i['name']: i.get('value')
                             for i in config['inputs']})
            return config
        self.agent.create_software_config = keep
        self.drive(stack, 'create')
        self.assertEqual('HEAT_SIGNAL', captured['deploy_signal_transport'])
        self.assertEqual('job', captured['deploy_resource_name'])
        self.assertEqual('master-server', captured['deploy_server_id'])
        self.assertEqual(PASSWORD, captured['deploy_password'])

    def test_the_job_inherits_no_signal_credential(self):
        stack = self.stack_of(template(main={
            'inline': 'env | grep -c "^deploy_\\|heat_outputs" || true\n'
                      'echo "$deploy_password" | grep -c %s || true\n'
                      % PASSWORD}))
        self.drive(stack, 'create')
        got = self.attrs(stack, 'output', 'executions')
        self.assertEqual('0\n0\n', got['output'])
        self.assertNotIn(PASSWORD, json.dumps(got))

    def test_a_secret_in_the_output_is_redacted(self):
        stack = self.stack_of(template(main={
            'inline': 'echo "leaked %s"\n' % PASSWORD}))
        self.drive(stack, 'create')
        output = self.attrs(stack, 'output')['output']
        self.assertNotIn(PASSWORD, output)
        self.assertIn('leaked', output)

    def test_a_failed_job_fails_the_resource(self):
        stack = self.stack_of(template(configs={'CODE': 3}))
        rsrc = stack['job']
        runner = scheduler.TaskRunner(rsrc.create)
        runner.start()
        with self.assertRaises(Exception) as caught:
            for _i in range(200):
                if runner.step():
                    break
                self.agent.run_pending(stack)
                time.sleep(0.05)
        self.assertIn('exit code 3', str(caught.exception))
        got = self.attrs(stack, 'status', 'exit_code')
        self.assertEqual(('FAILED', 3), (got['status'], got['exit_code']))

    def test_a_job_longer_than_a_deployment_window_is_looked_at_again(self):
        stack = self.stack_of(template(configs={'PAUSE': 3}))
        self.drive(stack, 'create')
        self.assertEqual('SUCCEEDED', self.attrs(stack, 'status')['status'])
        kinds = [k for k, _d in self.agent.ran]
        self.assertEqual('launch', kinds[0])
        self.assertIn('look', kinds[1:])
        self.assertEqual({}, self.agent.deployments)

    def test_a_signal_runs_it_again_and_delete_stops_it(self):
        stack = self.stack_of(template(run_on=['signal'],
                                       configs={'PAUSE': 300}))
        self.drive(stack, 'create')
        self.assertEqual([], self.agent.ran)
        fresh = parser.Stack.load(stack.context, stack_id=stack.id)
        fresh['job'].signal({'args': ['again']})
        self.agent.run_pending(stack)
        got = self.attrs(stack, 'status', 'executions', 'log_path')
        self.assertEqual('RUNNING', got['status'])
        [execution] = got['executions']
        self.assertEqual((['again'], 'signal'), (execution['args'],
                                                 execution['trigger']))
        directory = os.path.dirname(got['log_path'])
        self.assertTrue(sshhosts_processes_with(directory))
        fresh = parser.Stack.load(stack.context, stack_id=stack.id)
        rsrc = self.drive(fresh, 'delete')
        self.assertEqual((rsrc.DELETE, rsrc.COMPLETE), rsrc.state)
        self.assertEqual('delete', self.agent.ran[-1][0])
        self.assertEqual([], sshhosts_processes_with(directory))
        self.assertFalse(os.path.exists(os.path.dirname(directory)))
        self.assertEqual({}, self.agent.deployments)

    def test_a_kill_signal_stops_the_execution(self):
        stack = self.stack_of(template(run_on=['signal'],
                                       configs={'PAUSE': 300}))
        self.drive(stack, 'create')
        fresh = parser.Stack.load(stack.context, stack_id=stack.id)
        fresh['job'].signal({})
        self.agent.run_pending(stack)
        fresh = parser.Stack.load(stack.context, stack_id=stack.id)
        fresh['job'].signal({'action': 'kill'})
        self.agent.run_pending(stack)
        self.assertEqual('KILLED', self.attrs(stack, 'status')['status'])
        self.assertEqual('stop', self.agent.ran[-1][0])


def test_deployment_signals_are_told_from_a_users():
    assert job_agent.is_deployment_signal({'deploy_status_code': 0})
    assert not job_agent.is_deployment_signal({'args': ['1']})
    assert not job_agent.is_deployment_signal(None)
