"""The Heat agent transport's executor: steps run as software deployments.

:class:`AgentRun` is the agent side of the one run interface of
:mod:`heat_savanna.resources.transport` (``advance``, ``done``,
``failures``, ``aborted``, ``progress``, ``close``), so every phase of
:mod:`heat_savanna.resources.phases` runs the same plugin steps either
way. It turns the steps into one script per node
(:mod:`heat_savanna.provisioning.agent`), puts them into the node sets as
``OS::Heat::SoftwareDeployment`` resources with one stack update of the
cluster's nested stack (a node set that has nothing to do this round is
not touched), and waits. Each node's agent pulls its deployment, runs it
and signals back; each node set records what its nodes signalled (see
:mod:`heat_savanna.resources.node_set`), and the run reads it: a node
whose script failed fails in the step it was in, with the step's own
explanation or the tail of its stderr (redacted); a node that did not
signal within the deployment timeout fails in phase ``deploy``.

Early stop, as over SSH: while the round runs, the run looks at what the
nodes have signalled so far (one list of the project's deployments every
:data:`EARLY_LOOK` seconds) and asks ``should_stop`` whether the cluster
can still be usable. When it cannot (e.g. the master's script failed),
the run ends at once with that reason, and the deployments still running
are signalled as stopped, so the nested stack settles instead of waiting
for the others' deadlines (a node's later signal is ignored by Heat).

The engine opens no connection to any node.
"""

import time

from oslo_log import log as logging
from oslo_utils import timeutils

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import build
from heat_savanna.core import node_set_template
from heat_savanna.core import template as template_mod
from heat_savanna.provisioning import agent
from heat_savanna import remote
from heat_savanna.resources import infra
from heat_savanna.resources import nested

LOG = logging.getLogger(__name__)
CONF = sv_config.CONF

#: phase of a node whose agent never signalled
DEPLOY_PHASE = 'deploy'
#: characters of a deployment's stdout / stderr a node set keeps
OUTPUT_TAIL = 4000
#: seconds between two looks at the signalled deployments (early stop)
EARLY_LOOK = 10


