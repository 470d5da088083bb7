"""What the nested stacks built, node by node.

Heat reports resources, not nodes. These pure functions turn the rows of
a nested stack (name, action, status, reason) into one verdict per node:

* BUILT: every resource of the node is CREATE or UPDATE COMPLETE;
* FAILED: one of its own resources failed (the phase says which kind:
  network, volume, boot, volume-attach, floating-ip);
* UNFINISHED: nothing of its own failed, but some resource of it never
  finished (INIT, still IN_PROGRESS, or absent) - e.g. another node's
  failure stopped the stack it is in. Such a node is not failed: it is
  finished by a follow-up update before the cluster is configured.

A resource that is (INIT, COMPLETE) was never started: it does not count
as built (Heat shows never-started rows that way).

Pure: no Heat import, no I/O.
"""

import dataclasses

from heat_savanna.core import template

NODE_BUILD_STATES = (BUILT, FAILED, UNFINISHED) = (
    'BUILT', 'FAILED', 'UNFINISHED')

_DONE_ACTIONS = ('CREATE', 'UPDATE', 'RESUME', 'CHECK')


@dataclasses.dataclass(frozen=True)
class Row:
    """One nested resource as Heat's resource table has it."""
    name: str
    action: str
    status: str
    reason: str = ''


@dataclasses.dataclass(frozen=True)
class NodeBuild:
    name: str
    state: str
    phase: str = ''
    reason: str = ''


def row_done(row):
    return row.status == 'COMPLETE' and row.action in _DONE_ACTIONS


def judge_nodes(rows, nodes, expected=()):
    """``{node: NodeBuild}`` for ``nodes`` from the rows of the stack
    their resources are in (rows of other nodes and shared resources are
    ignored). ``expected``: the names of the resources the stack's
    template has; one of a node's with no row leaves the node unfinished
    (Heat can lose a row: a replacement that failed while its traversal
    was superseded was seen to vanish, "resource with id N not found")."""
    nodes = set(nodes)
    own = {n: [] for n in nodes}
    for row in rows:
        owner, phase = template.node_of_resource(row.name, nodes)
        if owner is not None:
            own[owner].append((phase, row))
    have = {row.name for row in rows}
    for name in expected:
        owner, phase = template.node_of_resource(name, nodes)
        if owner is not None and name not in have:
            own[owner].append((phase, Row(name, 'INIT', 'ABSENT')))
    verdicts = {}
    for node in sorted(nodes):
        rows_of = own[node]
        failed = sorted(((phase, row) for phase, row in rows_of
                         if row.status == 'FAILED'),
                        key=lambda pr: template.PHASE_ORDER.index(pr[0]))
        if failed:
            phase, row = failed[0]
            verdicts[node] = NodeBuild(
                node, FAILED, phase,
                row.reason or '%s %s' % (row.action, row.status))
        elif not any(phase == 'boot' for phase, _r in rows_of):
            verdicts[node] = NodeBuild(node, UNFINISHED, 'boot',
                                       'server not built')
        elif all(row_done(row) for _p, row in rows_of):
            verdicts[node] = NodeBuild(node, BUILT)
        else:
            phase, row = [(p, r) for p, r in rows_of if not row_done(r)][0]
            verdicts[node] = NodeBuild(
                node, UNFINISHED, phase,
                '%s has no row in the stack' % row.name
                if row.status == 'ABSENT' else
                '%s is %s %s' % (row.name, row.action, row.status))
    return verdicts


def shared_failures(rows, nodes):
    """Reasons of failed rows that belong to no node (keypair, security
    group, server group): such a failure leaves no node usable."""
    nodes = set(nodes)
    return ['%s: %s' % (row.name, row.reason or row.status)
            for row in rows
            if row.status == 'FAILED' and
            template.node_of_resource(row.name, nodes)[0] is None]


def busy(rows):
    """Whether any row is still in progress."""
    return any(row.status == 'IN_PROGRESS' for row in rows)


#: what one look at a nested stack says: keep waiting, it is done, or it
#: failed and nothing of it is still moving
STACK_VERDICTS = (WAIT, DONE, STACK_FAILED) = ('WAIT', 'DONE', 'FAILED')
#: looks a failed stack must be quiet before its rows are judged
SETTLE_POLLS = 2


def judge_stack(status, expected_action, settled, rows=None):
    """``(verdict, settled)`` of one look at a nested stack: the one
    settle rule every wait on a nested stack follows.

    ``status``: ``(action, status, reason)`` or None (not stored yet);
    ``expected_action``: the action the caller started (an older
    action's COMPLETE is not this one's); ``settled``: how many looks in
    a row found the failed stack quiet; ``rows``: its resources' rows,
    needed only when the stack FAILED (call again with them when the
    verdict is None). Another node set may still be building after the
    first failure, so a FAILED stack is judged once no row has been in
    progress for :data:`SETTLE_POLLS` looks; after a timeout a row
    nobody answered stays in progress, and nothing is left to wait for.
    """
    if status is None or status[0] != expected_action or \
            status[1] == 'IN_PROGRESS':
        return WAIT, settled
    if status[1] != 'FAILED':
        return DONE, 0
    if rows is None:
        return None, settled
    timed_out = 'timed out' in (status[2] or '').lower()
    settled = 0 if busy(rows) and not timed_out else settled + 1
    if settled < SETTLE_POLLS:
        return WAIT, settled
    return STACK_FAILED, 0


def strays(found, owner, nodes, known):
    """The ids in ``found`` (``(id, metadata)`` of servers, ports or
    volumes; a port's from :func:`template.port_marks`) made for one of
    ``nodes`` of the stack ``owner`` that no resource knows (``known``:
    the physical ids of the set's resources).

    Such a server, port or volume exists when a create went through in
    Nova, Neutron or Cinder but its answer never reached Heat: the engine
    died between the request and storing the id, or a proxy timed the
    request out. Heat never deletes it; a stray server keeps the node's
    port, so the node's next server fails with "Port ... is still in
    use", and a stray port keeps the cluster's security group, so the
    cluster's delete fails."""
    nodes, known = set(nodes), set(known)
    return sorted(ident for ident, meta in found
                  if (meta or {}).get(template.OWNER_KEY) == owner and
                  (meta or {}).get(template.NODE_KEY) in nodes and
                  ident not in known)
