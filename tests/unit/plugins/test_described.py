"""Every step of both plugins is described for both transports.

Both transports run a step only from its description (a fan-out step's
NodeWork; a wait step's nodes and probes: a fetch, a judge both can run,
the node the engine fetches on); a step with code only the SSH transport
can run, or a wait with no nodes or no probe, would be refused on an agent
cluster. This fails the plugin's own unit tests instead."""

import subprocess

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins import get_plugin
from heat_savanna.provisioning import agent
from tests.unit.plugins.test_spark_unit import info as spark_info
from tests.unit.plugins.vanilla.cluster import cluster_info as hadoop_info


def step_lists(plugin, ci):
    """Every list of steps the lifecycle asks a plugin for."""
    members = [n for n in ci.nodes if n.group != 'master']
    first, last = members[:1], members[-1:]
    restarts = {n.name: tuple(plugin.get_all_processes(ci.plugin_version))
                for n in ci.nodes}
    return {
        'create': plugin.create_steps(ci),
        'scale_up': plugin.scale_up_steps(ci, last),
        'reconfigure': plugin.reconfigure_steps(ci, list(ci.nodes),
                                                restarts),
        'membership': plugin.membership_steps(ci),
        'decommission': plugin.decommission_steps(ci, first),
        'health': plugin.health_steps(ci),
    }


def self_contained(function):
    """``function``'s module imports only the standard library (the agent
    transport runs its source on a node, with python3 alone)."""
    import ast
    import inspect
    import sys
    tree = ast.parse(inspect.getsource(inspect.getmodule(function)))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or '']
        for name in names:
            if name.split('.')[0] not in sys.stdlib_module_names:
                return False
    return True


@pytest.mark.parametrize('name,ci', [('spark', spark_info(3)),
                                     ('vanilla', hadoop_info(3))])
def test_every_step_is_described_for_both_transports(name, ci):
    plugin = get_plugin(name)
    for kind, steps in step_lists(plugin, ci).items():
        assert steps, (name, kind)
        for step in steps:
            where = (name, kind, step.name)
            assert step.action is None, ('code only SSH runs', where)
            if step.is_wait:
                assert step.nodes, ('a wait for no node', where)
                for node in step.nodes:
                    probes = step.wait(node)
                    assert probes, ('a wait for nothing', where)
                    for probe in probes:
                        assert isinstance(probe, base.Probe), where
                        assert probe.at is not None, where
                        assert probe.judge is None or self_contained(
                            probe.judge), ('a judge python3 alone cannot '
                                           'run', where)
                        assert subprocess.run(
                            ['bash', '-n', '-c', probe.command()]
                        ).returncode == 0, where
            else:
                assert step.work is not None, ('no description', where)
        # and every node's script can be written
        scripts = agent.scripts(steps, name)
        assert scripts, (name, kind)


def test_an_undescribed_step_is_refused_not_skipped():
    node = base.NodeInfo('w-0', 'w', ('worker',), '10.0.0.9', '10.0.0.9')
    code = base.Step('code', nodes=(node,), action=lambda remote, n: None)
    with pytest.raises(agent.NotDescribed):
        agent.scripts([code], 'c')
