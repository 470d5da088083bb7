"""How a cluster's steps reach its nodes: one interface, two transports.

:func:`open_run` gives the lifecycle a *run* of plugin steps, whatever the
cluster's ``transport``; a run has ``advance()`` (one bounded piece of
work; True when done), ``done``, ``failures`` (``{node: NodeFailure}``
with phase and reason), ``aborted`` (why it stopped early, or None),
``progress()`` (a line for events) and ``close()`` (returns the host keys
nodes first showed, ``{node: key}``).

* ``ssh``: :class:`SshRun`, the engine runs each step over SSH
  (:class:`heat_savanna.provisioning.driver.StepRunner`);
* ``heat-agent``: :class:`heat_savanna.resources.deploy.AgentRun`, each
  node's agent runs its steps as a software deployment.
"""

import shlex

from oslo_config import cfg

from heat_savanna.core import lifecycle
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import driver
from heat_savanna import remote
from heat_savanna.resources import deploy
from heat_savanna.resources import state as state_mod

CONF = cfg.CONF


class SshRun(driver.StepRunner):
    """Steps run by the engine over SSH, with the cluster's own key: the
    step runner, with the cluster's sessions, early stop and close."""

    def __init__(self, ctx, steps, stop_early):
        state = ctx.state
        private = state_mod.private_key(ctx.rsrc)
        pkey = remote.load_private_key(private) if private else None
        self.remotes = {}

        def remote_for(node):
            if node.name not in self.remotes:
                rec = state['nodes'].get(node.name, {})
                self.remotes[node.name] = remote.NodeRemote(
                    node.name, node.management_ip, state['ssh_user'], pkey,
                    rec.get('host_keys') or [], secrets=(private,))
            return self.remotes[node.name]

        super(SshRun, self).__init__(
            steps, remote_for, pool_size=CONF.savanna.ssh_pool_size,
            secrets=(private,),
            should_stop=stopper(ctx) if stop_early else None)

    def close(self):
        """Close every session; ``{node: host key}`` each node reached
        with the accept-new policy showed (the cluster records it for the
        nodes that had none: ``core.records.learn_host_keys``)."""
        seen = {}
        for name, node_remote in self.remotes.items():
            if node_remote.policy == 'accept-new' and \
                    node_remote.seen_host_key:
                seen[name] = node_remote.seen_host_key
            node_remote.close()
        return seen


def open_run(ctx, steps, stop_early, running=False):
    """A run of ``steps`` on the cluster of ``ctx`` through its transport.
    ``stop_early``: end the run the moment its failures make the cluster
    FAILED (nothing later can make it usable). ``running``: the nodes are
    up and were configured before (a check, the watchdog): a silent agent
    is lost sooner (``[savanna] agent_running_allowance``)."""
    if ctx.spec.uses_agent:
        return deploy.AgentRun(
            ctx, steps, ctx.spec,
            should_stop=stopper(ctx) if stop_early else None,
            allowance=CONF.savanna.agent_running_allowance if running
            else None)
    return SshRun(ctx, steps, stop_early)


def stopper(ctx):
    """``should_stop(failures)`` of a run of ``ctx``'s cluster: why those
    failures leave no usable cluster (the lifecycle's rule), or None."""
    def should_stop(failures):
        return lifecycle.stop_reason(ctx.spec, ctx.state, failures,
                                     ctx.plugin)
    return should_stop


def authorize_key_step(nodes, public_key):
    """Authorise the operator's keypair (key_name) beside the management
    key, for the login user (not root): Nova injects only one key, the
    cluster's own. Only the SSH transport needs it: with the agent
    transport Nova injects the operator's key itself."""
    quoted = shlex.quote(public_key.strip())

    def action(node_remote, node):
        node_remote.run('umask 077 && mkdir -p ~/.ssh && touch '
                        '~/.ssh/authorized_keys && (grep -qxF %s '
                        '~/.ssh/authorized_keys || echo %s >> '
                        '~/.ssh/authorized_keys)' % (quoted, quoted))
    return plugin_base.Step(name='authorize operator key', nodes=tuple(nodes),
                            action=action)
