"""What one operation on a cluster will do, decided before anything is done.

The Heat resource executes these plans; it decides nothing itself. Like
Heat's own scaling code, the plan is a small pure function of the current
layout, the nodes' states and the wanted spec:

* :func:`plan_create`: the first layout;
* :func:`plan_update`: which nodes to add (always in new node sets), which
  failed nodes to drop at once, which healthy nodes to decommission before
  they go, which nodes to configure, and the layout of each nested-stack
  update on the way (``grow`` while the update runs, ``final`` after the
  decommission);
* :func:`fixed_group_changes`: the node group changes no update does in
  place;
* :func:`plan_reconfigure`: which running nodes a configuration change
  reaches, what each must restart, and in which rolling batches.

Pure: no Heat import, no I/O.
"""

import dataclasses

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod

#: node group keys that cannot change in place for an existing group: they
#: define the servers and volumes themselves (rebuilding them would lose
#: data). Add a new group and scale the old one to 0 instead.
FIXED_GROUP_KEYS = ('node_processes', 'flavor', 'image', 'volumes_per_node',
                    'volume_size', 'volume_type', 'volumes_availability_zone',
                    'floating_ip', 'availability_zone')


@dataclasses.dataclass(frozen=True)
class UpdatePlan:
    """One stack update of a cluster.

    ``grow`` is the layout of the nested stack while the update runs: the
    new nodes are in, failed nodes are out, and leaving nodes stay until
    they are decommissioned, so a failure or rollback before that leaves
    them serving. ``final`` is the layout once they are gone.
    """
    grow: layout_mod.Layout
    final: layout_mod.Layout
    added: tuple          # new nodes, in new node sets
    dropped: tuple        # failed nodes removed at once (rebuilt anew)
    leaving: tuple        # healthy nodes decommissioned, then removed
    configure: tuple      # nodes to configure: added + never configured
    fresh: bool           # no node was ever configured: create steps

    @property
    def leaving_only(self):
        return bool(self.leaving) and not self.added


def plan_create(spec, set_size=layout_mod.DEFAULT_SET_SIZE):
    """The layout of a new cluster: every node, in node sets."""
    return layout_mod.Layout.initial(spec, set_size=set_size)


def plan_update(spec, layout, states, set_size=layout_mod.DEFAULT_SET_SIZE):
    """The :class:`UpdatePlan` bringing ``layout`` to ``spec``.

    :param states: ``{node: node state}`` (health.NODE_STATES); a node
        without one is BUILDING.
    """
    failed = [n for n in layout.names()
              if states.get(n) in (health.FAILED, health.DELETED)]
    change = layout.resize(spec, failed=failed,
                           removal_candidates=spec.removal_candidates,
                           set_size=set_size)
    dropped = tuple(n for n in change.removed if n in failed)
    leaving = tuple(n for n in change.removed if n not in failed)
    grow = change.new_layout.with_nodes(
        [(layout.group_of(n), n) for n in leaving], sets_from=layout)
    # Nodes that booted but were never configured (a create that failed
    # below min_active stops before configuring anyone) are configured by
    # this update too; if no node was ever configured, the whole cluster
    # gets the plugin's create steps.
    unconfigured = tuple(
        n for n in change.new_layout.names()
        if n not in change.added and
        states.get(n, health.BUILDING) in (health.BUILDING,
                                           health.CONFIGURING))
    fresh = not any(states.get(n) == health.ACTIVE for n in layout.names())
    return UpdatePlan(grow=grow, final=change.new_layout,
                      added=tuple(change.added), dropped=dropped,
                      leaving=leaving,
                      configure=tuple(change.added) + unconfigured,
                      fresh=fresh)


def fixed_group_changes(old, new):
    """ValidationErrors for changes of FIXED_GROUP_KEYS in a group that
    exists in both specs."""
    errors = []
    old_groups = {g.name: g for g in old.node_groups}
    for idx, group in enumerate(new.node_groups):
        prev = old_groups.get(group.name)
        if prev is None:
            continue
        for key in FIXED_GROUP_KEYS:
            if getattr(prev, key) != getattr(group, key):
                errors.append(ValidationError(
                    'node_groups[%d].%s' % (idx, key),
                    'changing %s of the existing node group %r is not done '
                    'in place' % (key, group.name),
                    'add a new group with the new %s and scale %r to 0'
                    % (key, group.name)))
    return errors


@dataclasses.dataclass(frozen=True)
class Reconfigure:
    """A configuration change applied in place.

    ``restarts``: ``{node: processes to restart}`` for every running node
    whose configuration changed (empty tuple: its files change, nothing
    restarts). ``batches``: the nodes in the order they are done, batch
    by batch: first the nodes with nothing to restart, then each group's
    other nodes in batches that keep at least ``min_active`` of the group
    running, and the nodes carrying a mandatory process (masters) last,
    one at a time.
    """
    restarts: dict
    batches: tuple

    def __bool__(self):
        return bool(self.restarts)


def merged_configs(spec, group):
    """``{section: {key: value}}`` a node of ``group`` gets: the group's
    node_configs over the cluster's cluster_configs."""
    out = {}
    for configs in (spec.cluster_configs, group.node_configs):
        for section, values in (configs or {}).items():
            out.setdefault(section, {}).update(values or {})
    return out


def plan_reconfigure(old, new, layout, states, restarts_needed,
                     mandatory=()):
    """The :class:`Reconfigure` from ``old`` to ``new`` configurations.

    :param states: ``{node: node state}``; only ACTIVE nodes are
        reconfigured (nodes being built get the new files anyway).
    :param restarts_needed: ``(old_configs, new_configs) -> processes``,
        the plugin catalog's answer.
    :param mandatory: processes whose nodes go last, one at a time.
    """
    old_groups = {g.name: g for g in old.node_groups}
    restarts = {}
    for group in new.node_groups:
        prev = old_groups.get(group.name)
        if prev is None:
            continue
        before = merged_configs(old, prev)
        after = merged_configs(new, group)
        if before == after:
            continue
        procs = set(restarts_needed(before, after))
        for node in layout.group_nodes(group.name):
            if states.get(node) == health.ACTIVE:
                restarts[node] = tuple(sorted(
                    p for p in procs if group.has(p)))
    return Reconfigure(restarts=restarts,
                       batches=rolling_batches(new, layout, states,
                                               restarts, mandatory))


def rolling_batches(spec, layout, states, restarts, mandatory=()):
    """The batches of :class:`Reconfigure` (see there)."""
    mandatory = set(mandatory)
    quiet = tuple(n for n in layout.names()
                  if n in restarts and not restarts[n])
    batches = [quiet] if quiet else []
    masters = []
    for group in spec.node_groups:
        nodes = [n for n in layout.group_nodes(group.name)
                 if restarts.get(n)]
        if not nodes:
            continue
        if mandatory & set(group.node_processes):
            masters.extend(nodes)
            continue
        active = sum(1 for n in layout.group_nodes(group.name)
                     if states.get(n) == health.ACTIVE)
        # with no slack above min_active the group goes one node at a time
        size = max(1, active - group.min_active)
        batches += [tuple(nodes[i:i + size])
                    for i in range(0, len(nodes), size)]
    batches += [(n,) for n in masters]
    return tuple(batches)
