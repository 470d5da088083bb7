"""Run a plugin's provisioning steps over the nodes, one bounded step a call.

The Heat resource calls :meth:`StepRunner.advance` from its
``check_*_complete`` methods. Each call does at most one fan-out step (all
nodes in parallel through a bounded pool) or one poll of a wait step, so the
engine is never held for the whole provisioning and progress can be reported
between calls ("write configs: 37/100 nodes").

A node that fails a step is recorded with the phase and a redacted reason and
left out of every later step; the other nodes go on. Whether the cluster
survives is decided by the caller (``heat_savanna.core.health``), which may
pass ``should_stop`` to end the run the moment it cannot (a node with a
mandatory process failed, a group below min_active): the remaining steps
are then not run.

A wait step whose probe cannot run at all (the shell says 126: not
executable, or 127: not found) is not "not ready yet": the node the probe
ran on fails at once. A wait step whose nodes have all failed is skipped.
"""

import time

from oslo_log import log as logging

from heat_savanna.common import exceptions
from heat_savanna.plugins import base as plugin_base
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


def run_work(node_remote, node, work, marks=None):
    """Run a :class:`~heat_savanna.plugins.base.NodeWork` on ``node`` over
    SSH: its mark (kept in ``marks``), set-up and files in one sudo
    session, then each command as root."""
    if work.mark:
        result = node_remote.run(work.mark, sudo=True, timeout=30)
        if marks is not None:
            marks[node.name] = result.stdout.strip()
    if work.files:
        node_remote.install_files(list(work.files),
                                  prelude=work.setup or None)
    elif work.setup:
        node_remote.run(work.setup, sudo=True, timeout=work.timeout)
    for command in work.commands:
        if work.explain is None:
            node_remote.run(command, sudo=True, timeout=work.timeout)
            continue
        result = node_remote.run(command, sudo=True, timeout=work.timeout,
                                 check=False)
        if result.exit_code != 0:
            reason = work.explain(result.exit_code, result.stdout)
            if reason:
                raise plugin_base.StepError(reason)
            raise exceptions.RemoteCommandFailed(
                node.name, command, result.exit_code,
                (result.stderr or result.stdout or '').strip()[-300:])


def step_action(step):
    """The SSH action of a fan-out step: its own ``action``, or its
    ``work`` run by :func:`run_work`; either way a node where it
    succeeded joins ``step.succeeded``."""
    def action(node_remote, node):
        if step.action is not None:
            step.action(node_remote, node)
        else:
            run_work(node_remote, node, step.work(node), step.marks)
        if step.succeeded is not None:
            step.succeeded.add(node.name)
    return action


class StepRunner(object):
    """Executes a list of :class:`heat_savanna.plugins.base.Step`.

    :param steps: the plugin's steps, in order.
    :param remote_for: ``remote_for(node) -> NodeRemote`` (cached by caller).
    :param pool_size: bound on parallel SSH sessions.
    :param clock: injectable monotonic clock (tests).
    :param should_stop: optional ``should_stop(failures) -> reason or
        None``, called after each :meth:`advance` with the failures so far
        (``{node name: NodeFailure}``) while steps remain; a reason ends
        the run: ``done`` becomes True, ``aborted`` holds the reason, no
        further step runs.
    """

    def __init__(self, steps, remote_for, pool_size=16,
                 clock=time.monotonic, secrets=(), should_stop=None):
        self.steps = list(steps)
        self.remote_for = remote_for
        self.pool_size = pool_size
        self.clock = clock
        self.secrets = tuple(s for s in secrets if s)
        self.should_stop = should_stop
        self.index = 0
        self.failures = {}          # node name -> NodeFailure
        self.aborted = None         # the should_stop reason, once stopped
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
        if self.aborted:
            return 'stopped: %s' % self.aborted
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
        """Do one bounded piece of work. Returns True when all steps ran
        (or the run was stopped: see ``aborted``)."""
        if self.done:
            return True
        step = self.current
        if step.action is not None or step.work is not None:
            self._run_fanout(step)
        elif step.nodes and not self._live(step.nodes):
            # every node it waits for failed: nothing can come of waiting
            self._next_step()
            self.last_detail = ''
        else:
            self._poll_wait(step)
        if self.should_stop is not None and not self.done:
            reason = self.should_stop(dict(self.failures))
            if reason:
                LOG.warning('Provisioning stopped before step %d/%d: %s',
                            min(self.index + 1, len(self.steps)),
                            len(self.steps), reason)
                self.aborted = reason
                self.index = len(self.steps)
        return self.done

    def _run_fanout(self, step):
        nodes = self._live(step.nodes)
        if nodes:
            act = step_action(step)

            def work(node):
                return act(self.remote_for(node), node)
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
        except exceptions.RemoteCommandFailed as exc:
            if exc.exit_code not in plugin_base.CANNOT_RUN:
                result = (False, describe_error(exc))
            else:
                self._cannot_run(step, exc)
                return
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
            # A step that may run out of time (a drain) goes on without
            # failing anyone, as the agent transport's script does.
            # Otherwise the check may name the nodes it is still waiting
            # for; only those fail. Without names every node of the step
            # fails.
            if not step.fail_on_timeout:
                LOG.info('%s: not done after %ds, going on: %s', step.name,
                         step.timeout, self.last_detail)
            elif named:
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

    def _cannot_run(self, step, error):
        """A probe that cannot run (126/127) fails the node it ran on (or,
        when that is not one of the run's nodes, every node of the step)
        and ends the step."""
        reason = describe_error(error)
        known = {n.name for st in self.steps for n in st.nodes}
        if error.node in known:
            self._fail(error.node, step.name, reason)
        else:
            for node in self._live(step.nodes):
                self._fail(node.name, step.name, reason)
        self._next_step()
        self.last_detail = ''
