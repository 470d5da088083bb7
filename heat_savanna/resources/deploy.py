"""The Heat agent transport's executor: steps run as software deployments.

:class:`AgentRun` has the interface of the SSH transport's
:class:`heat_savanna.provisioning.driver.StepRunner` (``advance``,
``done``, ``failures``, ``aborted``, ``progress``), so every phase of
:mod:`heat_savanna.resources.operation` runs the same plugin steps either
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

The engine opens no connection to any node.
"""

import time

from oslo_log import log as logging

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import template as template_mod
from heat_savanna.provisioning import agent
from heat_savanna import remote
from heat_savanna.resources import infra
from heat_savanna.resources import nested
from heat_savanna.resources import state as state_mod

LOG = logging.getLogger(__name__)
CONF = sv_config.CONF

#: phase of a node whose agent never signalled
DEPLOY_PHASE = 'deploy'


class AgentRun(object):
    """Run ``steps`` through the nodes' agents (see the module doc).

    :param op: the :class:`~heat_savanna.resources.operation.
        ClusterOperation` (its resource and template).
    :param spec: the cluster's spec (transport heat-agent).
    :param secrets: strings redacted from every reason.
    """

    def __init__(self, op, steps, spec, secrets=(), clock=time.monotonic):
        self.op = op
        self.steps = list(steps)
        self.spec = spec
        self.secrets = tuple(s for s in secrets if s)
        self.clock = clock
        self.failures = {}
        self.aborted = None
        self.remotes = {}           # none: nothing connects to a node
        self.scripts = agent.scripts(steps, 'cluster %s' % spec.name)
        self.round = None
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
        rsrc = self.op.rsrc
        status = nested.stack_status(rsrc.context, rsrc.resource_id)
        if status is None or status.action != rsrc.UPDATE or \
                status.status == rsrc.IN_PROGRESS:
            return False
        self._collect(status)
        self.done = True
        return True

    def _start(self):
        rsrc = self.op.rsrc
        state = self.op.load_state()
        # a new round number makes every deployment of the round run again,
        # even with a script the node ran before (seconds: never reused)
        self.round = int(time.time())
        self.timeout = int(max(agent.budget(self.steps, n)
                               for n in self.scripts) +
                           CONF.savanna.agent_signal_allowance)
        deployments = self.op.current_deployments()
        for name, script in self.scripts.items():
            deployments[name] = {template_mod.DEP_SCRIPT: script,
                                 template_mod.DEP_ROUND: self.round}
        LOG.info('%s: round %d of deployments to %s (%ds)', rsrc.name,
                 self.round, ', '.join(sorted(self.scripts)), self.timeout)
        rsrc.update_with_template(
            self.op.deploy_template(state, deployments, self.timeout,
                                    spec=self.spec), {})
        self.started_at = self.clock()

    def _fail(self, name, phase, reason):
        reason = remote.redact(reason, self.secrets)
        LOG.warning('Node %s failed in %s: %s', name, phase, reason)
        self.failures[name] = sv_exc.NodeFailure(name, phase, reason)

    def _collect(self, status):
        rsrc = self.op.rsrc
        state = self.op.load_state()
        layout = state_mod.layout(state)
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
                phase = agent.last_phase(outcome.get('stdout'),
                                         outcome.get('stderr'))
                self._fail(name, phase or DEPLOY_PHASE,
                           'no signal from the node\'s agent within %ds '
                           '(%s)' % (self.timeout, outcome.get('reason') or
                                     rec.get('reason') or 'not answered'))
