"""StepRunner: one bounded piece of work per advance(), failures per node."""

from heat_savanna.common import exceptions
from heat_savanna.plugins import base
from heat_savanna.provisioning import driver


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


def test_wait_step_polls_until_done():
    clock = Clock()
    calls = []

    def check(remotes):
        calls.append(clock.now)
        return (len(calls) >= 3, 'waiting %d' % len(calls))

    step = base.Step('wait', (node('m-0'),), check=check, timeout=60,
                     poll_interval=2)
    runner = driver.StepRunner([step], remote_for=None, clock=clock)
    assert not runner.advance()          # first poll
    assert not runner.advance()          # too early: no poll
    assert len(calls) == 1
    clock.now = 2.0
    assert not runner.advance()
    clock.now = 4.0
    assert runner.advance()
    assert runner.failures == {}


def test_wait_timeout_fails_only_named_nodes():
    clock = Clock()
    nodes = (node('w-0'), node('w-1'))

    def check(remotes):
        return (False, '1/2 workers alive', {'w-1': 'not registered'})

    runner = driver.StepRunner(
        [base.Step('workers alive', nodes, check=check, timeout=10,
                   poll_interval=1)], remote_for=None, clock=clock)
    runner.advance()
    clock.now = 11
    assert runner.advance()
    assert list(runner.failures) == ['w-1']
    assert 'not registered' in runner.failures['w-1'].reason


def test_wait_done_with_named_failures():
    def check(remotes):
        return (True, 'ok', {'w-0': 'never registered'})

    runner = driver.StepRunner(
        [base.Step('w', (node('w-0'), node('w-1')), check=check)],
        remote_for=None)
    assert runner.advance()
    assert list(runner.failures) == ['w-0']


def test_probe_exception_is_not_fatal_by_itself():
    clock = Clock()
    state = {'n': 0}

    def check(remotes):
        state['n'] += 1
        if state['n'] == 1:
            raise ConnectionError('refused')
        return (True, 'up')

    runner = driver.StepRunner(
        [base.Step('w', (node('m-0'),), check=check, poll_interval=1)],
        remote_for=None, clock=clock)
    assert not runner.advance()
    assert 'refused' in runner.last_detail
    clock.now = 1
    assert runner.advance()
    assert runner.failures == {}


def test_probe_that_cannot_run_fails_the_node_at_once():
    clock = Clock()
    nodes = (node('m-0'), node('w-0'))

    def check(remotes):
        raise exceptions.RemoteCommandFailed(
            'm-0', 'hdfs dfsadmin -report', 127, 'hdfs: not found')

    later = []
    runner = driver.StepRunner(
        [base.Step('wait for namenode', (nodes[0],), check=check,
                   timeout=300, poll_interval=2),
         base.Step('start', nodes, action=lambda r, n: later.append(n.name))],
        remote_for=lambda n: None, clock=clock)
    assert not runner.advance()       # no waiting 300 s: failed at once
    assert list(runner.failures) == ['m-0']
    failure = runner.failures['m-0']
    assert failure.phase == 'wait for namenode'
    assert 'exited 127' in failure.reason and 'not found' in failure.reason
    assert runner.advance() and later == ['w-0']


def test_probe_exit_126_on_an_unknown_node_fails_the_step_nodes():
    def check(remotes):
        raise exceptions.RemoteCommandFailed('?', 'x', 126, 'denied')

    runner = driver.StepRunner(
        [base.Step('w', (node('w-0'), node('w-1')), check=check)],
        remote_for=None, clock=Clock())
    assert runner.advance()
    assert sorted(runner.failures) == ['w-0', 'w-1']


def test_other_probe_exit_codes_are_not_ready_yet():
    clock = Clock()

    def check(remotes):
        raise exceptions.RemoteCommandFailed('m-0', 'x', 1, 'refused')

    runner = driver.StepRunner(
        [base.Step('w', (node('m-0'),), check=check, timeout=10,
                   poll_interval=1)], remote_for=None, clock=clock)
    assert not runner.advance()
    assert runner.failures == {}
    clock.now = 11
    assert runner.advance() and list(runner.failures) == ['m-0']


def test_wait_step_of_failed_nodes_is_skipped():
    calls = []

    def boom(remote, n):
        raise RuntimeError('no image')

    runner = driver.StepRunner(
        [base.Step('configure', (node('m-0'),), action=boom),
         base.Step('wait', (node('m-0'),), check=lambda r: calls.append(1),
                   timeout=300)],
        remote_for=lambda n: None, clock=Clock())
    runner.advance()
    assert runner.advance()
    assert calls == []


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

    def check(remotes):
        return (False, 'master status page not answering (exit 7)')

    ran = []
    runner = driver.StepRunner(
        [base.Step('drain', nodes, check=check, timeout=10,
                   poll_interval=1, fail_on_timeout=False),
         base.Step('stop', nodes, action=lambda r, n: ran.append(n.name))],
        remote_for=lambda n: None, clock=clock)
    runner.advance()
    clock.now = 11
    runner.advance()
    assert runner.failures == {}
    assert runner.advance()
    assert sorted(ran) == ['w-0', 'w-1']
