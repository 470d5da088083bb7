"""What a cluster resource keeps between actions, in Heat's resource data.

``cluster`` (JSON): the layout (groups, nodes, node sets), the SSH user,
the management public key, the summary line and, while an update runs,
what it will do next. ``node.<name>`` (JSON), one per node: its record
(group, processes, state, phase, reason, server id, addresses, SSH host
keys). A value of Heat's resource data is a TEXT column (64 KiB in
MariaDB/MySQL): one value holding every node's record overflowed it at
about 90 nodes, so each node has its own, and a save writes only the
records that changed. States saved whole by earlier releases (the records
inside ``cluster``) are read as they are and split at the next save.
``management_key``: the private key, stored with ``redact=True`` so Heat
encrypts it; it is never logged and never reaches an attribute, output or
event. What a record holds, and every change of one, is
:mod:`heat_savanna.core.records`'.
"""

import json

from heat.common import exception

STATE_KEY = 'cluster'
PRIVATE_KEY = 'management_key'
#: the key of one node's record: NODE_PREFIX + node name
NODE_PREFIX = 'node.'


def _stored(rsrc):
    try:
        return rsrc.data() or {}
    except exception.NotFound:
        return {}


def _decode(raw):
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def unpack(data):
    """The state dict from resource data ``{key: value}`` ({} before the
    first action)."""
    state = _decode(data.get(STATE_KEY))
    if not state:
        return {}
    nodes = dict(state.get('nodes') or {})     # an earlier release's
    for key, raw in data.items():
        if key.startswith(NODE_PREFIX):
            nodes[key[len(NODE_PREFIX):]] = _decode(raw)
    state['nodes'] = nodes
    return state


def pack(state):
    """``{key: value}`` of resource data holding ``state``."""
    rest = dict(state)
    nodes = rest.pop('nodes', None) or {}
    data = {STATE_KEY: json.dumps(rest, sort_keys=True)}
    for name, rec in nodes.items():
        data[NODE_PREFIX + name] = json.dumps(rec, sort_keys=True)
    return data


def load(rsrc):
    """The stored state dict ({} before the first action)."""
    return unpack(_stored(rsrc))


def save(rsrc, state):
    """Store ``state``: the values that changed, and drop the records of
    nodes it no longer has."""
    stored = _stored(rsrc)
    wanted = pack(state)
    for key, value in sorted(wanted.items()):
        if stored.get(key) != value:
            rsrc.data_set(key, value)
    for key in stored:
        if key.startswith(NODE_PREFIX) and key not in wanted:
            rsrc.data_delete(key)


def private_key(rsrc):
    try:
        return rsrc.data().get(PRIVATE_KEY)
    except exception.NotFound:
        return None


def save_private_key(rsrc, key):
    rsrc.data_set(PRIVATE_KEY, key, redact=True)