class AgentRun(object):
    """Run ``steps`` through the nodes' agents (see the module doc).

    :param ctx: the :class:`~heat_savanna.resources.context.
        ClusterContext` of the action (its resource, state and template).
    :param spec: the cluster's spec (transport heat-agent).
    :param secrets: strings redacted from every reason.
    :param should_stop: ``should_stop(failures) -> reason or None``, as
        for the SSH runner: asked with the failures signalled so far.
    :param allowance: seconds beyond the scripts' limits before a silent
        node fails (default ``[savanna] agent_signal_allowance``).
    """

    def __init__(self, ctx, steps, spec, secrets=(), clock=time.monotonic,
                 should_stop=None, allowance=None):
        self.ctx = ctx
        self.allowance = CONF.savanna.agent_signal_allowance \
            if allowance is None else allowance
        self.should_stop = should_stop
        self._next_look = 0.0
        self.steps = list(steps)
        self.spec = spec
        self.secrets = tuple(s for s in secrets if s)
        self.clock = clock
        self.failures = {}
        self.aborted = None
        self.remotes = {}           # none: nothing connects to a node
        self.scripts = agent.scripts(steps, 'cluster %s' % spec.name)
        self.round = None
        self.wait = None
        self.timeout = None
        self.started_at = None
        self.done = not self.scripts

    def progress(self):
        if self.done:
            return 'configured by the nodes\' agents (%d steps)' % len(
                self.steps)
        if self.round is None:
            return 'handing %d nodes their deployments' % len(self.scripts)
        return '%d nodes configuring themselves (software deployments)' % (
            len(self.scripts))

    def advance(self):
        if self.done:
            return True
        if self.round is None:
            self._start()
            return False
        if self.wait.look(self.ctx.rsrc.context) == build.WAIT:
            if self.should_stop is not None:
                self._look_early()
            return self.done
        self._collect(self.wait.status)
        self.done = True
        return True

    def close(self):
        """Nothing to close: no session to any node, no host key seen."""
        return {}

    def _start(self):
        rsrc = self.ctx.rsrc
        # a new round number makes every deployment of the round run again,
        # even with a script the node ran before (seconds: never reused)
        self.round = int(time.time())
        self.timeout = int(max(agent.budget(self.steps, n)
                               for n in self.scripts) +
                           self.allowance)
        deployments = self.ctx.current_deployments()
        for name, script in self.scripts.items():
            deployments[name] = {template_mod.DEP_SCRIPT: script,
                                 template_mod.DEP_ROUND: self.round}
        LOG.info('%s: round %d of deployments to %s (%ds)', rsrc.name,
                 self.round, ', '.join(sorted(self.scripts)), self.timeout)
        rsrc.update_with_template(
            self.ctx.deploy_template(deployments, self.timeout), {})
        self.wait = nested.Wait(rsrc.resource_id, rsrc.UPDATE)
        self.started_at = self.clock()

    def _look_early(self):
        """Stop the round when what the nodes signalled so far makes the
        cluster unusable (see the module doc)."""
        now = self.clock()
        if now < self._next_look:
            return
        self._next_look = now + EARLY_LOOK
        found = self._signalled()
        failures = {}
        for name, sd in found.items():
            values = sd.get('output_values') or {}
            code = values.get('deploy_status_code')
            if sd.get('status') == 'FAILED' and \
                    code not in (None, '', 0, '0'):
                phase, reason = agent.failure(
                    self.steps, name, code, values.get('deploy_stdout'),
                    values.get('deploy_stderr'))
                failures[name] = sv_exc.NodeFailure(
                    name, phase, remote.redact(reason, self.secrets))
        reason = self.should_stop(dict(failures)) if failures else None
        if not reason:
            return
        for name, failure in failures.items():
            self._fail(name, failure.phase, failure.reason)
        LOG.warning('%s: round %d stopped early: %s', self.ctx.rsrc.name,
                    self.round, reason)
        self.aborted = reason
        self.done = True
        rpc = self.ctx.rsrc.rpc_client()
        for name, sd in found.items():
            if sd.get('status') == 'IN_PROGRESS':
                rpc.signal_software_deployment(
                    self.ctx.rsrc.context, sd['id'],
                    {'deploy_status_code': 'stopped',
                     'deploy_stderr': 'stopped by heat-savanna: %s' % reason,
                     'deploy_stdout': ''},
                    timeutils.utcnow().isoformat())

    def _signalled(self):
        """``{node: deployment}`` of this round's deployments, as Heat
        lists them (one call for the project)."""
        servers = {rec.get('server_id'): name
                   for name, rec in self.ctx.state['nodes'].items()
                   if name in self.scripts and rec.get('server_id')}
        rsrc = self.ctx.rsrc
        try:
            listed = rsrc.rpc_client().list_software_deployments(
                rsrc.context)
        except Exception as exc:   # a look that failed is not a verdict
            LOG.warning('%s: deployments unreadable: %s', rsrc.name, exc)
            return {}
        return {servers[sd['server_id']]: sd for sd in listed
                if sd.get('server_id') in servers and
                (sd.get('input_values') or {}).get(
                    node_set_template.ROUND_INPUT) == self.round}

    def _fail(self, name, phase, reason):
        reason = remote.redact(reason, self.secrets)
        LOG.warning('Node %s failed in %s: %s', name, phase, reason)
        self.failures[name] = sv_exc.NodeFailure(name, phase, reason)

    def _collect(self, status):
        rsrc = self.ctx.rsrc
        layout = self.ctx.layout
        names = [n for n in self.scripts if n in layout]
        builds = infra.read(rsrc.context, rsrc.resource_id, layout, names)
        for name in self.scripts:
            rec = builds.records.get(name) or {}
            outcome = rec.get('deployment') or {}
            if outcome.get('round') != self.round:
                self._fail(name, DEPLOY_PHASE, rec.get('reason') or
                           'no deployment of round %d recorded (%s)'
                           % (self.round, status.reason or status.status))
            elif outcome.get('status') == 'COMPLETE':
                continue
            elif outcome.get('status') == 'FAILED' and \
                    outcome.get('status_code') not in (None, '', 0, '0'):
                phase, reason = agent.failure(
                    self.steps, name, outcome['status_code'],
                    outcome.get('stdout'), outcome.get('stderr'))
                self._fail(name, phase, reason)
            else:
                # no signal this round: what the deployment still shows
                # may be an earlier round's output (the agent's last
                # signal), so only a step of this run names the phase
                phase = agent.last_phase(outcome.get('stdout'),
                                         outcome.get('stderr'))
                if phase not in {s.name for s in self.steps
                                 if name in {n.name for n in s.nodes}}:
                    phase = DEPLOY_PHASE
                self._fail(name, phase,
                           'no signal from the node\'s agent within %ds '
                           '(%s)' % (self.timeout, outcome.get('reason') or
                                     rec.get('reason') or 'not answered'))


def outcomes(rsrc, deployments):
    """``{node: {round, status, status_code, stdout, stderr}}`` of a node
    set's ``deployments`` (its property) as the nodes' agents signalled
    them (tails of the outputs; status IN_PROGRESS: no signal came)."""
    if not deployments:
        return {}
    found = nested.rows_with_metadata(rsrc.context, rsrc.resource_id)
    outcomes = {}
    for node, wanted in deployments.items():
        _row, _meta, deployment_id = found.get(
            template_mod.deployment_name(node), (None, {}, None))
        outcome = {'round': wanted.get(template_mod.DEP_ROUND),
                   'status': 'IN_PROGRESS', 'status_code': None,
                   'stdout': '', 'stderr': ''}
        if deployment_id:
            try:
                sd = rsrc.rpc_client().show_software_deployment(
                    rsrc.context, deployment_id)
            except Exception as exc:
                LOG.warning('%s: deployment of %s unreadable: %s',
                            rsrc.name, node, exc)
                sd = {}
            values = sd.get('output_values') or {}
            outcome.update(
                status=sd.get('status') or 'IN_PROGRESS',
                status_code=values.get('deploy_status_code'),
                stdout=(values.get('deploy_stdout') or '')[-OUTPUT_TAIL:],
                stderr=(values.get('deploy_stderr') or '')[-OUTPUT_TAIL:],
                reason=sd.get('status_reason') or '')
        outcomes[node] = outcome
    return outcomes
