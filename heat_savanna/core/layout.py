"""Stable node names: which nodes exist, per group, and the next index.

A node is called ``<group>-<index>``; the name is the nested stack's
resource name, the server's hostname suffix and the key of every per-node
record, so it must never change and an index is never handed out twice
(not even after the group is removed and added again). That lets an update
replace or remove exactly the node it means, where a ResourceGroup would
renumber.

Pure and deterministic; serialised as JSON in the resource's data.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class GroupLayout:
    name: str
    nodes: tuple          # live node names, ascending index
    next_index: int


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

    def __init__(self, groups=(), retired=None):
        self._groups = tuple(groups)
        # next_index of groups no longer in the spec: a group added back
        # later goes on from there, so no index is ever reused
        self._retired = dict(retired or {})
        self._owner = {n: g.name for g in self._groups for n in g.nodes}

    # -- construction / serialisation ------------------------------------
    @classmethod
    def initial(cls, spec):
        return cls(GroupLayout(g.name,
                               tuple(node_name(g.name, i)
                                     for i in range(max(g.count, 0))),
                               max(g.count, 0))
                   for g in spec.node_groups)

    def to_dict(self):
        return {'groups': [{'name': g.name, 'nodes': list(g.nodes),
                            'next_index': g.next_index}
                           for g in self._groups],
                'retired': dict(sorted(self._retired.items()))}

    @classmethod
    def from_dict(cls, data):
        try:
            groups = [GroupLayout(str(g['name']),
                                  tuple(str(n) for n in g['nodes']),
                                  int(g['next_index']))
                      for g in data['groups']]
            retired = {str(k): int(v)
                       for k, v in (data.get('retired') or {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError('not a serialised Layout: %s' % exc)
        return cls(groups, retired)

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
    def resize(self, spec, failed=(), removal_candidates=()):
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
        return LayoutChange(Layout(groups, retired), tuple(added),
                            tuple(removed))

    def replace(self, failed):
        """Drop the named nodes and add as many new ones in their groups."""
        failed = set(failed)
        groups, added, removed = [], [], []
        for group in self._groups:
            live = [n for n in group.nodes if n not in failed]
            gone = [n for n in group.nodes if n in failed]
            next_index = group.next_index
            for _ in gone:
                name = node_name(group.name, next_index)
                next_index += 1
                live.append(name)
                added.append(name)
            removed.extend(gone)
            groups.append(GroupLayout(group.name, tuple(live), next_index))
        return LayoutChange(Layout(groups, self._retired), tuple(added),
                            tuple(removed))

    def with_nodes(self, nodes):
        """This layout plus ``[(group, name), ...]`` (e.g. nodes kept until
        they are decommissioned). Indices stay sorted; next_index never
        goes back; a group not present is added at the end."""
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
        return Layout(groups, retired)

    @staticmethod
    def _group_of_names(group, names, next_index):
        ordered = tuple(sorted(names, key=node_index))
        top = node_index(ordered[-1]) + 1 if ordered else 0
        return GroupLayout(group, ordered, max(next_index, top))
