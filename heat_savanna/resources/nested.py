"""Reading nested stacks from Heat's own tables: the one place that does.

The cluster and its node sets poll their child stacks every few seconds.
They read the stack and resource tables directly (what
``StackResource._check_status_complete`` does too) rather than calling
the ``show_stack`` / ``list_stack_resources`` RPCs, which load, parse and
format a whole stack on every call. Where convergence keeps an old row
beside its replacement, the replacement is the one reported.
"""

import collections
import dataclasses

from heat.common import exception
from heat.objects import resource as resource_objects
from heat.objects import stack as stack_object

from heat_savanna.core import build

StackStatus = collections.namedtuple('StackStatus',
                                     'action status reason')


def stack_status(context, stack_id):
    """A StackStatus, or None for a stack not (yet) stored."""
    if stack_id is None:
        return None
    try:
        action, status, reason, _updated = stack_object.Stack.get_status(
            context, stack_id)
    except exception.NotFound:
        return None
    return StackStatus(action, status, reason or '')


def current(rows):
    """``{name: row}``, one DB row per resource name: the one not
    replaced, else the newest (convergence keeps an old row beside its
    replacement)."""
    found = {}
    for row in sorted(rows, key=lambda r: (r.replaced_by is None, r.id)):
        found[row.name] = row
    return found


@dataclasses.dataclass
class Wait:
    """A wait on one nested stack for the action its owner started:
    :meth:`look` once per ``check_*_complete`` call. The one settle rule
    is :func:`heat_savanna.core.build.judge_stack`'s."""
    stack_id: str
    action: str
    settled: int = 0
    #: the StackStatus of the last look
    status: StackStatus = None
    #: the rows of the last look that needed them (a failed stack's)
    rows: list = None

    def look(self, context):
        """``build.WAIT``, ``build.DONE`` or ``build.STACK_FAILED``."""
        self.status = stack_status(context, self.stack_id)
        self.rows = None
        verdict, self.settled = build.judge_stack(
            self.status, self.action, self.settled)
        if verdict is None:
            self.rows = rows(context, self.stack_id)
            verdict, self.settled = build.judge_stack(
                self.status, self.action, self.settled, self.rows)
        return verdict


def _row(db_row):
    return build.Row(db_row.name, db_row.action, db_row.status,
                     db_row.status_reason or '')


def rows(context, stack_id):
    """``[build.Row]`` of a stack's resources, by name."""
    if stack_id is None:
        return []
    found = resource_objects.Resource.get_all_active_by_stack(context,
                                                              stack_id)
    return [_row(r) for _n, r in sorted(current(found.values()).items())]


def rows_with_metadata(context, stack_id):
    """``{name: (build.Row, metadata dict, physical id)}`` of a stack's
    resources."""
    if stack_id is None:
        return {}
    found = resource_objects.Resource.get_all_active_by_stack(context,
                                                              stack_id)
    return {name: (_row(r), r.rsrc_metadata or {}, r.physical_resource_id)
            for name, r in current(found.values()).items()}


def rows_in(context, root_stack_id, stack_ids, names):
    """``[build.Row]`` of the resources called ``names`` in the stacks
    ``stack_ids`` (all under ``root_stack_id``): one query."""
    if not stack_ids or not names:
        return []
    found = resource_objects.Resource.get_all_by_root_stack(
        context, root_stack_id,
        {'stack_id': list(stack_ids), 'name': list(names)})
    return [_row(r) for r in current(found.values()).values()]


def physical_ids(context, root_stack_id, names):
    """The physical ids of the resources called one of ``names`` anywhere
    under the root stack: in every node set's child stack, a replacement
    set's included, and replaced rows too."""
    if root_stack_id is None or not names:
        return set()
    found = resource_objects.Resource.get_all_by_root_stack(
        context, root_stack_id, {'name': sorted(set(names))})
    return {r.physical_resource_id for r in found.values()
            if r.physical_resource_id}
