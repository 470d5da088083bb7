"""AgentRun: the plugin's steps as one round of software deployments,
and what the nodes' agents signalled read back as node failures."""

from unittest import mock

from heat_savanna.core import layout as layout_mod
from heat_savanna.plugins import base
from heat_savanna.resources import deploy
from heat_savanna.resources import infra
from heat_savanna.resources import nested


def node(name):
    return base.NodeInfo(name, 'worker', ('worker',), '10.0.0.9',
                         '10.0.0.9')


NODES = (node('worker-0'), node('worker-1'), node('worker-2'))
STEPS = [
    base.Step('configure', nodes=NODES, work=lambda n: base.NodeWork(
        commands=('true',), timeout=100)),
    base.Step('start', nodes=NODES[:2], work=lambda n: base.NodeWork(
        commands=('start-it',), timeout=50)),
]


class FakeContext(object):
    def __init__(self):
        self.rsrc = mock.Mock(resource_id='nested', UPDATE='UPDATE',
                              IN_PROGRESS='IN_PROGRESS')
        self.rsrc.name = 'cluster'
        names = ['worker-0', 'worker-1', 'worker-2']
        self.layout = layout_mod.Layout.from_dict({
            'groups': [{'name': 'worker', 'nodes': names,
                        'next_index': 3}],
            'sets': [{'name': n, 'group': 'worker', 'nodes': [n]}
                     for n in names]})
        self.templates = []

    def current_deployments(self):
        return {'master-0': {'script': 'old', 'round': 1}}

    def deploy_template(self, deployments, timeout):
        self.templates.append((deployments, timeout))
        return {'t': 1}


def record(status, code=None, stdout='', stderr='', round_=None):
    return {'state': 'BUILT', 'deployment': {
        'round': round_, 'status': status, 'status_code': code,
        'stdout': stdout, 'stderr': stderr}}


def test_one_round_then_failures_as_the_ssh_runner_reports_them():
    op = FakeContext()
    spec = mock.Mock()
    spec.name = 'c'
    run = deploy.AgentRun(op, STEPS, spec, secrets=('s3cret',))
    assert sorted(run.scripts) == ['worker-0', 'worker-1', 'worker-2']
    assert run.advance() is False
    deployments, timeout = op.templates[0]
    # the nodes of this round get scripts; the others keep theirs
    assert deployments['master-0'] == {'script': 'old', 'round': 1}
    assert deployments['worker-1']['round'] == run.round
    assert 'start-it' in deployments['worker-1']['script']
    assert 'start-it' not in deployments['worker-2']['script']
    assert timeout == 100 + 50 + deploy.CONF.savanna.agent_signal_allowance
    op.rsrc.update_with_template.assert_called_once_with({'t': 1}, {})
    marker = '=== heat-savanna step: start\n'
    builds = infra.Builds(records={
        'worker-0': record('COMPLETE', 0, round_=run.round),
        'worker-1': record('FAILED', 4, stdout=marker,
                           stderr=marker + 'no s3cret here\n',
                           round_=run.round),
        # silent this round: its output is the last round's (another
        # run's step), which must not name the phase
        'worker-2': record('IN_PROGRESS', round_=run.round, stdout=(
            '=== heat-savanna step: stop the auto-heal watchdog\n')),
    }, flat=[], shared_failures=[])
    with mock.patch.object(nested, 'stack_status', return_value=nested.
                           StackStatus('UPDATE', 'IN_PROGRESS', '')):
        assert run.advance() is False
    with mock.patch.object(nested, 'stack_status', return_value=nested.
                           StackStatus('UPDATE', 'COMPLETE', '')), \
            mock.patch.object(infra, 'read', return_value=builds):
        assert run.advance() is True
    assert run.done and run.remotes == {}
    failures = {n: (f.phase, f.reason) for n, f in run.failures.items()}
    assert failures['worker-1'] == ('start', 'exited 4: no *** here')
    assert failures['worker-2'][0] == 'deploy'
    assert 'no signal' in failures['worker-2'][1]
    assert 'worker-0' not in failures


def test_nothing_to_do_is_done_at_once():
    op = FakeContext()
    spec = mock.Mock()
    spec.name = 'c'
    run = deploy.AgentRun(op, [], spec)
    assert run.done and run.advance() is True
    assert op.templates == []


def deployment(server, round_, status, code=None, stdout='', stderr=''):
    return {'id': 'sd-' + server, 'server_id': server, 'status': status,
            'input_values': {'savanna_round': round_},
            'output_values': {'deploy_status_code': code,
                              'deploy_stdout': stdout,
                              'deploy_stderr': stderr}}


class Clock(object):
    now = 0.0

    def __call__(self):
        return self.now


def test_a_round_stops_early_when_the_cluster_cannot_be_usable():
    # as the SSH runner does: worker-0's script failed and the lifecycle
    # says the cluster cannot live without it: the run ends at once and
    # the deployments still running are signalled as stopped
    op = FakeContext()
    op.state = {'nodes': {n.name: {'server_id': 'srv-' + n.name}
                          for n in NODES}}
    spec = mock.Mock()
    spec.name = 'c'
    asked, clock = [], Clock()

    def should_stop(failures):
        asked.append(sorted(failures))
        return 'worker-0 failed' if 'worker-0' in failures else None
    run = deploy.AgentRun(op, STEPS, spec, clock=clock,
                          should_stop=should_stop)
    run.advance()
    rpc = op.rsrc.rpc_client.return_value
    marker = '=== heat-savanna step: configure\n'
    failed_line = '=== heat-savanna failed: 0 9\n'
    listed = [
        deployment('srv-worker-0', run.round, 'IN_PROGRESS'),
        deployment('srv-worker-1', run.round, 'IN_PROGRESS'),
        deployment('srv-worker-2', run.round - 1, 'FAILED', 3),  # old round
        deployment('srv-other', run.round, 'FAILED', 3),   # not ours
    ]
    rpc.list_software_deployments.return_value = listed
    in_progress = mock.patch.object(
        nested, 'stack_status', return_value=nested.StackStatus(
            'UPDATE', 'IN_PROGRESS', ''))
    with in_progress:
        assert run.advance() is False      # nothing failed: goes on
        assert asked == []
        listed[0] = deployment('srv-worker-0', run.round, 'FAILED', 9,
                               marker, marker + 'disk\n' + failed_line)
        assert run.advance() is False      # too early for another look
        clock.now = deploy.EARLY_LOOK
        assert run.advance() is True
    assert run.aborted == 'worker-0 failed'
    assert {n: (f.phase, f.reason) for n, f in run.failures.items()} == {
        'worker-0': ('configure', "command 'true' exited 9: disk")}
    signalled = rpc.signal_software_deployment.call_args_list
    assert [c.args[1] for c in signalled] == ['sd-srv-worker-1']
    assert signalled[0].args[2]['deploy_status_code'] == 'stopped'
    assert 'worker-0 failed' in signalled[0].args[2]['deploy_stderr']
