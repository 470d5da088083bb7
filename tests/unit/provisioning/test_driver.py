"""StepRunner: one bounded piece of work per advance(), failures per node."""

import pytest

from heat_savanna.common import exceptions
from heat_savanna.plugins import base
from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult
from tests.unit.provisioning import judges


def node(name):
    return base.NodeInfo(name=name, group=name.rsplit('-', 1)[0],
                         processes=('worker',), management_ip='127.0.0.1',
                         internal_ip='127.0.0.1')


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_fanout_failure_excludes_node_from_later_steps():
    nodes = (node('w-0'), node('w-1'), node('w-2'))
    seen = []

    def configure(remote, n):
        if n.name == 'w-1':
            raise exceptions.RemoteCommandFailed(
                n.name, 'start worker', 1, 'java: not found')

    def start(remote, n):
        seen.append(n.name)

    runner = driver.StepRunner(
        [base.Step('configure', nodes, action=configure),
         base.Step('start', nodes, action=start)],
        remote_for=lambda n: None)
    assert not runner.advance()
    assert runner.progress().startswith('start (step 2/2)')
    assert runner.advance()
    assert sorted(seen) == ['w-0', 'w-2']
    failure = runner.failures['w-1']
    assert failure.phase == 'configure'
    assert 'exited 1' in failure.reason and 'java: not found' in failure.reason


def test_secrets_are_redacted_from_reasons():
    secret = 'hunter2-very-secret'

    def boom(remote, n):
        raise RuntimeError('password=%s rejected' % secret)

    runner = driver.StepRunner([base.Step('x', (node('w-0'),), action=boom)],
                               remote_for=lambda n: None, secrets=(secret,))
    runner.advance()
    assert secret not in runner.failures['w-0'].reason


class StatusRemote(object):
    """A node whose status command prints ``doc['text']`` and exits
    ``doc['code']`` (what the test sets), counting the fetches."""

    def __init__(self, doc, name='m-0'):
        self.doc, self.node_name, self.fetches = doc, name, []

    def run(self, command, timeout=None, check=True, input=None,
            sudo=False):
        self.fetches.append(command)
        if isinstance(self.doc.get('code'), Exception):
            raise self.doc['code']
        return CommandResult(self.doc.get('code', 0), self.doc['text'], '')


def listed_wait(master, judge=judges.lists, *extra, awaiting='not listed'):
    """Wait: the node is in the master's status (``judge``)."""
    def wait(n):
        return (base.Probe('cat status', judge, (n.name,) + extra, at=master,
                           awaiting=awaiting),)
    return wait


def test_wait_step_polls_until_done():
    clock = Clock()
    master = node('m-0')
    doc = {'text': ''}
    status = StatusRemote(doc)
    step = base.Step('wait', (node('w-0'), node('w-1')),
                     wait=listed_wait(master), timeout=60, poll_interval=2)
    runner = driver.StepRunner([step], remote_for=lambda n: status,
                               clock=clock)
    assert not runner.advance()          # first poll
    assert not runner.advance()          # too early: no poll
    assert len(status.fetches) == 1      # one fetch for both nodes
    assert runner.last_detail == '0/2 ready'
    doc['text'] = 'w-0 1\n'
    clock.now = 2.0
    assert not runner.advance()
    assert runner.last_detail == '1/2 ready'
    doc['text'] = 'w-0 1\nw-1 1\n'
    clock.now = 4.0
    assert runner.advance()
    assert runner.failures == {}
    assert status.fetches == ['cat status'] * 3


def test_wait_timeout_fails_only_the_awaited_nodes():
    clock = Clock()
    nodes = (node('w-0'), node('w-1'))
    status = StatusRemote({'text': 'w-0 1\n'})
    runner = driver.StepRunner(
        [base.Step('workers alive', nodes, wait=listed_wait(
            node('m-0'), awaiting='worker not registered'), timeout=10,
            poll_interval=1)], remote_for=lambda n: status, clock=clock)
    runner.advance()
    clock.now = 11
    assert runner.advance()
    assert list(runner.failures) == ['w-1']
    assert runner.failures['w-1'].reason == \
        'not ready after 10s: worker not registered'


def test_the_mark_is_the_judges_argument():
    # a node's mark (what its work printed first) is the judge's MARK
    clock = Clock()
    nodes = (node('w-0'), node('w-1'))
    marks = {'w-0': '5', 'w-1': '5'}
    status = StatusRemote({'text': 'w-0 7\nw-1 3\n'})
    runner = driver.StepRunner(
        [base.Step('restarted', nodes, wait=listed_wait(
            node('m-0'), judges.lists, base.MARK), marks=marks, timeout=10,
            poll_interval=1)], remote_for=lambda n: status, clock=clock)
    runner.advance()
    assert runner.last_detail == '1/2 ready'


