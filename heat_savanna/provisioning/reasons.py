"""How a node's failure in a step is worded, whichever transport saw it.

The SSH transport (:mod:`heat_savanna.provisioning.driver`) sees a failure
as it happens; the agent transport (:mod:`heat_savanna.provisioning.agent`)
reads it afterwards from the node's script output, where the script named
the part that failed and its exit status (:data:`FAILED`). Both word it
with these functions from the same facts (the step's description, the
exit status, what the part printed), so a node fails with the same phase
and reason on either transport.

Pure: no Heat, no I/O.
"""

from heat_savanna.remote import install

#: what a reason keeps of a failed command's output
TAIL = 300
#: exit status of coreutils ``timeout`` when the bound passed: every
#: command of a node's work runs under it, on both transports
TIMED_OUT = 124
#: first words of the line a node's script prints on stderr when a part
#: of a step failed: ``<FAILED><part> <exit status>``
FAILED = '=== heat-savanna failed: '
#: the parts of a step a node runs (see :func:`part_of`)
MARK, SETUP = 'mark', 'setup'


def label(command, width=60):
    """A command as a reason names it: its first line, cut to ``width``."""
    first = (command or '').strip().split('\n', 1)[0]
    if len(first) > width or '\n' in (command or '').strip():
        return first[:width].rstrip() + '...'
    return first


def output_tail(stdout, stderr):
    """What a reason keeps of a failed part's output: the end of stderr,
    or of stdout when stderr is empty."""
    text = (stderr or '').strip() or (stdout or '').strip()
    return text[-TAIL:]


def _exited(what, exit_code, stdout, stderr, timeout):
    if exit_code == TIMED_OUT and timeout:
        return '%s timed out after %ds' % (what, int(timeout))
    tail = output_tail(stdout, stderr)
    if tail:
        return '%s exited %s: %s' % (what, exit_code, tail)
    return '%s exited %s' % (what, exit_code)


def part_of(work, part):
    """``(what, timeout, command)`` of ``part`` of a NodeWork: ``mark``,
    ``setup`` (its set-up and files) or the index of one of its
    commands."""
    if part == MARK:
        return 'the mark %r' % label(work.mark), 30, work.mark
    if part == SETUP:
        if work.files:
            return (install.describe(list(work.files), work.setup or None),
                    work.timeout, None)
        return 'set-up %r' % label(work.setup), work.timeout, work.setup
    command = work.commands[int(part)]
    return 'command %r' % label(command), work.timeout, command


def work_failed(work, part, exit_code, stdout='', stderr=''):
    """The reason of a node whose ``part`` of ``work`` exited
    ``exit_code``: the plugin's own words (``work.explain``) for a
    command when it has them, else what failed, how, and its output."""
    what, timeout, _command = part_of(work, part)
    if part not in (MARK, SETUP) and work.explain is not None and \
            exit_code != TIMED_OUT:
        reason = work.explain(exit_code, stdout)
        if reason:
            return reason
    return _exited(what, exit_code, stdout, stderr, timeout)


def not_ready(step, awaiting):
    """The reason of a node a wait step gave up on."""
    return 'not ready after %ds: %s' % (int(step.timeout), awaiting)


def cannot_run(probe, exit_code):
    """The reason of a node whose wait's probe cannot run at all."""
    return 'the probe %r cannot run (exit %s)' % (
        label(probe.fetch), exit_code)


def failed_line(part, exit_code):
    """The line a node's script prints when ``part`` failed."""
    return '%s%s %s' % (FAILED, part, exit_code)


def parse_failed(text):
    """``(part, exit status)`` of the last :func:`failed_line` in
    ``text``, or None."""
    at = (text or '').rfind(FAILED)
    if at < 0:
        return None
    words = text[at + len(FAILED):].split('\n', 1)[0].split()
    if len(words) != 2:
        return None
    part, code = words
    return part, int(code) if code.lstrip('-').isdigit() else code


def without_failed_lines(text):
    """``text`` without the script's own failure lines."""
    return '\n'.join(line for line in (text or '').split('\n')
                     if not line.startswith(FAILED))
