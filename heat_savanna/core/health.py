"""Is the cluster usable? The partial-active rule, in one pure function.

A cluster is FAILED when a node carrying a mandatory process (spark master,
namenode, resourcemanager) failed, or when a group can no longer reach its
``min_active`` (active + still-building nodes below it). Otherwise it is
ACTIVE when every wanted node is active, PARTIALLY_ACTIVE when it is usable
but some nodes failed or are missing (the next stack update rebuilds
them), and BUILDING while nodes are still booting or being configured.

The one-line ``summary`` goes to status_reason and metadata (what Horizon
shows), so it names the degraded groups with their numbers.
"""

import dataclasses
import typing

NODE_STATES = (ACTIVE, BUILDING, CONFIGURING, FAILED, DELETED) = (
    'ACTIVE', 'BUILDING', 'CONFIGURING', 'FAILED', 'DELETED')
#: the cluster status between ACTIVE and FAILED (the others are node
#: states too: ACTIVE, FAILED, BUILDING)
PARTIALLY_ACTIVE = 'PARTIALLY_ACTIVE'

_LOST = (FAILED, DELETED)
_PENDING = (BUILDING, CONFIGURING)
_NAMES_SHOWN = 5


@dataclasses.dataclass(frozen=True)
class NodeState:
    name: str
    group: str
    state: str = BUILDING
    phase: str = ''
    reason: str = ''


@dataclasses.dataclass(frozen=True)
class Health:
    """The verdict; every field is JSON-serialisable."""
    status: str
    groups: dict          # name -> {active, desired, min_active, failed}
    active_count: int
    desired_count: int
    failed_nodes: list    # [{name, group, phase, reason}]
    summary: str
    reason: typing.Optional[str] = None


def _names(names):
    shown = ', '.join(names[:_NAMES_SHOWN])
    if len(names) > _NAMES_SHOWN:
        shown += ' and %d more' % (len(names) - _NAMES_SHOWN)
    return shown


def _plural(n, word):
    return '%d %s%s' % (n, word, '' if n == 1 else 's')


def evaluate(spec, layout, states, mandatory_processes):
    """The cluster's Health.

    :param states: ``{node name: NodeState}`` or an iterable of NodeState;
        layout nodes without a state count as BUILDING.
    :param mandatory_processes: processes whose failure fails the cluster.
    """
    if not isinstance(states, dict):
        states = {s.name: s for s in states}
    mandatory = set(mandatory_processes or ())
    specs = {g.name: g for g in spec.node_groups}
    groups, failed_nodes, fatal = {}, [], []
    pending_count = 0
    for group_name in _group_order(spec, layout):
        ng = specs.get(group_name)
        desired = max(ng.count, 0) if ng else 0
        min_active = ng.min_active if ng else 0
        active = failed = pending = 0
        lost_names = []
        for name in layout.group_nodes(group_name):
            st = states.get(name) or NodeState(name, group_name)
            if st.state == ACTIVE:
                active += 1
            elif st.state in _LOST:
                failed += 1
                lost_names.append(name)
                failed_nodes.append({'name': name, 'group': group_name,
                                     'phase': st.phase or '',
                                     'reason': st.reason or st.state})
                procs = sorted(mandatory & set(ng.node_processes)) \
                    if ng else []
                if procs:
                    fatal.append('node %s running %s failed%s: %s' % (
                        name, ', '.join(procs),
                        ' in ' + st.phase if st.phase else '',
                        st.reason or st.state))
            else:
                pending += 1
        pending_count += pending
        groups[group_name] = {'active': active, 'desired': desired,
                              'min_active': min_active, 'failed': failed}
        if active + pending < min_active:
            # while nodes are still being built or configured, say how
            # many can still make it, not how many already did
            fatal.append('group %s %s %d of %d nodes active, below '
                         'min_active %d%s' % (
                             group_name,
                             'can have at most' if pending else 'has',
                             active + pending, desired, min_active,
                             ' (failed: %s)' % _names(lost_names)
                             if lost_names else ''))
    active_count = sum(g['active'] for g in groups.values())
    desired_count = spec.desired_count
    degraded = ['%s %d/%d active (min %d)'
                % (name, g['active'], g['desired'], g['min_active'])
                for name, g in groups.items()
                if g['failed'] or g['active'] < g['desired']]
    to_rebuild = len(failed_nodes)
    if fatal:
        status = FAILED
        reason = '; '.join(fatal)
        summary = 'FAILED: ' + reason
    elif pending_count:
        status, reason = BUILDING, None
        summary = 'BUILDING: %d/%d nodes active' % (active_count,
                                                    desired_count)
        if to_rebuild:
            summary += '; %s failed' % _plural(to_rebuild, 'node')
    elif degraded:
        status, reason = PARTIALLY_ACTIVE, None
        summary = 'PARTIALLY_ACTIVE: ' + ', '.join(degraded)
        if to_rebuild:
            summary += '; %s to rebuild' % _plural(to_rebuild, 'node')
    else:
        status, reason = ACTIVE, None
        summary = 'ACTIVE: %d/%d nodes active' % (active_count,
                                                  desired_count)
    return Health(status=status, groups=groups, active_count=active_count,
                  desired_count=desired_count, failed_nodes=failed_nodes,
                  summary=summary, reason=reason)


def _group_order(spec, layout):
    """Spec groups first (their order), then layout-only groups (nodes
    kept until decommissioned)."""
    order = [g.name for g in spec.node_groups]
    order += [g for g in layout.groups() if g not in order]
    return order
