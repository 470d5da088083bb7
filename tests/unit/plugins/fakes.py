"""Test doubles for plugin tests: a cluster *definition* (ClusterSpecView),
a remote that records what a plugin does and answers scripted outputs,
and :func:`drive`, which runs steps with the real StepRunner."""

import dataclasses
import os
import threading
import time

from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'fixtures')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


@dataclasses.dataclass
class Group:
    name: str
    count: int
    node_processes: tuple
    min_active: int = None
    node_configs: dict = None
    volumes_per_node: int = 0


@dataclasses.dataclass
class Spec:
    node_groups: tuple
    plugin_name: str = 'spark'
    plugin_version: str = '4.3.0'
    name: str = 'c'
    cluster_configs: dict = None
    anti_affinity: tuple = ()


def user_errors(cluster):
    """Every ValidationError a user sees for the definition ``cluster`` (a
    :class:`Spec`): the core's cluster rules and the real plugin's own,
    through :func:`heat_savanna.core.validation.check`."""
    from heat_savanna.common.exceptions import InvalidCluster
    from heat_savanna.core import validation
    props = {
        'name': cluster.name, 'plugin_name': cluster.plugin_name,
        'plugin_version': cluster.plugin_version, 'image': 'img',
        'flavor': 'm1.small', 'management_network': 'private',
        'anti_affinity': list(cluster.anti_affinity),
        'cluster_configs': cluster.cluster_configs or {},
        'node_groups': [{'name': g.name, 'count': g.count,
                         'node_processes': list(g.node_processes),
                         'node_configs': g.node_configs or {},
                         'volumes_per_node': g.volumes_per_node}
                        for g in cluster.node_groups]}
    try:
        validation.check(props)
    except InvalidCluster as exc:
        return list(exc.errors)
    return []


class Journal(object):
    """Every (node, kind, detail) in order, shared by all fake remotes."""

    def __init__(self):
        self.entries = []
        self.lock = threading.Lock()

    def add(self, *entry):
        with self.lock:
            self.entries.append(entry)

    def commands(self, node=None):
        return [e[2] for e in self.entries
                if e[1] == 'run' and (node is None or e[0] == node)]

    def files(self, node):
        return {e[2]: e[3] for e in self.entries
                if e[0] == node and e[1] == 'put'}


class RecordingRemote(object):
    """Records run/put; ``responder(command) -> CommandResult | None``."""

    def __init__(self, node_name, journal, responder=None):
        self.node_name = node_name
        self.journal = journal
        self.responder = responder

    def run(self, command, timeout=None, check=True, input=None,
            sudo=False):
        self.journal.add(self.node_name, 'run', command, sudo)
        result = self.responder(command) if self.responder else None
        return result or CommandResult(0, '', '')

    def put(self, path, content, mode=0o644, sudo=False):
        self.journal.add(self.node_name, 'put', path, content, mode, sudo)

    def install_files(self, files, prelude=None, timeout=None):
        """Journaled as the prelude's run, then one put per file."""
        if prelude:
            self.run(prelude, timeout=timeout, sudo=True)
        for path, content, mode in files:
            self.put(path, content, mode=mode, sudo=True)

    def get(self, path):
        raise IOError(path)


def drive(steps, remotes, log=None, limit=900, should_stop=None):
    """Run ``steps`` to the end with the real
    :class:`heat_savanna.provisioning.driver.StepRunner`, as the resource
    does (``advance()`` until done), over ``remotes`` (``{node name:
    remote}``). Appends each step's name to ``log`` when it starts.
    Returns ``{node name: reason}`` of the failed nodes."""
    runner = driver.StepRunner(steps, lambda n: remotes[n.name],
                               should_stop=should_stop)
    deadline = time.monotonic() + limit
    started = -1
    while True:
        if log is not None and not runner.done and runner.index != started:
            started = runner.index
            log.append(runner.current.name)
        waiting = runner.current is not None and \
            runner.current.is_wait
        if runner.advance():
            break
        if time.monotonic() > deadline:
            raise AssertionError('steps still running after %ss: %s'
                                 % (limit, runner.progress()))
        if waiting:     # the runner polls a wait step at its own pace
            time.sleep(0.05)
    drive.last = runner
    return {name: f.reason for name, f in runner.failures.items()}


def awaited(step, remotes):
    """Names of the nodes of wait ``step`` that one look finds not ready,
    looking as the SSH transport does: each probe's fetch on its ``at``
    node, its judge on what that printed."""
    out = []
    for node in step.nodes:
        for probe in step.wait(node):
            result = remotes[(probe.at or node).name].run(probe.fetch,
                                                          check=False)
            mark = (step.marks or {}).get(node.name, '')
            if not probe.holds(result.exit_code, result.stdout, mark):
                out.append(node.name)
                break
    return out