def test_unreachable_status_is_not_fatal_by_itself():
    clock = Clock()
    doc = {'text': 'w-0 1\n', 'code': exceptions.RemoteError(
        'm-0', 'connection refused')}
    status = StatusRemote(doc)
    runner = driver.StepRunner(
        [base.Step('w', (node('w-0'),), wait=listed_wait(node('m-0')),
                   poll_interval=1)],
        remote_for=lambda n: status, clock=clock)
    assert not runner.advance()
    assert 'refused' in runner.last_detail
    doc['code'] = 0
    clock.now = 1
    assert runner.advance()
    assert runner.failures == {}


@pytest.mark.parametrize('code', [126, 127])
def test_probe_that_cannot_run_fails_its_nodes_at_once(code):
    clock = Clock()
    nodes = (node('m-0'), node('w-0'))
    status = StatusRemote({'text': '', 'code': code})
    later = []
    runner = driver.StepRunner(
        [base.Step('wait for namenode', (nodes[0],),
                   wait=listed_wait(nodes[0]), timeout=300, poll_interval=2),
         base.Step('start', nodes, action=lambda r, n: later.append(n.name))],
        remote_for=lambda n: status, clock=clock)
    assert not runner.advance()       # no waiting 300 s: failed at once
    assert list(runner.failures) == ['m-0']
    failure = runner.failures['m-0']
    assert failure.phase == 'wait for namenode'
    assert failure.reason == \
        "the probe 'cat status' cannot run (exit %d)" % code
    assert runner.advance() and later == ['w-0']


def test_other_fetch_exit_codes_are_not_ready_yet():
    clock = Clock()
    status = StatusRemote({'text': 'w-0 1\n', 'code': 1})
    runner = driver.StepRunner(
        [base.Step('w', (node('w-0'),), wait=listed_wait(node('m-0')),
                   timeout=10, poll_interval=1)],
        remote_for=lambda n: status, clock=clock)
    assert not runner.advance()
    assert runner.failures == {}
    assert 'status not readable on m-0 (exit 1)' in runner.last_detail
    clock.now = 11
    assert runner.advance() and list(runner.failures) == ['w-0']


def test_a_probe_without_judge_waits_for_the_fetch_to_succeed():
    clock = Clock()
    doc = {'text': '', 'code': 255}
    status = StatusRemote(doc)
    master = node('m-0')
    probe = base.Probe('hdfs dfsadmin -report', at=master)
    runner = driver.StepRunner(
        [base.Step('w', (master,), wait=lambda n: (probe,), poll_interval=1)],
        remote_for=lambda n: status, clock=clock)
    assert not runner.advance()
    doc['code'] = 0
    clock.now = 1
    assert runner.advance() and runner.failures == {}


def test_wait_step_of_failed_nodes_is_skipped():
    status = StatusRemote({'text': ''})

    def boom(remote, n):
        raise RuntimeError('no image')

    runner = driver.StepRunner(
        [base.Step('configure', (node('m-0'),), action=boom),
         base.Step('wait', (node('m-0'),), wait=listed_wait(node('m-0')),
                   timeout=300)],
        remote_for=lambda n: status, clock=Clock())
    runner.advance()
    assert runner.advance()
    assert status.fetches == []


def test_should_stop_ends_the_run_with_the_reason():
    nodes = (node('m-0'), node('w-0'))
    ran, seen = [], []

    def image(remote, n):
        if n.name == 'm-0':
            raise RuntimeError('image has no Hadoop')

    def should_stop(failures):
        seen.append(sorted(failures))
        if 'm-0' in failures:
            return 'm-0 (namenode) failed'
        return None

    runner = driver.StepRunner(
        [base.Step('check image', nodes, action=image),
         base.Step('configure', nodes, action=lambda r, n: ran.append(n))],
        remote_for=lambda n: None, should_stop=should_stop)
    assert runner.advance()           # stopped after the first step
    assert runner.done and runner.aborted == 'm-0 (namenode) failed'
    assert ran == [] and seen == [['m-0']]
    assert runner.progress() == 'stopped: m-0 (namenode) failed'
    assert runner.advance()           # stays done


def test_should_stop_none_lets_the_run_go_on():
    runner = driver.StepRunner(
        [base.Step('a', (node('w-0'),), action=lambda r, n: None),
         base.Step('b', (node('w-0'),), action=lambda r, n: None)],
        remote_for=lambda n: None, should_stop=lambda failures: None)
    assert not runner.advance()
    assert runner.advance() and runner.aborted is None


def test_a_step_that_may_run_out_of_time_goes_on_failing_no_one():
    # a drain past its timeout: over SSH as on the agent, the run goes on
    # to the next step (stopping the workers) and fails no node
    clock = Clock()
    nodes = (node('w-0'), node('w-1'))
    status = StatusRemote({'text': 'w-0 1\nw-1 1\n'})
    ran = []
    runner = driver.StepRunner(
        [base.Step('drain', nodes, wait=listed_wait(
            node('m-0'), judges.unlisted), timeout=10, poll_interval=1,
            fail_on_timeout=False),
         base.Step('stop', nodes, action=lambda r, n: ran.append(n.name))],
        remote_for=lambda n: status, clock=clock)
    runner.advance()
    clock.now = 11
    runner.advance()
    assert runner.failures == {}
    assert runner.advance()
    assert sorted(ran) == ['w-0', 'w-1']
