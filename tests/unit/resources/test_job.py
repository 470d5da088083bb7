"""OS::Savanna::Job on Heat's in-process harness, against a real master.

The cluster resource is the real class with its nested-stack work stubbed
(that needs a running engine: the functional tier proves it); its
``access()`` hands out a real sshd host as the master, so every execution
here is a real detached process launched, looked at and killed over SSH.
"""

import copy
import os
import time
import types
from unittest import mock

from oslo_config import cfg

from heat.common import exception
from heat.common import template_format
from heat.engine.clients.os import glance
from heat.engine.clients.os.neutron import neutron_constraints
from heat.engine.clients.os import nova
from heat.engine import scheduler
from heat.engine import stack as parser
from heat.engine import stk_defn
from heat.objects import event as event_object
from heat.objects import resource_data as resource_data_objects
from heat.tests import common
from heat.tests import utils

from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import jobs
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import cluster
from heat_savanna.resources import job as job_mod
from tests.unit.remote import sshhosts

CLUSTER = {
    'type': 'OS::Savanna::Cluster',
    'properties': {
        'plugin_name': 'spark', 'plugin_version': '4.3.0',
        'image': 'spark-4.3', 'flavor': 'm1.small',
        'management_network': 'private',
        'node_groups': [{'name': 'master', 'count': 1,
                         'node_processes': ['master']},
                        {'name': 'worker', 'count': 1,
                         'node_processes': ['worker']}]}}

JOB = {
    'type': 'OS::Savanna::Job',
    'properties': {
        'cluster': {'get_resource': 'cluster'},
        'type': 'shell',
        'main': {'inline': 'echo "hello $1"; sleep ${PAUSE:-0}; '
                           'exit ${CODE:-0}\n'},
        'args': ['world'],
        'configs': {'CODE': 0}}}


def template(**job_props):
    job = copy.deepcopy(JOB)
    job['properties'].update(job_props)
    return {'heat_template_version': '2021-04-16',
            'resources': {'cluster': copy.deepcopy(CLUSTER), 'job': job}}


class EngineDied(BaseException):
    """Stands for heat-engine being killed: nothing in Heat catches it."""


