"""OS::Savanna::Job's handlers on Heat's in-process harness, against a
real master (:mod:`tests.unit.resources.job_harness`): create, signals,
update and validate.
"""

import json
import os
import time

from heat.common import exception
from heat.engine import stack as parser
from heat.objects import event as event_object
from heat.objects import resource_data as resource_data_objects
from heat.tests import common
from heat.tests import utils

from heat_savanna import cli
from heat_savanna.resources import cluster
from heat_savanna.resources import job as job_mod
from tests.unit.remote import sshhosts
from tests.unit.resources import harness
from tests.unit.resources.job_harness import JobTestCase
from tests.unit.resources.job_harness import template


@sshhosts.requires_sshd
class JobTest(JobTestCase):

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
        # the reason ends with what the job said on stderr
        self.assertIn('output: giving up with 3', rsrc.status_reason)
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE),
                         stack['cluster'].state)
        self.assertEqual('FAILED', self.attrs(stack, 'status')['status'])

    def test_on_failure_continue_records_the_failure_and_goes_on(self):
        stack = self.create(template(configs={'CODE': 3},
                                     on_failure='continue'))
        rsrc = stack['job']
        self.assertEqual((rsrc.CREATE, rsrc.COMPLETE), rsrc.state)
        self.assertIn('FAILED: exit code 3', rsrc.status_reason)
        got = self.attrs(stack, 'status', 'exit_code', 'output',
                         'error_output')
        self.assertEqual({'status': 'FAILED', 'exit_code': 3,
                          'output': 'hello world\n',
                          'error_output': 'giving up with 3\n'}, got)

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

    # -- update -------------------------------------------------------------
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


class ValidateTest(common.HeatTestCase):
    """Bad job definitions are refused at validate, naming the property."""

    def setUp(self):
        super(ValidateTest, self).setUp()
        harness.stub_cloud_lookups(self)
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

    def test_a_cluster_configured_by_the_agent_runs_jobs_too(self):
        tpl = template()
        tpl['resources']['cluster']['properties']['transport'] = \
            'heat-agent'
        utils.parse_stack(tpl).validate()

    def test_configs_must_suit_the_job_type(self):
        self.check(template(configs={'not-an-env': 1}),
                   'Property configs.not-an-env: a shell job gets its '
                   'configs as environment variables')
        self.check(template(type='spark', main={'inline': 'x'},
                            configs={'a=b': 1}),
                   'Property configs.a=b: a config key has no "="')
        self.check(template(configs={'A': {'b': 1}}),
                   'Property configs.A: a value must be a string')

    def test_heat_savanna_validate_gives_the_same_verdict(self):
        no_main = template()
        del no_main['resources']['job']['properties']['main']
        agent = template()
        agent['resources']['cluster']['properties']['transport'] = \
            'heat-agent'
        cases = [template(), template(type='pig'), template(main={}),
                 no_main, template(cluster='some-id'), agent,
                 template(type='mapreduce', main={'path': '/a.jar'}),
                 template(configs={'not-an-env': 1}, main={})]
        for tpl in cases:
            try:
                utils.parse_stack(tpl).validate()
                engine = None
            except exception.StackValidationFailed as exc:
                engine = str(exc)
            _specs, messages = cli.check_text(json.dumps(tpl), {})
            if engine is None:
                self.assertEqual([], messages)
                continue
            self.assertTrue(messages, engine)
            for message in messages:
                self.assertTrue(message.startswith('job: '), message)
                self.assertIn(message[len('job: '):], engine)

    def test_schema_is_described(self):
        cls = job_mod.SavannaJob
        for name, schema in cls.properties_schema.items():
            self.assertTrue(schema.description, name)
            for sub, sub_schema in (schema.schema or {}).items():
                if sub != '*':
                    self.assertTrue(sub_schema.description, sub)
        self.assertEqual(set(cls.PROPERTIES), set(cls.properties_schema))
        self.assertTrue(set(cls.ATTRIBUTES) <= set(cls.attributes_schema))
