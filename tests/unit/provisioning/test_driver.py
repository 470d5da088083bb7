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
