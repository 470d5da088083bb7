"""What a cluster resource keeps between actions, in Heat's resource data.

``cluster`` (JSON): the layout (groups, nodes, node sets), one record per
node (group, processes, state, phase, reason, server id, addresses, SSH
host keys), the SSH user, the management public key, the summary line and,
while an update runs, what it will do next. ``management_key``: the
private key, stored with ``redact=True`` so Heat encrypts it; it is never
logged and never reaches an attribute, output or event.
"""

import json

from heat.common import exception

from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod

STATE_KEY = 'cluster'
PRIVATE_KEY = 'management_key'

ACTIVE, BUILDING, CONFIGURING, FAILED = (
    health.ACTIVE, health.BUILDING, health.CONFIGURING, health.FAILED)


def load(rsrc):
    """The stored state dict ({} before the first action)."""
    try:
        raw = rsrc.data().get(STATE_KEY)
    except exception.NotFound:
        raw = None
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}


def save(rsrc, state):
    rsrc.data_set(STATE_KEY, json.dumps(state, sort_keys=True))


def private_key(rsrc):
    try:
        return rsrc.data().get(PRIVATE_KEY)
    except exception.NotFound:
        return None


def save_private_key(rsrc, key):
    rsrc.data_set(PRIVATE_KEY, key, redact=True)


def layout(state):
    return layout_mod.Layout.from_dict(state['layout'])


def new_record(spec_or_processes, group):
    """A record for a node about to be built."""
    processes = spec_or_processes
    if hasattr(spec_or_processes, 'node_groups'):
        processes = spec_or_processes.group(group).node_processes
    return {'group': group, 'processes': list(processes),
            'state': BUILDING, 'phase': 'boot', 'reason': '',
            'server_id': None, 'fixed_ip': None, 'floating_ip': None,
            'host_keys': []}


def mark(rec, state, phase='', reason=''):
    rec['state'] = state
    rec['phase'] = phase
    rec['reason'] = (reason or '')[-500:]


def node_states(state):
    """``{node: NodeState}`` of the layout's nodes (for core.health)."""
    lay = layout(state)
    out = {}
    for group, name in lay.nodes():
        rec = state['nodes'].get(name) or {}
        out[name] = health.NodeState(
            name=name, group=group, state=rec.get('state', BUILDING),
            phase=rec.get('phase', ''), reason=rec.get('reason', ''))
    return out


def has_failed_nodes(state):
    return any(rec.get('state') == FAILED
               for rec in (state.get('nodes') or {}).values())
