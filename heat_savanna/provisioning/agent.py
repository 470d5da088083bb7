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
* a wait step the node belongs to: its probes for this node
  (:meth:`~heat_savanna.plugins.base.Probe.command`: the fetch run on the
  node, judged there by the very judge the SSH transport calls in the
  engine), polled until they hold; past the step's timeout the node fails
  (unless the step says ``fail_on_timeout=False``, e.g. a drain);
* a wait step the node does not belong to, when the node has steps after
  it: the probes of every node of the step, polled until all hold or
  the timeout passes. This is how ordering across nodes holds without
  the engine: a worker's script waits until the master answers before
  starting the worker, as the SSH transport's step order does.

Each step starts with a marker line (:data:`MARKER`), and each part of
it (mark, set-up, a command) with a part marker, on stdout and stderr; a
part that fails prints which part and its exit status
(:mod:`heat_savanna.provisioning.reasons`). So the engine tells from a
failed deployment's output the step the node failed in and words the
reason exactly as the SSH transport does (:func:`failure`).

Pure: no Heat, no I/O.
"""

import shlex

from heat_savanna.provisioning import reasons
from heat_savanna.remote import install

#: first words of the line each step of a node's script starts with
MARKER = '=== heat-savanna step: '
#: first words of the line each part of a step starts with
PART = '=== heat-savanna part: '

#: the start of every node's script: how a failed part says so
PRELUDE = ('savanna_failed() {\n'
           '  printf "%%s\\n" "%s$1 $2" >&2\n'
           '  exit "$2"\n'
           '}\n'
           'SAVANNA_MARK=') % reasons.FAILED


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


def _marker(prefix, name):
    line = _q(prefix + str(name))
    return 'printf "%%s\\n" %s; printf "%%s\\n" %s >&2' % (line, line)


def _bounded(command, limit):
    return 'timeout %d sh -c %s </dev/null' % (limit, _q(command))


def _work_lines(step, node):
    work = step.work(node)
    lines = []
    limit = int(max(work.timeout, 1))
    if work.mark:
        lines += [_marker(PART, reasons.MARK),
                  'SAVANNA_MARK=$(%s) || savanna_failed %s $?'
                  % (_bounded(work.mark, 30), reasons.MARK)]
    if work.files:
        lines += [_marker(PART, reasons.SETUP),
                  '( %s) </dev/null || savanna_failed %s $?' % (
                      install.standalone_script(
                          list(work.files), prelude=work.setup or None),
                      reasons.SETUP)]
    elif work.setup:
        lines += [_marker(PART, reasons.SETUP),
                  '%s || savanna_failed %s $?' % (
                      _bounded(work.setup, limit), reasons.SETUP)]
    for index, command in enumerate(work.commands):
        lines += [_marker(PART, index),
                  '%s || savanna_failed %d $?' % (_bounded(command, limit),
                                                  index)]
    return lines


def _wait_lines(step, probes, own):
    """Poll ``probes`` (all must hold) every poll interval. ``own``: the
    node's own wait, which fails past the timeout (unless the step goes
    on) and when a probe cannot run; a barrier just goes on."""
    limit = int(max(step.timeout, 1))
    if not probes:
        return []
    if own:
        test = ' && '.join('w=%d && { %s; }' % (i, p.command())
                           for i, p in enumerate(probes))
        cannot = '  case $rc in 126|127) savanna_failed probe:$w $rc;; esac'
        give_up = 'savanna_failed wait:$w 1' if step.fail_on_timeout \
            else 'break'
    else:
        # another node's mark means nothing here: any will do
        test = ' && '.join('( SAVANNA_MARK=; %s )' % p.command()
                           for p in probes)
        cannot = '  case $rc in 126|127) break;; esac'
        give_up = 'break'
    return ['t=$((SECONDS + %d))' % limit,
            'until %s; do' % test,
            '  rc=$?',
            cannot,
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
             PRELUDE]
    for index, step in enumerate(steps):
        own = _member(step, name)
        if not step.is_wait:
            if not own:
                continue
            if step.work is None:
                raise NotDescribed(
                    'step %r is code only the SSH transport can run (it '
                    'has an action, no work description)' % step.name)
            lines.append(_marker(MARKER, step.name))
            lines += _work_lines(step, node)
            continue
        if own:
            lines.append(_marker(MARKER, step.name))
            lines += _wait_lines(step, list(step.wait(node)), True)
        elif index < last and step.nodes:
            # a barrier: what comes next on this node needs those nodes
            lines.append(_marker(MARKER, step.name))
            lines += _wait_lines(step, [p for n in step.nodes
                                        for p in step.wait(n)], False)
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
            if step.nodes:
                total += step.timeout
        elif own and step.work is not None:
            work = step.work(_nodes_by_name(steps)[name])
            total += work.timeout * max(len(work.commands), 1) + \
                (30 if work.mark else 0)
    return total


def _section(text, line):
    """What ``text`` holds after the last line that is ``line``."""
    text = text or ''
    at = text.rfind(line + '\n')
    return text[at + len(line) + 1:] if at >= 0 else text


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
    and why, worded as the SSH transport words it (:mod:`reasons`)."""
    phase = last_phase(stdout, stderr) or 'deploy'
    out = _section(stdout, MARKER + phase)
    err = _section(stderr, MARKER + phase)
    failed = reasons.parse_failed(err)
    step = next((s for s in steps if s.name == phase and
                 _member(s, name)), None)
    if failed is not None and step is not None:
        node = _nodes_by_name(steps)[name]
        part, code = failed
        if step.is_wait:
            kind, _, index = part.partition(':')
            probe = list(step.wait(node))[int(index)]
            if kind == 'probe':
                return phase, reasons.cannot_run(probe, code)
            return phase, reasons.not_ready(step, probe.awaiting)
        part_marker = PART + part
        part = part if part in (reasons.MARK, reasons.SETUP) else int(part)
        return phase, reasons.work_failed(
            step.work(node), part, code,
            reasons.without_failed_lines(_section(out, part_marker)),
            reasons.without_failed_lines(_section(err, part_marker)))
    tail = reasons.output_tail(out, reasons.without_failed_lines(err))
    return phase, ('exited %s: %s' % (status_code, tail) if tail else
                   'exited %s' % status_code)
