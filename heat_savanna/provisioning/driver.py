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

A wait step polls each distinct fetch of its probes once (on the probe's
``at`` node) and judges every awaited node in the engine with the probe's
own judge, the one the agent transport runs on the node. A probe that
cannot run at all (the shell says 126: not executable, or 127: not found)
is not "not ready yet": the nodes awaiting with it fail at once. A wait
step whose nodes have all failed is skipped. Failures are worded by
:mod:`heat_savanna.provisioning.reasons`, as the agent transport words
them.
"""

import time

from oslo_log import log as logging

from heat_savanna.common import exceptions
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import reasons
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


def _run_part(node_remote, work, part, command, **kwargs):
    """Run one part of ``work`` as root within its time limit; a non-zero
    exit or the limit passing raises StepError with the reason both
    transports give (:mod:`reasons`)."""
    _what, timeout, _command = reasons.part_of(work, part)
    try:
        result = node_remote.run(command, sudo=True, check=False,
                                 timeout=timeout, **kwargs)
    except exceptions.RemoteTimeout:
        raise plugin_base.StepError(reasons.work_failed(
            work, part, reasons.TIMED_OUT))
    if result.exit_code != 0:
        raise plugin_base.StepError(reasons.work_failed(
            work, part, result.exit_code, result.stdout, result.stderr))
    return result


def run_work(node_remote, node, work, marks=None):
    """Run a :class:`~heat_savanna.plugins.base.NodeWork` on ``node`` over
    SSH: its mark (kept in ``marks``), set-up and files in one sudo
    session, then each command as root."""
    if work.mark:
        result = _run_part(node_remote, work, reasons.MARK, work.mark)
        if marks is not None:
            marks[node.name] = result.stdout.strip()
    if work.files:
        try:
            node_remote.install_files(list(work.files),
                                      prelude=work.setup or None,
                                      timeout=work.timeout)
        except exceptions.RemoteCommandFailed as exc:
            raise plugin_base.StepError(reasons.work_failed(
                work, reasons.SETUP, exc.exit_code, '', exc.stderr_tail))
        except exceptions.RemoteTimeout:
            raise plugin_base.StepError(reasons.work_failed(
                work, reasons.SETUP, reasons.TIMED_OUT))
    elif work.setup:
        _run_part(node_remote, work, reasons.SETUP, work.setup)
    for index, command in enumerate(work.commands):
        _run_part(node_remote, work, index, command)


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
        live = self._live(step.nodes)
        pending, unreadable, cannot = self._look(step, live)
        if cannot:
            for name, reason in cannot.items():
                self._fail(name, step.name, reason)
            if not self._live(step.nodes):
                self._next_step()
                self.last_detail = ''
                return
            live = self._live(step.nodes)
            pending = {n: a for n, a in pending.items() if n not in cannot}
        detail = '%d/%d ready' % (len(live) - len(pending), len(live))
        if unreadable:
            detail += '; %s' % unreadable
        self.last_detail = remote.redact(detail, self.secrets)
        if not pending:
            self._next_step()
            self.last_detail = ''
            return
        if now - self._wait_started >= step.timeout:
            # A step that may run out of time (a drain) goes on without
            # failing anyone; otherwise the nodes still awaited fail.
            if not step.fail_on_timeout:
                LOG.info('%s: not done after %ds, going on: %s', step.name,
                         step.timeout, self.last_detail)
            else:
                for name, awaiting in pending.items():
                    self._fail(name, step.name,
                               reasons.not_ready(step, awaiting))
            self._next_step()
            self.last_detail = ''

    def _look(self, step, live):
        """One poll of a wait: each distinct fetch run once (on its
        ``at`` node), each node's probes judged in the engine. Returns
        ``({node: awaiting}, why a status was unreadable, {node: reason}
        of nodes whose probe cannot run)``."""
        fetched = {}
        pending, cannot = {}, {}
        unreadable = ''
        for node in live:
            mark = (step.marks or {}).get(node.name, '')
            for probe in step.wait(node):
                at = probe.at or node
                key = (at.name, probe.fetch)
                if key not in fetched:
                    fetched[key] = self._fetch(at, probe)
                code, document = fetched[key]
                if code in plugin_base.CANNOT_RUN:
                    cannot[node.name] = reasons.cannot_run(probe, code)
                    break
                if not probe.holds(code, document, mark):
                    pending[node.name] = probe.awaiting
                    if code != 0 and not unreadable:
                        unreadable = 'status not readable on %s (%s)' % (
                            at.name, document)
                    break
        return pending, unreadable, cannot

    def _fetch(self, at, probe):
        """``(exit status, output)`` of a probe's fetch on ``at``; an
        error reaching the node is "not yet" (exit None, the error)."""
        try:
            result = self.remote_for(at).run(
                probe.fetch, sudo=True, check=False,
                timeout=probe.fetch_timeout)
        except Exception as exc:   # not reachable yet is not final
            return None, describe_error(exc)
        if result.exit_code != 0:
            return result.exit_code, 'exit %d' % result.exit_code
        return 0, result.stdout
