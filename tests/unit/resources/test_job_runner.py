"""What the job does on its cluster's master
(heat_savanna.resources.job_runner): stopping on delete, with the kill
escalation, finding the cluster, picking up the work of an engine that
went away. On Heat's in-process harness against a real master
(:mod:`tests.unit.resources.job_harness`), and unit tests of its parts.
"""

import os
import types
from unittest import mock

import pytest

from heat.common import exception
from heat.engine import scheduler
from heat.engine import stack as parser

from heat_savanna.provisioning import jobs
from heat_savanna.resources import job as job_mod
from heat_savanna.resources import job_runner
from tests.unit.remote import sshhosts
from tests.unit.resources.job_harness import JobTestCase
from tests.unit.resources.job_harness import sshhosts_processes_with
from tests.unit.resources.job_harness import template


@sshhosts.requires_sshd
class RunnerTest(JobTestCase):

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


# -- the parts, without a master ----------------------------------------------
class FakeRecords(object):
    def __init__(self, *records, awaited=None):
        self.by_id = {r['id']: r for r in records}
        self.awaited = awaited

    def all(self):
        return sorted(self.by_id.values(), key=lambda r: r['id'])

    def save(self, record):
        self.by_id[record['id']] = record
        return record

    def awaited_id(self):
        return self.awaited

    def set_awaited(self, execution_id):
        self.awaited = execution_id


def record(execution_id, status=jobs.RUNNING, timeout=60):
    return dict(jobs.new_record(execution_id, 'signal', [], {},
                                '/w/job/' + execution_id, timeout,
                                '2026-12-01T10:00:00Z'), status=status)


def fake_job(cluster_ref=None):
    snippet = {'properties': {'cluster': cluster_ref}}
    return types.SimpleNamespace(
        name='job', resource_id='job-id', properties={},
        t=types.SimpleNamespace(render_hot=lambda: snippet))


def test_master_remote_is_the_accesss_session_to_the_master():
    access = mock.Mock()
    master = job_runner.Master(access, 'master-0')
    assert master.remote(connect_retries=2) is access.remote_for.return_value
    access.remote_for.assert_called_once_with('master-0', connect_retries=2)


def test_master_says_why_the_job_cannot_run():
    runner = job_runner.Runner(fake_job({'get_resource': 'c'}),
                               FakeRecords())
    with mock.patch.object(runner, 'cluster', return_value=None):
        with pytest.raises(exception.Error,
                           match='cluster c has no nodes to run the job'):
            runner.master()
    cluster = mock.Mock()
    cluster.access.return_value.master.return_value = None
    with mock.patch.object(runner, 'cluster', return_value=cluster):
        with pytest.raises(exception.Error,
                           match='cluster c has no live master node'):
            runner.master()
        cluster.access.return_value.master.return_value = 'm'
        assert runner.master() == job_runner.Master(
            cluster.access.return_value, 'm')


def test_an_unreachable_master_leaves_the_records_as_they_were():
    records = FakeRecords(record('1'), record('2', jobs.SUCCEEDED))
    runner = job_runner.Runner(fake_job(), records)
    with mock.patch.object(runner, 'master',
                           side_effect=exception.Error('gone')):
        assert runner.refresh() == records.all()
        with pytest.raises(exception.Error):
            runner.stop(records.all()[:1])
        # nothing to stop: the master is not even looked for
        assert runner.stop([]) == []


def test_the_awaited_execution_is_looked_at_once_per_poll_interval():
    records = FakeRecords(record('1', timeout=1))
    runner = job_runner.Runner(fake_job(), records)
    cookie = runner.await_(records.by_id['1'], 'fail')
    assert records.awaited == '1'
    with mock.patch.object(runner, 'refresh',
                           return_value=records.all()) as refresh, \
            mock.patch.object(runner, 'stop') as stop:
        assert runner.look_awaited(cookie)['id'] == '1'
        assert runner.look_awaited(cookie) is None     # not due yet
        assert refresh.call_count == 1
        stop.assert_not_called()
        # past its deadline (the master's own timeout failed): stopped
        cookie.update(next_look=0, deadline=0)
        runner.look_awaited(cookie)
        stop.assert_called_once_with([records.by_id['1']])
        assert cookie['deadline'] > 0
        cookie.update(next_look=0, awaited='gone')
        with pytest.raises(exception.Error, match='no longer recorded'):
            runner.look_awaited(cookie)


def test_kill_escalation_on_delete():
    cookie = {'dirs': ['/w/job/1'], 'forced': False}
    alive = {'/w/job/1': jobs.Probe(exists=True, pid=7, procs=2)}
    gone = {'/w/job/1': jobs.Probe(exists=True, pid=7, procs=0)}
    node = object()
    with mock.patch.object(jobs, 'probe', return_value=alive), \
            mock.patch.object(jobs, 'force_kill') as force_kill:
        # within the grace the TERM is given its time
        assert not job_runner.Runner._killed(node, cookie, 1)
        force_kill.assert_not_called()
        # then KILL, once
        assert not job_runner.Runner._killed(
            node, cookie, jobs.KILL_GRACE + 6)
        assert not job_runner.Runner._killed(
            node, cookie, jobs.KILL_GRACE + 7)
        force_kill.assert_called_once_with(node, ['/w/job/1'])
        # a process that survives KILL for a minute fails the delete
        with pytest.raises(exception.Error, match='after SIGKILL'):
            job_runner.Runner._killed(node, cookie, jobs.KILL_GRACE + 61)
    with mock.patch.object(jobs, 'probe', return_value=gone):
        assert job_runner.Runner._killed(node, cookie, 1)


def test_delete_wait_ends_when_the_cluster_went():
    runner = job_runner.Runner(fake_job(), FakeRecords())
    cookie = {'dirs': [], 'job_dirs': ['/w/job'], 'next_look': 0,
              'started': 0, 'forced': False}
    with mock.patch.object(runner, 'master',
                           side_effect=exception.Error('gone')):
        assert runner.check_delete(cookie)
    cookie['next_look'] = float('inf')
    assert not runner.check_delete(cookie)