@sshhosts.requires_sshd
class JobTest(common.HeatTestCase):

    def setUp(self):
        super(JobTest, self).setUp()
        # real time between Heat's polls, as in an engine
        scheduler.ENABLE_SLEEP = True
        cfg.CONF.set_override('provisioning_poll_interval', 0.2,
                              group='savanna')
        cfg.CONF.set_override('heat_waitcondition_server_url',
                              'http://127.0.0.1:8000/v1/waitcondition')
        # in-process stacks run Heat's legacy path, which stores each
        # stack state it sets (a convergence stack's are written by the
        # traversal's own bookkeeping, absent here)
        cfg.CONF.set_override('convergence_engine', False)
        for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                           neutron_constraints.NetworkConstraint):
            self.patchobject(constraint, 'validate', return_value=True)
        for cls in (cluster.SavannaCluster, job_mod.SavannaJob):
            schema = cls.attributes_schema
            saved = dict(schema)
            self.addCleanup(lambda s=schema, v=saved: (s.clear(),
                                                       s.update(v)))
        self.stub_keystoneclient(access='anaccesskey', secret='verysecret',
                                 credential_id='cred')
        self.hosts = sshhosts.HostFactory()
        self.addCleanup(self.hosts.cleanup)
        self.master = self.hosts.host('master-0')
        self.node = self.hosts.remote(self.master)
        self.addCleanup(self.node.close)
        self.access = self._access()
        self._stub_cluster()

    def _access(self):
        host = self.master
        node = plugin_base.NodeInfo(
            name='master-0', group='master', processes=('master',),
            management_ip=host.address, internal_ip=host.address)
        info = plugin_base.ClusterInfo(
            name='c', plugin_name='spark', plugin_version='4.3.0',
            cluster_configs={}, nodes=(node,))
        return access_mod.ClusterAccess(
            spec=types.SimpleNamespace(plugin_version='4.3.0', name='c'),
            plugin=plugins.get_plugin('spark'), info=info, status='ACTIVE',
            ssh_user=sshhosts.USER, private_key=self.hosts.private,
            host_keys={'master-0': remote_pins(host)})

    def _stub_cluster(self):
        cls = cluster.SavannaCluster

        def create(rsrc):
            rsrc.resource_id_set('nested-stack-id')
        for name, value in (('validate', None), ('handle_delete', None),
                            ('check_create_complete', True),
                            ('check_delete_complete', True),
                            ('handle_update', None),
                            ('check_update_complete', True)):
            self.patchobject(cls, name, return_value=value)
        self.patchobject(cls, 'handle_create', autospec=True,
                         side_effect=create)
        self.access_mock = self.patchobject(cls, 'access',
                                            return_value=self.access)

    # -- helpers ---------------------------------------------------------
    def create(self, tpl):
        stack = utils.parse_stack(template_format.parse(str(tpl)) if
                                  isinstance(tpl, str) else tpl)
        stack.create()
        return stack

    def reload(self, stack):
        return parser.Stack.load(stack.context, stack_id=stack.id)

    def attrs(self, stack, *names):
        fresh = self.reload(stack)     # a resource keeps a weak reference
        rsrc = fresh['job']
        return {n: rsrc.FnGetAtt(n) for n in names}

    def signal(self, stack, data):
        fresh = self.reload(stack)
        return fresh['job'].signal(data)

    def wait_for(self, stack, cond, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            execs = self.attrs(stack, 'executions')['executions']
            if cond(execs):
                return execs
            self.assertLess(time.monotonic(), deadline, execs)
            time.sleep(0.3)

    def session_processes(self, directory):
        look = jobs.probe(self.node, [directory])[directory]
        return look.running_processes if look.exists else 0

    # -- create ----------------------------------------------------------
    def test_create_runs_the_job_and_the_attributes_tell(self):
        stack = self.create(template())
        rsrc = stack['job']
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE), rsrc.state)
        got = self.attrs(stack, 'status', 'exit_code', 'output',
                         'started_at', 'finished_at', 'log_path',
                         'executions', 'signal_url')
        self.assertEqual('SUCCEEDED', got['status'])
        self.assertEqual(0, got['exit_code'])
        self.assertEqual('hello world\n', got['output'])
        [execution] = got['executions']
        self.assertEqual(('create', ['world'], {'CODE': '0'}),
                         (execution['trigger'], execution['args'],
                          execution['configs']))
        self.assertEqual(set(job_mod.PUBLIC_KEYS), set(execution))
        self.assertTrue(got['log_path'].startswith(
            '/var/lib/spark/jobs/%s/%s/' % (rsrc.resource_id,
                                            execution['id'])))
        self.assertTrue(got['started_at'] <= got['finished_at'])
        self.assertTrue(got['signal_url'].startswith(
            'http://127.0.0.1:8000/v1/signal/'))
        self.assertIn('Signature=', got['signal_url'])
        self.assertEqual('execution %s SUCCEEDED: exit code 0'
                         % execution['id'], rsrc.status_reason)
        self.assertEqual('SUCCEEDED', rsrc.metadata_get()['status'])
        log = self.node.run('cat ' + got['log_path'], sudo=True).stdout
        self.assertEqual('hello world\n', log)
        # the private key never shows in what the resource stores
        blob = repr(resource_data_objects.ResourceData.get_all(
            rsrc))
        self.assertNotIn('PRIVATE KEY', blob)

    def test_a_failure_fails_the_job_resource_not_the_cluster(self):
        stack = self.create(template(configs={'CODE': 3}))
        rsrc = stack['job']
        self.assertEqual((rsrc.CREATE, rsrc.FAILED), rsrc.state)
        self.assertIn('FAILED: exit code 3', rsrc.status_reason)
        self.assertIn('hello world', rsrc.status_reason)
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE),
                         stack['cluster'].state)
        self.assertEqual('FAILED', self.attrs(stack, 'status')['status'])

    def test_on_failure_continue_records_the_failure_and_goes_on(self):
        stack = self.create(template(configs={'CODE': 3},
                                     on_failure='continue'))
        rsrc = stack['job']
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE), rsrc.state)
        self.assertIn('FAILED: exit code 3', rsrc.status_reason)
        got = self.attrs(stack, 'status', 'exit_code')
        self.assertEqual({'status': 'FAILED', 'exit_code': 3}, got)

    def test_timeout_stops_the_job(self):
        stack = self.create(template(configs={'PAUSE': 60}, timeout=1,
                                     on_failure='continue'))
        [execution] = self.attrs(stack, 'executions')['executions']
        self.assertEqual('FAILED', execution['status'])
        self.assertIn('timed out after 1s', execution['reason'])
        directory = os.path.dirname(execution['log_path'])
        self.assertEqual(0, self.session_processes(directory))

    def test_without_create_in_run_on_nothing_runs(self):
        stack = self.create(template(run_on=['signal']))
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state)
        self.assertEqual({'status': None, 'executions': []},
                         self.attrs(stack, 'status', 'executions'))

    # -- signals ------------------------------------------------------------
    def test_a_signal_starts_an_execution_with_other_arguments(self):
        stack = self.create(template())
        self.signal(stack, {'args': ['again'], 'configs': {'CODE': 0}})
        execs = self.wait_for(stack, lambda e: len(e) == 2 and
                              e[1]['status'] == 'SUCCEEDED')
        self.assertEqual(('signal', ['again']), (execs[1]['trigger'],
                                                 execs[1]['args']))
        self.assertEqual('hello again\n',
                         self.attrs(stack, 'output')['output'])
        # the first execution is recorded once, unchanged
        self.assertEqual('create', execs[0]['trigger'])
        # no data: the job's own arguments
        self.signal(stack, None)
        execs = self.wait_for(stack, lambda e: len(e) == 3 and
                              e[2]['status'] == 'SUCCEEDED')
        self.assertEqual(['world'], execs[2]['args'])

    def test_bad_signal_data_is_refused_with_an_event(self):
        stack = self.create(template(run_on=['signal']))
        fresh = self.reload(stack)
        rsrc = fresh['job']
        for data, why in (({'args': 'x'}, '"args" must be a list'),
                          ({'action': 'dance'}, '"run" or "kill"'),
                          ({'configs': {'A': [1]}}, '"configs" must map')):
            self.assertRaises(exception.ResourceFailure, rsrc.signal, data)
            reasons = [e.resource_status_reason for e in
                       event_object.Event.get_all_by_stack(stack.context,
                                                           stack.id)]
            self.assertTrue([r for r in reasons if r.startswith(
                'signal refused: ') and why in r], reasons)
        self.assertEqual([], self.attrs(stack, 'executions')['executions'])

    def test_signal_refused_without_signal_in_run_on(self):
        stack = self.create(template(run_on=['create']))
        self.assertRaises(exception.ResourceFailure, self.signal, stack, {})
        self.assertEqual(1, len(self.attrs(stack, 'executions')[
            'executions']))
        self.assertIsNone(self.attrs(stack, 'signal_url')['signal_url'])

    def test_kill_signal_stops_running_executions(self):
        stack = self.create(template(run_on=['signal'],
                                     configs={'PAUSE': 300}))
        self.signal(stack, {})
        execs = self.wait_for(stack, lambda e: e and
                              e[0]['status'] == 'RUNNING')
        self.signal(stack, {'action': 'kill'})
        execs = self.wait_for(stack, lambda e: e[0]['status'] == 'KILLED')
        directory = os.path.dirname(execs[0]['log_path'])
        deadline = time.monotonic() + 20
        while self.session_processes(directory):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.5)

    # -- delete ---------------------------------------------------------------
    def test_delete_kills_the_running_execution_and_cleans_up(self):
        stack = self.create(template(run_on=['signal'],
                                     configs={'PAUSE': 300}))
        self.signal(stack, {})
        execs = self.wait_for(stack, lambda e: e and
                              e[0]['status'] == 'RUNNING')
        directory = os.path.dirname(execs[0]['log_path'])
        self.assertGreater(self.session_processes(directory), 0)
        stack = self.reload(stack)
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state)
        self.assertFalse(jobs.probe(self.node, [directory])[directory]
                         .exists)
        self.assertFalse(self.node.run(
            'test -e ' + os.path.dirname(directory), sudo=True,
            check=False).exit_code == 0)
        self.assertEqual([], sshhosts_processes_with(directory))

    def test_delete_finds_a_cluster_no_longer_in_the_template(self):
        # A stack delete (convergence: an update to an empty template),
        # or a cluster in a FAILED state: resource_by_refid finds nothing,
        # the job loads the cluster from its own row.
        stack = self.create(template(run_on=['signal'],
                                     configs={'PAUSE': 300}))
        self.signal(stack, {})
        execs = self.wait_for(stack, lambda e: e and
                              e[0]['status'] == 'RUNNING')
        self.patchobject(parser.Stack, 'resource_by_refid',
                         return_value=None)
        stack = self.reload(stack)
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state)
        directory = os.path.dirname(execs[0]['log_path'])
        self.assertFalse(jobs.probe(self.node, [directory])[directory]
                         .exists)
        self.assertEqual([], sshhosts_processes_with(directory))

    def test_delete_goes_on_when_the_cluster_is_gone(self):
        stack = self.create(template(run_on=['signal'],
                                     configs={'PAUSE': 300}))
        self.signal(stack, {})
        execs = self.wait_for(stack, lambda e: e and
                              e[0]['status'] == 'RUNNING')
        self.access_mock.return_value = None
        events = self.patchobject(job_mod.SavannaJob, '_add_event',
                                  autospec=True)
        stack = self.reload(stack)
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state)
        reasons = [c.args[3] for c in events.call_args_list]
        self.assertIn('job executions not stopped: cluster cluster has no '
                      'nodes to run the job on', reasons)
        # (the simulated cluster is still here: clean up after the test)
        jobs.kill(self.node, [os.path.dirname(execs[0]['log_path'])])

    # -- an engine that went away ---------------------------------------------
    def _interrupted_create(self, tpl, die_in):
        stack = utils.parse_stack(tpl)
        stack.store()
        cluster_rsrc = stack['cluster']
        scheduler.TaskRunner(cluster_rsrc.create)()
        # as Stack.create does after each resource: the job's get_resource
        # now resolves to the cluster's reference id
        stk_defn.update_resource_data(stack.defn, 'cluster',
                                      cluster_rsrc.node_data())
        with mock.patch.object(*die_in, side_effect=EngineDied):
            self.assertRaises(EngineDied,
                              scheduler.TaskRunner(stack['job'].create))
        # A killed engine leaves the resource IN_PROGRESS (here Heat's
        # own BaseException handler marks it "aborted" first); the stack
        # is marked FAILED, and a new traversal that finds the dead
        # engine's lock marks the resource so:
        stack = self.reload(stack)
        rsrc = stack['job']
        self.assertEqual(rsrc.CREATE, rsrc.action)
        rsrc.state_set(rsrc.CREATE, rsrc.FAILED,
                       'Worker went down during resource CREATE')
        stack.state_set(stack.CREATE, stack.FAILED,
                        'Engine went down during stack CREATE')
        return stack

    def _update_existing(self, stack):
        """``stack update --existing``: the same template again (on the
        stack object that knows its state: the legacy path stores a CREATE
        state only when the stack lock is released)."""
        same = parser.Stack(stack.context, stack.name,
                            stack.t.__class__(copy.deepcopy(stack.t.t)))
        stack.update(same)
        return stack

    def test_update_picks_up_the_execution_of_a_dead_engine(self):
        tpl = template(configs={'PAUSE': 3})
        stack = self._interrupted_create(
            tpl, (job_mod.SavannaJob, 'check_create_complete'))
        [running] = self.attrs(stack, 'executions')['executions']
        self.assertEqual('RUNNING', running['status'])
        stack = self._update_existing(stack)
        rsrc = stack['job']
        self.assertEqual((rsrc.UPDATE, rsrc.COMPLETE), rsrc.state)
        [done] = self.attrs(stack, 'executions')['executions']
        self.assertEqual((running['id'], 'SUCCEEDED'),
                         (done['id'], done['status']))
        # one execution ran: one directory on the master
        root = os.path.dirname(os.path.dirname(done['log_path']))
        listing = self.node.run('ls ' + root, sudo=True).stdout.split()
        self.assertEqual([done['id']], listing)

    def test_update_launches_an_execution_recorded_but_never_launched(self):
        stack = self._interrupted_create(
            template(), (jobs, 'launch'))
        [pending] = self.attrs(stack, 'executions')['executions']
        self.assertEqual('PENDING', pending['status'])
        stack = self._update_existing(stack)
        [done] = self.attrs(stack, 'executions')['executions']
        self.assertEqual((pending['id'], 'SUCCEEDED', 'hello world\n'),
                         (done['id'], done['status'],
                          self.attrs(stack, 'output')['output']))

    def test_check_picks_up_the_execution_of_a_dead_engine(self):
        stack = self._interrupted_create(
            template(configs={'PAUSE': 2}),
            (job_mod.SavannaJob, 'check_create_complete'))
        rsrc = stack['job']
        scheduler.TaskRunner(rsrc.check)()
        self.assertEqual((rsrc.CHECK, rsrc.COMPLETE), rsrc.state)
        [done] = self.attrs(stack, 'executions')['executions']
        self.assertEqual(('create', 'SUCCEEDED'),
                         (done['trigger'], done['status']))
        self.assertIn('SUCCEEDED', rsrc.status_reason)

    def test_update_retries_a_failed_job_once(self):
        stack = self.create(template(configs={'CODE': 3}))
        stack = self._update_existing(stack)
        rsrc = stack['job']
        self.assertEqual((rsrc.UPDATE, rsrc.FAILED), rsrc.state)
        execs = self.attrs(stack, 'executions')['executions']
        self.assertEqual(['create', 'retry'], [e['trigger'] for e in execs])

    def test_update_changing_the_job_runs_it_again(self):
        stack = self.create(template())
        new = template(args=['update'])
        updated = parser.Stack(stack.context, stack.name,
                               stack.t.__class__(new))
        stack.update(updated)
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state)
        execs = self.attrs(stack, 'executions')['executions']
        self.assertEqual([('create', ['world']), ('update', ['update'])],
                         [(e['trigger'], e['args']) for e in execs])


