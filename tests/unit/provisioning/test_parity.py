"""The same steps through both transports, on the same nodes, end the same.

The nodes are this machine's shell: over SSH the step runner runs each
command through a remote that runs it with bash here; with the agent each
node's script runs with bash here, all at once, as the nodes' agents
would. The status a wait reads is a file the nodes write. Which nodes
fail, in which step and for which reason must be the same, word for word.
"""

import concurrent.futures
import subprocess

from heat_savanna.common import exceptions
from heat_savanna.plugins import base
from heat_savanna.provisioning import agent
from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult
from tests.unit.provisioning import judges


class ShellRemote(object):
    """A node whose commands run with bash on this machine."""

    def __init__(self, name):
        self.node_name = name

    def run(self, command, timeout=None, check=True, input=None,
            sudo=False):
        try:
            done = subprocess.run(['bash', '-c', command], input=input,
                                  capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            raise exceptions.RemoteTimeout(
                self.node_name, 'command timed out after %ss' % timeout)
        if check and done.returncode:
            raise exceptions.RemoteCommandFailed(
                self.node_name, command, done.returncode, done.stderr)
        return CommandResult(done.returncode, done.stdout, done.stderr)


def node(name, processes=('worker',)):
    return base.NodeInfo(name, name.split('-')[0], tuple(processes),
                         '127.0.0.1', '127.0.0.1')


def cluster_steps(status):
    """A master and four workers: worker-1's configuration fails with a
    message, worker-2 never registers, worker-3's start hangs past its
    limit, worker-4's start fails in the plugin's own words."""
    master = node('master-0', ('master',))
    workers = tuple(node('worker-%d' % i) for i in range(5))
    nodes = (master,) + workers

    def configure(n):
        if n.name == 'worker-1':
            return base.NodeWork(commands=('echo disk full >&2; exit 4',))
        return base.NodeWork(commands=('echo configured %s' % n.name,))

    def start(n):
        register = 'echo "%s $(cat %s.clock)" >> %s' % (
            n.name, status, status)
        commands = {'worker-2': 'true', 'worker-3': 'sleep 5',
                    'worker-4': 'echo no java; exit 3'}
        return base.NodeWork(
            mark='cat %s.clock' % status,
            commands=(commands.get(n.name, register),), timeout=2,
            explain=lambda code, out: 'the image has %s' % out.strip()
            if code == 3 else None)

    def registered(n):
        return (base.Probe('cat %s' % status, judges.lists,
                           (n.name, base.MARK), at=master,
                           awaiting='worker not registered'),)
    marks = {}
    return [
        base.Step('configure', nodes=nodes, work=configure),
        base.Step('start workers', nodes=workers, work=start, marks=marks),
        base.Step('wait for workers', nodes=workers, wait=registered,
                  marks=marks, timeout=3, poll_interval=1),
        base.Step('after', nodes=(master,), work=lambda n: base.NodeWork(
            commands=('echo all done',))),
    ]


def over_ssh(steps):
    remotes = {}
    runner = driver.StepRunner(
        steps, lambda n: remotes.setdefault(n.name, ShellRemote(n.name)))
    while not runner.advance():
        pass
    return {name: (f.phase, f.reason) for name, f in runner.failures.items()}


def by_agents(steps):
    scripts = agent.scripts(steps, 'parity')

    def run(script):
        return subprocess.run(['bash', '-c', script], capture_output=True,
                              text=True, timeout=60)
    with concurrent.futures.ThreadPoolExecutor(len(scripts)) as pool:
        done = dict(zip(scripts, pool.map(run, scripts.values())))
    return {name: agent.failure(steps, name, d.returncode, d.stdout,
                                d.stderr)
            for name, d in done.items() if d.returncode}


def test_both_transports_fail_the_same_nodes_for_the_same_reasons(tmp_path):
    outcomes = []
    for run in (over_ssh, by_agents):
        status = tmp_path / ('status-%s' % run.__name__)
        status.write_text('')
        (tmp_path / ('status-%s.clock' % run.__name__)).write_text('5\n')
        outcomes.append(run(cluster_steps(status)))
    ssh, agents = outcomes
    assert ssh == {
        'worker-1': ('configure',
                     "command 'echo disk full >&2; exit 4' exited 4: "
                     "disk full"),
        'worker-2': ('wait for workers',
                     'not ready after 3s: worker not registered'),
        'worker-3': ('start workers',
                     "command 'sleep 5' timed out after 2s"),
        'worker-4': ('start workers', 'the image has no java'),
    }
    assert agents == ssh


def test_a_probe_that_cannot_run_fails_the_same_way(tmp_path):
    workers = (node('worker-0'),)
    probe = base.Probe('no-such-status-command', judges.lists,
                       ('worker-0',), awaiting='worker not registered')
    steps = [base.Step('wait', nodes=workers, wait=lambda n: (probe,),
                       timeout=60, poll_interval=1)]
    ssh, agents = over_ssh(steps), by_agents(steps)
    assert ssh == {'worker-0': (
        'wait', "the probe 'no-such-status-command' cannot run (exit 127)")}
    assert agents == ssh
