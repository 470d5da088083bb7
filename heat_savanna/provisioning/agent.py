"""The Heat agent transport: a plugin's steps as one script per node.

With ``transport: heat-agent`` the engine never opens a connection to a
node. The same :class:`~heat_savanna.plugins.base.Step` lists the SSH
transport runs (:mod:`heat_savanna.provisioning.driver`) are turned here
into one shell script per node, which a Heat software deployment
(``group: script``) hands to the node's agent (os-collect-config,
os-refresh-config and the heat-config ``script`` hook); the agent runs
it as root and signals its exit status, stdout and stderr back to Heat.

A node's script holds, in the steps' order, what the steps do on it:

* a fan-out step's :class:`~heat_savanna.plugins.base.NodeWork`: its
  mark (kept in ``$SAVANNA_MARK``), set-up and files (the very script
  the SSH transport runs, with the files embedded:
  :mod:`heat_savanna.remote.install`) and its commands, each bounded by
  the work's timeout;
* a wait step the node belongs to: its probe for this node, polled until
  it succeeds; past the step's timeout the node fails (unless the step
  says ``fail_on_timeout=False``, e.g. a drain);
* a wait step the node does not belong to, when the node has steps after
  it: the probes of every node of the step, polled until all succeed or
  the timeout passes. This is how ordering across nodes holds without
  the engine: a worker's script waits until the master answers before
  starting the worker, as the SSH transport's step order does.

Each step starts with a marker line (:data:`MARKER`) on stdout and
stderr, so that the engine can tell from a failed deployment's output in
which step the node failed (:func:`failure`): the phase, and the reason
in the plugin's words (``NodeWork.explain``) or the tail of the step's
stderr.

Pure: no Heat, no I/O.
"""

import shlex

from heat_savanna.remote import install

#: first words of the line each step of a node's script starts with
MARKER = '=== heat-savanna step: '
#: what a failed node's reason keeps of its stderr
REASON_TAIL = 300


class NotDescribed(ValueError):
    """A step that only the SSH transport can run (code, no description).
    """


def _nodes_by_name(steps):
    nodes = {}
    for step in steps:
        for node in step.nodes:
            nodes.setdefault(node.name, node)
    return nodes


def _member(step, name):
    return any(n.name == name for n in step.nodes)


def _q(text):
    return shlex.quote(text)


def _marker(name):
    return ('printf "%%s\\n" %s; printf "%%s\\n" %s >&2'
            % (_q(MARKER + name), _q(MARKER + name)))


def _work_lines(step, node):
    work = step.work(node)
    lines = []
    limit = int(max(work.timeout, 1))
    if work.mark:
        lines.append('SAVANNA_MARK=$(timeout 30 sh -c %s) || exit $?'
                     % _q(work.mark))
    if work.files:
        lines.append('( %s) </dev/null || exit $?' % install.standalone_script(
            list(work.files), prelude=work.setup or None))
    elif work.setup:
        lines.append('timeout %d sh -c %s </dev/null || exit $?'
                     % (limit, _q(work.setup)))
    for command in work.commands:
        lines.append('timeout %d sh -c %s </dev/null || exit $?'
                     % (limit, _q(command)))
    return lines


def _wait_lines(step, probes, own):
    """Poll ``probes`` (all must succeed) every poll interval; past the
    timeout fail (``own`` and the step fails on timeout) or go on."""
    limit = int(max(step.timeout, 1))
    test = ' && '.join('{ %s; }' % p for p in probes)
    if own and step.fail_on_timeout:
        give_up = ('echo %s >&2; exit 1'
                   % _q('not ready after %ds (%s)' % (limit, step.name)))
    else:
        give_up = 'break'
    return ['t=$((SECONDS + %d))' % limit,
            'until %s; do' % test,
            '  if [ "$SECONDS" -ge "$t" ]; then %s; fi' % give_up,
            '  sleep %s' % max(step.poll_interval, 1),
            'done']


def node_script(steps, name, title=''):
    """The script node ``name`` runs for ``steps`` (raises NotDescribed
    for a step it would have to run that has no description)."""
    nodes = _nodes_by_name(steps)
    node = nodes[name]
    last = max((i for i, s in enumerate(steps) if _member(s, name)),
               default=-1)
    lines = ['#!/bin/bash',
             '# heat-savanna: %s' % (title or 'node %s' % name),
             '# generated: what the engine would do over SSH, run by the '
             'node itself',
             'SAVANNA_MARK=']
    for index, step in enumerate(steps):
        own = _member(step, name)
        if not step.is_wait:
            if not own:
                continue
            if step.work is None:
                raise NotDescribed(
                    'step %r is code only the SSH transport can run (it '
                    'has an action, no work description)' % step.name)
            lines.append(_marker(step.name))
            lines += _work_lines(step, node)
            continue
        if own:
            if step.probe is None:
                raise NotDescribed('wait step %r has no probe' % step.name)
            lines.append(_marker(step.name))
            lines += _wait_lines(step, [step.probe(node)], True)
        elif index < last and step.nodes and step.probe is not None:
            # a barrier: what comes next on this node needs those nodes
            lines.append(_marker(step.name))
            lines += _wait_lines(step, [step.probe(n) for n in step.nodes],
                                 False)
    lines.append('exit 0')
    return '\n'.join(lines) + '\n'


def scripts(steps, title=''):
    """``{node name: script}`` of every node with work in ``steps``."""
    names = sorted({n.name for s in steps for n in s.nodes})
    return {name: node_script(steps, name, '%s, node %s' % (title, name)
                              if title else '')
            for name in names}


def budget(steps, name):
    """Seconds node ``name``'s script may take at most: its commands'
    and waits' timeouts added up (what its deployment's timeout must
    allow)."""
    total = 0.0
    for step in steps:
        own = _member(step, name)
        if step.is_wait:
            if step.nodes and (own or step.probe is not None):
                total += step.timeout
        elif own and step.work is not None:
            work = step.work(_nodes_by_name(steps)[name])
            total += work.timeout * max(len(work.commands), 1) + \
                (30 if work.mark else 0)
    return total


def _section(text, phase):
    """What ``text`` holds after the last marker of ``phase``."""
    marker = MARKER + phase + '\n'
    at = (text or '').rfind(marker)
    return (text or '')[at + len(marker):] if at >= 0 else (text or '')


def last_phase(stdout, stderr=''):
    """The step a node's script was in last (None before the first)."""
    for text in (stdout, stderr):
        at = (text or '').rfind(MARKER)
        if at >= 0:
            return text[at + len(MARKER):].split('\n', 1)[0]
    return None


def failure(steps, name, status_code, stdout, stderr):
    """``(phase, reason)`` of node ``name`` whose deployment exited
    ``status_code`` with ``stdout`` / ``stderr``: the step it failed in
    and why, worded by the step's ``explain`` when it has one."""
    phase = last_phase(stdout, stderr) or 'deploy'
    out, err = _section(stdout, phase), _section(stderr, phase)
    for step in steps:
        if step.name != phase or not _member(step, name) or \
                step.work is None:
            continue
        work = step.work(_nodes_by_name(steps)[name])
        if work.explain is not None:
            reason = work.explain(status_code, out)
            if reason:
                return phase, reason
        break
    tail = (err.strip() or out.strip())[-REASON_TAIL:]
    return phase, ('exited %s: %s' % (status_code, tail) if tail else
                   'exited %s' % status_code)
