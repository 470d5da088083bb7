"""Run a plugin's provisioning steps over the nodes, one bounded step a call.

The Heat resource calls :meth:`StepRunner.advance` from its
``check_*_complete`` methods. Each call does at most one fan-out step (all
nodes in parallel through a bounded pool) or one poll of a wait step, so the
engine is never held for the whole provisioning and progress can be reported
between calls ("write configs: 37/100 nodes").

A node that fails a step is recorded with the phase and a redacted reason and
left out of every later step; the other nodes go on. Whether the cluster
survives is decided by the caller (``heat_savanna.core.health``).
"""

import time

from oslo_log import log as logging

from heat_savanna.common import exceptions
from heat_savanna import remote

LOG = logging.getLogger(__name__)


def describe_error(error):
    """A one-line, secret-free reason for a node failure."""
    if isinstance(error, exceptions.RemoteCommandFailed):
        return 'command %r exited %s: %s' % (
            error.command, error.exit_code, error.stderr_tail)
    if isinstance(error, exceptions.SavannaError):
        return str(error)
    return '%s: %s' % (type(error).__name__, error)


class StepRunner(object):
    """Executes a list of :class:`heat_savanna.plugins.base.Step`.

    :param steps: the plugin's steps, in order.
    :param remote_for: ``remote_for(node) -> NodeRemote`` (cached by caller).
    :param pool_size: bound on parallel SSH sessions.
    :param clock: injectable monotonic clock (tests).
    """

    def __init__(self, steps, remote_for, pool_size=16,
                 clock=time.monotonic, secrets=()):
        self.steps = list(steps)
        self.remote_for = remote_for
        self.pool_size = pool_size
        self.clock = clock
        self.secrets = tuple(s for s in secrets if s)
        self.index = 0
        self.failures = {}          # node name -> NodeFailure
        self._wait_started = None
        self._next_poll = 0.0
        self.last_detail = ''

    @property
    def done(self):
        return self.index >= len(self.steps)

    @property
    def current(self):
        return None if self.done else self.steps[self.index]

    def progress(self):
        """A short human summary, e.g. ``start workers (step 4/6)``."""
        if self.done:
            return 'configured (%d steps)' % len(self.steps)
        step = self.current
        text = '%s (step %d/%d)' % (step.name, self.index + 1,
                                    len(self.steps))
        if self.last_detail:
            text += ': %s' % self.last_detail
        return text

    def _fail(self, node_name, phase, reason):
        reason = remote.redact(reason, self.secrets)
        if node_name not in self.failures:
            LOG.warning('Node %s failed in %s: %s', node_name, phase, reason)
            self.failures[node_name] = exceptions.NodeFailure(
                node_name, phase, reason)

    def _live(self, nodes):
        return [n for n in nodes if n.name not in self.failures]

    def advance(self):
        """Do one bounded piece of work. Returns True when all steps ran."""
        if self.done:
            return True
        step = self.current
        if step.action is not None:
            self._run_fanout(step)
        else:
            self._poll_wait(step)
        return self.done

    def _run_fanout(self, step):
        nodes = self._live(step.nodes)
        if nodes:
            def work(node):
                return step.action(self.remote_for(node), node)
            outcomes = remote.run_parallel(
                {n.name: n for n in nodes}, work, max_workers=self.pool_size)
            ok = 0
            for name, outcome in outcomes.items():
                if outcome.ok:
                    ok += 1
                else:
                    self._fail(name, step.name, describe_error(outcome.error))
            self.last_detail = '%s: %d/%d nodes done' % (
                step.name, ok, len(nodes))
        self._next_step()

    def _next_step(self):
        self.index += 1
        self._wait_started = None

    def _poll_wait(self, step):
        now = self.clock()
        if self._wait_started is None:
            self._wait_started = now
            self._next_poll = now
        if now < self._next_poll:
            return
        self._next_poll = now + step.poll_interval
        try:
            result = step.check(self.remote_for)
        except Exception as exc:   # a probe error is not fatal by itself
            result = (False, describe_error(exc))
        done, detail = result[0], result[1]
        named = result[2] if len(result) > 2 else None
        self.last_detail = remote.redact(str(detail or ''), self.secrets)
        if done:
            for name, reason in (named or {}).items():
                self._fail(name, step.name, reason)
            self._next_step()
            self.last_detail = ''
            return
        if now - self._wait_started >= step.timeout:
            # The check may name the nodes it is still waiting for; only
            # those fail. Without names every node of the step fails.
            if named:
                for name, reason in named.items():
                    self._fail(name, step.name, 'not ready after %ds: %s'
                               % (step.timeout, reason))
            else:
                for node in self._live(step.nodes):
                    self._fail(node.name, step.name,
                               'not ready after %ds: %s'
                               % (step.timeout, self.last_detail))
            self._next_step()
            self.last_detail = ''
