"""Stable node names: which nodes exist, per group, and the next index.

A node is called ``<group>-<index>``; the name is the nested stack's
resource name, the server's hostname suffix and the key of every per-node
record, so it must never change and an index is never handed out twice
(not even after the group is removed and added again). That lets an update
replace or remove exactly the node it means, where a ResourceGroup would
renumber.

Nodes are built in *node sets*: each set is one child stack of the
cluster's nested stack (see :mod:`heat_savanna.core.template`), so a
resource failing for one node cannot stop the building of another. A set
holds the nodes of one group added by one operation, at most ``set_size``
of them; it is named after its first node and never re-packed: nodes only
leave a set (scale-down, rebuild), and a set left empty goes. Nodes of a
layout serialised before node sets existed belong to no set ("flat"):
their resources stay where they were, in the cluster's nested stack
itself, until they are removed.

Pure and deterministic; serialised as JSON in the resource's data.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class GroupLayout:
    name: str
    nodes: tuple          # live node names, ascending index
    next_index: int


@dataclasses.dataclass(frozen=True)
class NodeSetLayout:
    name: str             # the set's first node, e.g. "workers-10"
    group: str
    nodes: tuple          # live node names, ascending index


#: nodes per node set when the caller does not say (``[savanna]
#: node_set_size``'s default). Measured (figure 8 of the performance page):
#: sets of 5 against sets of 1 cut heat-engine's CPU for a 100-node create
#: by about a fifth and for a 100 -> 110 scale-up by about two thirds,
#: as every update visits each set of the cluster's stack once. A resource
#: failing for one node stops only its own set's other nodes, which the set
#: then finishes without it (:mod:`heat_savanna.resources.node_set`).
DEFAULT_SET_SIZE = 5


@dataclasses.dataclass(frozen=True)
class LayoutChange:
    new_layout: 'Layout'
    added: tuple          # node names, in layout order
    removed: tuple        # node names, in the order they were chosen


def node_name(group, index):
    return '%s-%d' % (group, index)


def node_index(name):
    """The index of a node name (``workers-12`` -> 12)."""
    return int(name.rsplit('-', 1)[1])


class Layout(object):
    """Immutable: every operation returns a new Layout."""

    def __init__(self, groups=(), retired=None, sets=()):
        self._groups = tuple(groups)
        # next_index of groups no longer in the spec: a group added back
        # later goes on from there, so no index is ever reused
        self._retired = dict(retired or {})
        self._owner = {n: g.name for g in self._groups for n in g.nodes}
        # only live nodes stay in a set; a set without any goes
        sets = [NodeSetLayout(s.name, s.group,
                              tuple(n for n in s.nodes if n in self._owner))
                for s in sets]
        self._sets = tuple(s for s in sets if s.nodes)
        self._set_of = {n: s.name for s in self._sets for n in s.nodes}

    # -- construction / serialisation ------------------------------------
    @classmethod
    def initial(cls, spec, set_size=DEFAULT_SET_SIZE):
        groups = [GroupLayout(g.name,
                              tuple(node_name(g.name, i)
                                    for i in range(max(g.count, 0))),
                              max(g.count, 0))
                  for g in spec.node_groups]
        sets = []
        for g in groups:
            sets += _chunk(g.name, g.nodes, set_size)
        return cls(groups, sets=sets)

    def to_dict(self):
        return {'groups': [{'name': g.name, 'nodes': list(g.nodes),
                            'next_index': g.next_index}
                           for g in self._groups],
                'retired': dict(sorted(self._retired.items())),
                'sets': [{'name': s.name, 'group': s.group,
                          'nodes': list(s.nodes)} for s in self._sets]}

    @classmethod
    def from_dict(cls, data):
        try:
            groups = [GroupLayout(str(g['name']),
                                  tuple(str(n) for n in g['nodes']),
                                  int(g['next_index']))
                      for g in data['groups']]
            retired = {str(k): int(v)
                       for k, v in (data.get('retired') or {}).items()}
            # a layout stored before node sets existed has no 'sets':
            # every node of it is flat
            sets = [NodeSetLayout(str(s['name']), str(s['group']),
                                  tuple(str(n) for n in s['nodes']))
                    for s in data.get('sets') or ()]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError('not a serialised Layout: %s' % exc)
        return cls(groups, retired, sets)

    def __eq__(self, other):
        return isinstance(other, Layout) and \
            self.to_dict() == other.to_dict()

    def __repr__(self):
        return 'Layout(%r)' % (self.to_dict(),)

    # -- queries ---------------------------------------------------------
    def nodes(self):
        """``[(group, name), ...]`` in group order, then index order."""
        return [(g.name, n) for g in self._groups for n in g.nodes]

    def names(self):
        return [n for _g, n in self.nodes()]

    def groups(self):
        return [g.name for g in self._groups]

    def group_nodes(self, group):
        for g in self._groups:
            if g.name == group:
                return list(g.nodes)
        return []

    def group_of(self, name):
        """The group a node belongs to (KeyError if not in the layout)."""
        return self._owner[name]

    def node_sets(self):
        """The node sets, in the order they were made."""
        return list(self._sets)

    def set_of(self, name):
        """The name of the node set holding ``name``, or None for a flat
        node (one of a layout stored before node sets existed)."""
        return self._set_of.get(name)

    def flat_nodes(self):
        """``[(group, name), ...]`` of the nodes in no node set."""
        return [(g, n) for g, n in self.nodes() if n not in self._set_of]

    def __contains__(self, name):
        return name in self._owner

    def __len__(self):
        return len(self._owner)

    def _next_index(self, group):
        for g in self._groups:
            if g.name == group:
                return g.next_index
        return self._retired.get(group, 0)

    # -- changes -----------------------------------------------------------
    def resize(self, spec, failed=(), removal_candidates=(),
               set_size=DEFAULT_SET_SIZE):
        """The layout for ``spec``'s counts.

        Per group: failed nodes always go (the next update rebuilds them
        under new names); then, above ``count``, the removal candidates
        (in the order given), then the newest nodes; below ``count`` new
        indices are appended. Groups no longer in the spec lose every node;
        new groups start where an earlier group of that name left off.
        """
        failed = set(failed)
        candidates = list(removal_candidates)
        groups, added, removed = [], [], []
        retired = dict(self._retired)
        wanted = {g.name for g in spec.node_groups}
        for group in self._groups:
            if group.name not in wanted:
                removed.extend(group.nodes)
                retired[group.name] = group.next_index
        for ng in spec.node_groups:
            live = self.group_nodes(ng.name)
            next_index = self._next_index(ng.name)
            retired.pop(ng.name, None)
            gone = [n for n in live if n in failed]
            live = [n for n in live if n not in failed]
            count = max(ng.count, 0)
            for name in candidates:
                if len(live) <= count:
                    break
                if name in live:
                    live.remove(name)
                    gone.append(name)
            while len(live) > count:
                gone.append(live.pop())
            while len(live) < count:
                name = node_name(ng.name, next_index)
                next_index += 1
                live.append(name)
                added.append(name)
            removed.extend(gone)
            groups.append(GroupLayout(ng.name, tuple(live), next_index))
        sets = list(self._sets)
        for ng in spec.node_groups:
            sets += _chunk(ng.name, [n for n in added
                                     if self._group_name(n) == ng.name],
                           set_size)
        return LayoutChange(Layout(groups, retired, sets), tuple(added),
                            tuple(removed))

    @staticmethod
    def _group_name(name):
        return name.rsplit('-', 1)[0]

    def with_nodes(self, nodes, sets_from=None):
        """This layout plus ``[(group, name), ...]`` (e.g. nodes kept until
        they are decommissioned). Indices stay sorted; next_index never
        goes back; a group not present is added at the end. A node goes
        back into the node set it has in ``sets_from`` (the layout it is
        taken from), so its resources stay where they are."""
        extra = {}
        for group, name in nodes:
            extra.setdefault(group, []).append(name)
        groups, retired = [], dict(self._retired)
        for group in self._groups:
            names = set(group.nodes) | set(extra.pop(group.name, ()))
            groups.append(self._group_of_names(group.name, names,
                                               group.next_index))
        for name, names in extra.items():
            groups.append(self._group_of_names(name, set(names),
                                               retired.pop(name, 0)))
        sets = {s.name: s for s in self._sets}
        for old in (sets_from.node_sets() if sets_from is not None else ()):
            back = [n for _g, n in nodes if n in old.nodes]
            if not back:
                continue
            mine = sets.get(old.name)
            members = set(back) | set(mine.nodes if mine else ())
            sets[old.name] = NodeSetLayout(
                old.name, old.group,
                tuple(sorted(members, key=node_index)))
        order = [s.name for s in self._sets] + [
            s.name for s in (sets_from.node_sets() if sets_from else ())
            if s.name in sets and s.name not in
            {x.name for x in self._sets}]
        return Layout(groups, retired, [sets[n] for n in order])

    @staticmethod
    def _group_of_names(group, names, next_index):
        ordered = tuple(sorted(names, key=node_index))
        top = node_index(ordered[-1]) + 1 if ordered else 0
        return GroupLayout(group, ordered, max(next_index, top))


def _chunk(group, names, size):
    """NodeSetLayouts of at most ``size`` of ``names``, in order."""
    size = max(int(size or 1), 1)
    names = list(names)
    return [NodeSetLayout(names[i], group, tuple(names[i:i + size]))
            for i in range(0, len(names), size)]