def remote_pins(host):
    from heat_savanna import remote
    return remote.parse_console_host_keys(host.console_output())


def sshhosts_processes_with(text):
    """Pids on this machine whose command line mentions ``text``."""
    found = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                if text.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


class ValidateTest(common.HeatTestCase):
    """Bad job definitions are refused at validate, naming the property."""

    def setUp(self):
        super(ValidateTest, self).setUp()
        for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                           neutron_constraints.NetworkConstraint):
            self.patchobject(constraint, 'validate', return_value=True)
        self.patchobject(cluster.SavannaCluster, 'validate_nested_stack')

    def check(self, tpl, message):
        stack = utils.parse_stack(tpl)
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn(message, str(err))

    def test_valid(self):
        utils.parse_stack(template()).validate()

    def test_cluster_must_be_a_cluster_resource_of_the_stack(self):
        self.check(template(cluster='some-id'),
                   'Property cluster: must be {get_resource: NAME} of an '
                   'OS::Savanna::Cluster of this stack')
        tpl = template()
        tpl['resources']['other'] = {'type': 'OS::Heat::None'}
        tpl['resources']['job']['properties']['cluster'] = {
            'get_resource': 'other'}
        self.check(tpl, 'Property cluster: must be')

    def test_main_needs_exactly_one_source(self):
        self.check(template(main={}), 'Property main: give exactly one of '
                   'inline, url, path (got none)')
        self.check(template(main={'inline': 'x', 'path': '/x'}),
                   '(got inline, path)')
        self.check(template(main={'url': 'ftp://x'}), 'main.url')
        self.check(template(main={'path': 'x.py'}), 'main.path')

    def test_job_type_must_suit_the_plugin_and_its_program(self):
        self.check(template(type='mapreduce', main={'path': '/a.jar'}),
                   'Property type: the spark plugin runs spark and shell '
                   'jobs, not mapreduce')
        self.check(template(type='mapreduce', main={'inline': 'x'}),
                   'Property main.inline: a mapreduce job needs a jar')
        self.check(template(type='spark', main={'inline': 'x'},
                            main_class='Pi'),
                   'Property main_class: only a jar has a main class')

    def test_a_cluster_configured_by_the_agent_runs_no_job(self):
        tpl = template()
        tpl['resources']['cluster']['properties']['transport'] = \
            'heat-agent'
        self.check(tpl, 'Property cluster: OS::Savanna::Job runs jobs over '
                   'SSH and the cluster has transport heat-agent; give the '
                   'cluster transport ssh, or run the job as an '
                   'OS::Heat::SoftwareDeployment on the master')

    def test_configs_must_suit_the_job_type(self):
        self.check(template(configs={'not-an-env': 1}),
                   'Property configs.not-an-env: a shell job gets its '
                   'configs as environment variables')
        self.check(template(type='spark', main={'inline': 'x'},
                            configs={'a=b': 1}),
                   'Property configs.a=b: a config key has no "="')
        self.check(template(configs={'A': {'b': 1}}),
                   'Property configs.A: a value must be a string')

    def test_schema_is_described(self):
        cls = job_mod.SavannaJob
        for name, schema in cls.properties_schema.items():
            self.assertTrue(schema.description, name)
            for sub, sub_schema in (schema.schema or {}).items():
                if sub != '*':
                    self.assertTrue(sub_schema.description, sub)
        self.assertEqual(set(cls.PROPERTIES), set(cls.properties_schema))
        self.assertTrue(set(cls.ATTRIBUTES) <= set(cls.attributes_schema))

