"""The template author's own set-up of each node: ``bootstrap`` scripts.

A cluster's ``bootstrap`` list runs on every node, then its node group's
own list, each script in order, as root, before the plugin's first step
(so a script may even install what the plugin's image check looks for)::

    bootstrap:
      - name: extra-packages
        script: {get_file: install-extras.sh}
        timeout: 600

A failing script (or one past its ``timeout``) fails that node alone, in
phase ``bootstrap``, with the script's exit status and the tail of its
stderr; the other nodes go on. Scripts run on the nodes a create, a heal
or a scale-up builds, never again on running ones: a change of the
scripts applies to the nodes built from then on, and the update says so
(:func:`change_event`).

Pure: no Heat import, no I/O (the step is data: both transports run it).
"""

import dataclasses
import re

from heat_savanna.core import reader as reader_mod
from heat_savanna.plugins import base as plugin_base

KEYS = (NAME, SCRIPT, TIMEOUT) = ('name', 'script', 'timeout')
#: the step's name: the phase of a node whose script failed
PHASE = 'bootstrap'
#: where a node keeps its scripts (and runs them from)
DIRECTORY = '/var/lib/heat-savanna/bootstrap'
TIMEOUT_RANGE = (1, 3600)
DEFAULT_TIMEOUT = 300
NAME_PATTERN = r'^[a-zA-Z0-9][a-zA-Z0-9_.-]*$'
NAME_MAX = 64
_NAME_RE = re.compile(NAME_PATTERN)


@dataclasses.dataclass(frozen=True)
class Script:
    """One bootstrap script: its name, its text, its time limit."""
    name: str
    script: str
    timeout: int = DEFAULT_TIMEOUT


def parse(reader, data, path):
    """The :class:`Script` tuple of a raw ``bootstrap`` list; problems go
    to ``reader`` (a :class:`heat_savanna.core.reader.Reader`) with their
    path and the fix."""
    if data is None:
        return ()
    if not isinstance(data, (list, tuple)):
        reader.err(path, 'must be a list of scripts, not %s'
                   % reader_mod.kind(data),
                   'e.g. [{name: extras, script: "apt-get install -y jq"}]')
        return ()
    scripts, seen = [], set()
    for i, raw in enumerate(data):
        where = '%s[%d]' % (path, i)
        if not isinstance(raw, dict):
            reader.err(where, 'must be a map, not %s' % reader_mod.kind(raw),
                       '{name: ..., script: ..., timeout: ...}')
            continue
        before = len(reader.errors)
        reader.unknown_keys(raw, KEYS, where)
        name = reader.string(raw, NAME, where + '.' + NAME, required=True)
        text = reader.string(raw, SCRIPT, where + '.' + SCRIPT,
                             required=True)
        timeout = reader.integer(raw, TIMEOUT, where + '.' + TIMEOUT,
                                 DEFAULT_TIMEOUT)
        if name is not None and (len(name) > NAME_MAX or
                                 not _NAME_RE.match(name)):
            reader.err(where + '.' + NAME, 'must be at most %d letters, '
                       'digits, "-", "_" or ".", not %r' % (NAME_MAX, name))
        elif name in seen:
            reader.err(where + '.' + NAME, 'a second script named %r'
                       % name, 'give every script of a list its own name')
        low, high = TIMEOUT_RANGE
        if timeout is not None and not low <= timeout <= high:
            reader.err(where + '.' + TIMEOUT, 'must be between %d and %d '
                       'seconds, not %d' % (low, high, timeout))
        if len(reader.errors) == before:
            seen.add(name)
            scripts.append(Script(name, text, timeout))
    return tuple(scripts)


def scripts_of(spec, group_name):
    """The scripts a node of ``group_name`` runs: the cluster's, then its
    group's."""
    groups = {g.name: g for g in spec.node_groups}
    group = groups.get(group_name)
    return tuple(spec.bootstrap) + (tuple(group.bootstrap) if group else ())


def _path(k, script):
    return '%s/%02d-%s' % (DIRECTORY, k, script.name)


def _command(k, script):
    path = _path(k, script)
    return ('cd %s && timeout %d %s; rc=$?; [ $rc -ne 124 ] || echo '
            '"bootstrap script %s ran past its timeout of %d s" >&2; '
            'exit $rc' % (DIRECTORY, script.timeout, path, script.name,
                          script.timeout))


def step(spec, nodes):
    """The fan-out step running the scripts on ``nodes`` (plugin
    NodeInfos), or None when no node has any."""
    work = {}
    for node in nodes:
        scripts = scripts_of(spec, node.group)
        if scripts:
            work[node.name] = scripts
    if not work:
        return None

    def node_work(node):
        scripts = work.get(node.name, ())
        return plugin_base.NodeWork(
            setup='mkdir -p %s' % DIRECTORY,
            files=tuple((_path(k, s), s.script, 0o700)
                        for k, s in enumerate(scripts, 1)),
            # each script alone, under its own limit: the failure reason
            # names the script that failed (and says when it ran out of
            # time: coreutils' timeout exits 124)
            commands=tuple(_command(k, s) for k, s in enumerate(scripts, 1)),
            timeout=max(s.timeout for s in scripts) + 30)
    return plugin_base.Step(PHASE, nodes=tuple(
        n for n in nodes if n.name in work), work=node_work)


def change_event(old_spec, spec, running):
    """The event of an update that changes scripts, or None: they run on
    the nodes built from now on, not on the ``running`` ones."""
    if old_spec is None:
        return None
    changed = [] if old_spec.bootstrap == spec.bootstrap else ['cluster']
    old_groups = {g.name: g for g in old_spec.node_groups}
    changed += [g.name for g in spec.node_groups
                if g.name in old_groups and
                old_groups[g.name].bootstrap != g.bootstrap]
    if not changed:
        return None
    return ('bootstrap scripts changed (%s): they run on the nodes built '
            'from now on (a heal, a scale-up), not on the %d running '
            'nodes' % (', '.join(changed), running))
