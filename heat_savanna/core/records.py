"""A cluster's node records: the one place that changes them.

The cluster resource keeps, per node, a record (a JSON-able dict) of its
group, processes, state (BUILDING, CONFIGURING, ACTIVE, FAILED), the phase
and reason of a failure, its server id, addresses and SSH host keys
(stored by :mod:`heat_savanna.resources.state`). Every change of a record
goes through a function here, so what a phase of an action does to the
nodes reads as one call.

Pure: no Heat import, no I/O.
"""

from heat_savanna.core import build
from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod

ACTIVE, CONFIGURING, FAILED = health.ACTIVE, health.CONFIGURING, health.FAILED
#: what a built node brings to its record
BUILT_KEYS = ('server_id', 'fixed_ip', 'floating_ip', 'host_keys')
#: characters of a failure reason kept in a record
REASON_LIMIT = 500


def layout(state):
    return layout_mod.Layout.from_dict(state['layout'])


def new_record(processes, group):
    """A record for a node of ``group`` about to be built."""
    return {'group': group, 'processes': list(processes),
            'state': health.BUILDING, 'phase': 'boot', 'reason': '',
            'server_id': None, 'fixed_ip': None, 'floating_ip': None,
            'host_keys': []}


def mark(rec, state, phase='', reason=''):
    rec['state'] = state
    rec['phase'] = phase
    rec['reason'] = (reason or '')[-REASON_LIMIT:]


def node_states(state):
    """``{node: NodeState}`` of the layout's nodes (for core.health)."""
    out = {}
    for group, name in layout(state).nodes():
        rec = state['nodes'].get(name) or {}
        out[name] = health.NodeState(
            name=name, group=group, state=rec.get('state', health.BUILDING),
            phase=rec.get('phase', ''), reason=rec.get('reason', ''))
    return out


def has_failed_nodes(state):
    return bool(failed_names(state))


def failed_names(state):
    """Names of the failed nodes, sorted."""
    return sorted(n for n, rec in (state.get('nodes') or {}).items()
                  if rec.get('state') == FAILED)


def removed(state):
    """Nodes whose resources are out of the nested stack (failed and
    taken out by a follow-up update) until the next update rebuilds them."""
    return [n for n, r in state.get('nodes', {}).items() if r.get('removed')]


def add_nodes(state, spec, layout_, names):
    """New records for ``names`` of ``layout_`` (building)."""
    for name in names:
        group = layout_.group_of(name)
        state['nodes'][name] = new_record(spec.group(group).node_processes,
                                          group)


def drop_nodes(state, names):
    for name in names:
        state['nodes'].pop(name, None)


def take_builds(state, wanted, records, describe_failure):
    """What the node sets built, into the records of ``wanted``: a built
    node is CONFIGURING, any other FAILED in the phase its set named
    (``describe_failure(group, reason)`` words the reason)."""
    for name in wanted:
        rec = state['nodes'][name]
        found = records.get(name, {})
        if found.get('state') == build.BUILT:
            for key in BUILT_KEYS:
                if key in found:
                    rec[key] = found[key]
            mark(rec, CONFIGURING, 'configure')
        else:
            mark(rec, FAILED, found.get('phase') or 'boot',
                 describe_failure(rec['group'],
                                  found.get('reason') or 'not built'))
            if found.get('removed'):
                rec['removed'] = True


def take_failed_builds(state, records):
    """Nodes a node set failed, before a follow-up update leaves their
    resources out: FAILED and removed."""
    for name, found in records.items():
        if found['state'] == build.FAILED:
            rec = state['nodes'][name]
            mark(rec, FAILED, found.get('phase') or 'boot',
                 found.get('reason') or 'failed')
            rec['removed'] = True


def take_discovered(state, records):
    """Addresses and host keys learnt of nodes of a cluster created
    before node sets (see resources.discovery)."""
    for name, found in records.items():
        rec = state['nodes'][name]
        for key in BUILT_KEYS:
            rec[key] = found[key]
        if found['state'] == build.FAILED:
            mark(rec, FAILED, found['phase'], found['reason'])


def take_failures(state, failures):
    """``{node: NodeFailure}`` of a run of steps, into the records."""
    for name, failure in failures.items():
        if name in state['nodes']:
            mark(state['nodes'][name], FAILED, failure.phase, failure.reason)


def with_failures(state, failures):
    """A copy of the state's layout and records as they would be with
    ``failures``: what the cluster would be if the run ended now."""
    trial = {'layout': state['layout'], 'nodes': {
        name: dict(rec) for name, rec in state['nodes'].items()}}
    take_failures(trial, failures)
    return trial


def mark_configured(state, names=None):
    """Nodes CONFIGURING (all, or those of ``names``) are ACTIVE."""
    for name, rec in state['nodes'].items():
        if rec['state'] == CONFIGURING and (names is None or name in names):
            mark(rec, ACTIVE)


def mark_lost(state, servers):
    """An ACTIVE node whose server ``servers[node]`` is not ACTIVE (a
    status, or None when the server is gone: ``(None, why)``) is FAILED
    in phase ``check``."""
    for name, (status, why) in servers.items():
        rec = state['nodes'][name]
        if rec['state'] != ACTIVE:
            continue
        if status is None:
            mark(rec, FAILED, 'check', 'server not found: %s' % why)
        elif status != 'ACTIVE':
            mark(rec, FAILED, 'check', 'server is %s' % status)


def learn_host_keys(state, seen):
    """``{node: host key}`` first shown by nodes that had none recorded
    (the accept-new policy)."""
    for name, key in seen.items():
        rec = state['nodes'].get(name)
        if rec is not None and not rec.get('host_keys') and key:
            rec['host_keys'] = [key]


def public_view(state):
    """The ``nodes`` attribute: every node of the layout, in order."""
    nodes = []
    for group, node in layout(state).nodes():
        rec = state['nodes'].get(node, {})
        nodes.append({'name': node, 'group': group,
                      'processes': rec.get('processes', []),
                      'address': rec.get('floating_ip') or
                      rec.get('fixed_ip'),
                      'internal_address': rec.get('fixed_ip'),
                      'server_id': rec.get('server_id'),
                      'state': rec.get('state'),
                      'phase': rec.get('phase', ''),
                      'reason': rec.get('reason', '')})
    return nodes
