"""Locate, read and signal ``OS::Savanna::Cluster`` resources through Heat.

The one implementation of reading a cluster: the ``openstack savanna
cluster`` commands and ``heat-savanna status`` both call it. Everything
comes from Heat's API (python-heatclient), never from Nova or the nodes:

* a cluster is located as STACK [RESOURCE]: without a resource name, the
  stack's only ``OS::Savanna::Cluster`` (Heat's resource list filtered by
  type, one request);
* it is read from one resource show (or, for many clusters, one detailed
  resource list per stack): Heat resolves every attribute of the resource
  live on each show, so ``status``, ``nodes``, ``failed_nodes``, counts,
  ``master_address``, ``endpoints`` and ``info`` (plugin, version,
  summary, groups) arrive together with the resource's own state. The
  metadata (which Heat's API leaves out of resource show) is read only
  when the attributes are not there yet;
* it is signalled with the data contract of the cluster's signal handler
  (:func:`signal_data`), and :func:`wait` follows the resource until it
  leaves ``IN_PROGRESS``.

The functions take a heatclient ``Client`` (``client.resources``,
``client.stacks``, ``client.events``); nothing here imports Heat's engine.
"""

import dataclasses
import time

from heatclient import exc as heat_exc

TYPE = 'OS::Savanna::Cluster'

#: ``heat-savanna status`` exit codes; any other cluster status (FAILED,
#: BUILDING, unreadable) is EXIT_FAILED.
EXIT_CODES = {'ACTIVE': 0, 'PARTIALLY_ACTIVE': 1}
EXIT_FAILED = 2
UNKNOWN = 'UNKNOWN'

LIST_COLUMNS = ('Stack', 'Resource', 'Resource Status', 'Status', 'Active',
                'Desired', 'Plugin', 'Version')
LIST_LONG_COLUMNS = LIST_COLUMNS + ('Summary', 'Stack ID')
NODE_COLUMNS = ('Name', 'Group', 'Processes', 'Address', 'State', 'Phase',
                'Reason')
NODE_LONG_COLUMNS = NODE_COLUMNS + ('Internal Address',)

SIGNAL_ACTIONS = ('heal', 'resize', 'check')


class ClusterError(Exception):
    """A cluster cannot be located, read or signalled; the message says why
    and, where there is one, what to do."""


class SignalRefused(ClusterError):
    """Heat refused the signal (the reason is Heat's own)."""


class WaitTimeout(ClusterError):
    """The resource was still busy when the wait ran out."""


@dataclasses.dataclass(frozen=True)
class Cluster(object):
    """One cluster as Heat shows it."""

    stack: str              # stack name
    stack_id: str
    resource: str           # resource name
    resource_status: str    # Heat's: CREATE_COMPLETE, UPDATE_IN_PROGRESS...
    status_reason: str      # the summary, or the progress of an action
    status: str             # the cluster's: ACTIVE, PARTIALLY_ACTIVE...
    summary: str
    plugin: str
    version: str
    active_count: object    # int, or None when unknown
    desired_count: object
    master_address: object
    endpoints: dict
    failed_nodes: list
    nodes: list
    groups: dict

    @property
    def in_progress(self):
        return self.resource_status.endswith('_IN_PROGRESS')

    @property
    def failed(self):
        return self.resource_status.endswith('_FAILED')

    @property
    def exit_code(self):
        """0 ACTIVE, 1 PARTIALLY_ACTIVE, 2 anything else."""
        return EXIT_CODES.get(self.status, EXIT_FAILED)


# -- pure: from Heat's resource representation to rows ----------------------
def stack_of(resource, default=('', '')):
    """``(stack name, stack id)`` from a resource's ``stack`` link (Heat's
    API drops the stack name and id from the resource body itself)."""
    for link in getattr(resource, 'links', None) or ():
        if link.get('rel') == 'stack':
            parts = link.get('href', '').rstrip('/').split('/')
            if len(parts) >= 2 and 'stacks' in parts[:-2]:
                return parts[-2], parts[-1]
    return default


def from_resource(resource, stack=None, metadata=None):
    """A :class:`Cluster` from a heatclient resource (a resource show or a
    detailed resource list entry), with ``metadata`` as fallback."""
    attrs = getattr(resource, 'attributes', None) or {}
    meta = metadata or {}
    info = attrs.get('info') or {}
    name, stack_id = stack_of(resource, (stack or '', ''))
    reason = getattr(resource, 'resource_status_reason', None) or ''

    def pick(key, default=None):
        value = attrs.get(key)
        return meta.get(key, default) if value is None else value

    return Cluster(
        stack=name or stack or '', stack_id=stack_id,
        resource=resource.resource_name,
        resource_status=resource.resource_status or '',
        status_reason=reason,
        status=pick('status') or info.get('status') or UNKNOWN,
        summary=info.get('summary') or meta.get('summary') or reason,
        plugin=info.get('plugin') or '', version=info.get('version') or '',
        active_count=pick('active_count'),
        desired_count=pick('desired_count'),
        master_address=attrs.get('master_address'),
        endpoints=dict(attrs.get('endpoints') or {}),
        failed_nodes=list(pick('failed_nodes') or []),
        nodes=list(attrs.get('nodes') or []),
        groups=dict(info.get('groups') or meta.get('groups') or {}))


def _count(value):
    return '' if value is None else value


def list_row(cluster, long=False):
    row = (cluster.stack, cluster.resource, cluster.resource_status,
           cluster.status, _count(cluster.active_count),
           _count(cluster.desired_count), cluster.plugin, cluster.version)
    if long:
        row += (cluster.summary, cluster.stack_id)
    return row


def node_rows(cluster, long=False):
    """One row per node: the ``nodes`` attribute, with each failed node's
    phase taken from ``failed_nodes`` (the node list gives its reason but
    not always the phase)."""
    phases = {f.get('name'): f.get('phase') or ''
              for f in cluster.failed_nodes}
    rows = []
    for node in cluster.nodes:
        row = (node.get('name') or '', node.get('group') or '',
               list(node.get('processes') or []),
               node.get('address') or '', node.get('state') or '',
               node.get('phase') or phases.get(node.get('name'), ''),
               node.get('reason') or '')
        if long:
            row += (node.get('internal_address') or '',)
        rows.append(row)
    return rows


def groups_text(groups):
    """``master 1/1 (min 1), worker 2/3 (min 1, 1 failed)``."""
    parts = []
    for name, g in groups.items():
        extra = ', %s failed' % g['failed'] if g.get('failed') else ''
        parts.append('%s %s/%s (min %s%s)' % (
            name, g.get('active', '?'), g.get('desired', '?'),
            g.get('min_active', '?'), extra))
    return ', '.join(parts)


def show_fields(cluster):
    """``(names, values)`` of one cluster for a show command."""
    fields = (
        ('stack', cluster.stack), ('stack_id', cluster.stack_id),
        ('resource', cluster.resource),
        ('resource_status', cluster.resource_status),
        ('status_reason', cluster.status_reason),
        ('status', cluster.status), ('summary', cluster.summary),
        ('plugin', cluster.plugin), ('version', cluster.version),
        ('active_count', _count(cluster.active_count)),
        ('desired_count', _count(cluster.desired_count)),
        ('master_address', cluster.master_address or ''),
        ('endpoints', cluster.endpoints),
        ('failed_nodes', cluster.failed_nodes),
        ('groups', cluster.groups))
    return tuple(f[0] for f in fields), tuple(f[1] for f in fields)


def signal_data(action, group=None, count=None, adjustment=None):
    """The signal body the cluster's handler reads, checked first.

    ``{"action": "heal"}``, ``{"action": "check"}``,
    ``{"action": "resize", "group": G, "count": N}`` (absolute) or
    ``{"action": "resize", "group": G, "adjustment": +/-N}`` (relative).
    """
    if action not in SIGNAL_ACTIONS:
        raise ClusterError('unknown action %r (one of: %s)'
                           % (action, ', '.join(SIGNAL_ACTIONS)))
    if action != 'resize':
        if group is not None or count is not None or adjustment is not None:
            raise ClusterError('%s takes no group, count or adjustment'
                               % action)
        return {'action': action}
    if not group:
        raise ClusterError('resize needs the node group to resize')
    if (count is None) == (adjustment is None):
        raise ClusterError('resize needs exactly one of a count (the new '
                           'size) or an adjustment (+N or -N)')
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            raise ClusterError('resize count must be a whole number >= 0, '
                               'not %r' % (count,))
        return {'action': 'resize', 'group': group, 'count': count}
    if isinstance(adjustment, bool) or not isinstance(adjustment, int) \
            or adjustment == 0:
        raise ClusterError('resize adjustment must be a non-zero whole '
                           'number, not %r' % (adjustment,))
    return {'action': 'resize', 'group': group, 'adjustment': adjustment}


def heat_message(error):
    """Heat's own message from a heatclient HTTP error, without the
    ``ERROR:`` prefix heatclient adds."""
    body = getattr(error, 'error', None) or {}
    message = (body.get('error') or {}).get('message') if \
        isinstance(body, dict) else None
    return message or str(error)


def _heat_error_type(error):
    body = getattr(error, 'error', None)
    if isinstance(body, dict) and isinstance(body.get('error'), dict):
        return body['error'].get('type')
    return None


# -- through the API --------------------------------------------------------
def cluster_resources(heat, stack, detail=False):
    """The stack's ``OS::Savanna::Cluster`` resources (top level), sorted
    by name. Heat filters by type server-side (a substring match, hence
    the exact check here)."""
    try:
        found = heat.resources.list(stack, filters={'type': TYPE},
                                    with_detail=detail)
    except heat_exc.HTTPNotFound:
        raise ClusterError('stack %s not found' % stack)
    return sorted((r for r in found if r.resource_type == TYPE),
                  key=lambda r: r.resource_name)


def locate(heat, stack, resource=None):
    """The cluster resource named by STACK [RESOURCE], as resource show
    returns it (attributes resolved)."""
    if not resource:
        candidates = cluster_resources(heat, stack)
        if not candidates:
            raise ClusterError('stack %s has no %s resource'
                               % (stack, TYPE))
        if len(candidates) > 1:
            raise ClusterError(
                'stack %s has %d %s resources (%s): name one with '
                '--resource' % (stack, len(candidates), TYPE,
                                ', '.join(r.resource_name
                                          for r in candidates)))
        resource = candidates[0].resource_name
    try:
        res = heat.resources.get(stack, resource)
    except heat_exc.HTTPNotFound as error:
        raise ClusterError('no resource %s in stack %s (%s)'
                           % (resource, stack, heat_message(error)))
    if res.resource_type != TYPE:
        raise ClusterError('resource %s in stack %s is a %s, not an %s'
                           % (resource, stack, res.resource_type, TYPE))
    return res


def _metadata_if_needed(heat, stack, res):
    # Attributes resolve to None while the cluster has no state yet (or
    # when the engine could not compute them): the metadata written at
    # the end of the last action is then the best there is.
    if (getattr(res, 'attributes', None) or {}).get('status') is not None:
        return None
    try:
        return heat.resources.metadata(stack, res.resource_name)
    except heat_exc.HTTPException:
        return None


def read(heat, stack, resource=None):
    """One :class:`Cluster`, located as :func:`locate` does."""
    res = locate(heat, stack, resource)
    return from_resource(res, stack, _metadata_if_needed(heat, stack, res))


def read_stack(heat, stack, resource=None):
    """Every cluster of one stack (or only ``resource``)."""
    if resource:
        return [read(heat, stack, resource)]
    out = []
    for res in cluster_resources(heat, stack, detail=True):
        out.append(from_resource(res, stack,
                                 _metadata_if_needed(heat, stack, res)))
    return out


def resources_by_stack(heat, stack_filter, find, gone):
    """``(stack, "name/id", resources)`` of each of the project's stacks
    (or only the one ``stack_filter`` names), ``find(heat, ident,
    detail=True)`` giving its resources; a stack deleted meanwhile
    (``find`` raised ``gone``) is skipped."""
    for stack in heat.stacks.list():
        if stack_filter and stack_filter not in (stack.stack_name, stack.id):
            continue
        ident = '%s/%s' % (stack.stack_name, stack.id)
        try:
            found = find(heat, ident, detail=True)
        except gone:
            continue
        yield stack, ident, found


def read_all(heat, stack_filter=None):
    """Every cluster in the project's stacks: one detailed, type-filtered
    resource list per stack. Stacks deleted meanwhile are skipped."""
    clusters = []
    for stack, ident, found in resources_by_stack(
            heat, stack_filter, cluster_resources, ClusterError):
        for res in found:
            clusters.append(from_resource(
                res, stack.stack_name,
                _metadata_if_needed(heat, ident, res)))
    return clusters


def last_event_id(heat, stack, resource):
    """The id of the resource's newest event (None if it has none)."""
    events = heat.events.list(stack, resource_name=resource, limit=1,
                              sort_dir='desc')
    return events[0].id if events else None


def is_signal_event(event):
    """Whether ``event`` is Heat's record of a signal's hand-over. Heat's
    API joins the action to the status (``SIGNAL_COMPLETE``) and shows no
    ``resource_action``; an event with one is read by it."""
    action = getattr(event, 'resource_action', None)
    if action:
        return action == 'SIGNAL'
    return (getattr(event, 'resource_status', '') or '').startswith(
        'SIGNAL_')


def acted_since(heat, stack, resource, mark, depth=10):
    """Whether the resource has an event newer than ``mark`` other than a
    ``SIGNAL`` event."""
    events = heat.events.list(stack, resource_name=resource, limit=depth,
                              sort_dir='desc')
    for event in events:
        if event.id == mark:
            return False
        if not is_signal_event(event):
            return True
    return False


def signal_resource(heat, ident, resource, data, what='cluster'):
    """Signal the resource ``resource`` of the stack ``ident`` (``what`` is
    the word for it in errors); returns the newest event id before the
    signal (the mark later events are counted from)."""
    stack = ident.split('/')[0]
    mark = last_event_id(heat, ident, resource)
    try:
        heat.resources.signal(ident, resource, data=data)
    except heat_exc.HTTPException as error:
        message = heat_message(error)
        if _heat_error_type(error) == 'ResourceActionNotSupported' or \
                message.startswith('signal is not supported for resource'):
            raise SignalRefused(
                '%s %s in stack %s does not handle signals (Heat: %s)'
                % (what, resource, stack, message))
        raise SignalRefused('%s %s in stack %s refused the %s signal: '
                            '%s' % (what, resource, stack,
                                    data.get('action'), message))
    return mark


def send_signal(heat, cluster, data):
    """Signal ``cluster``; returns the newest event id before the signal
    (the mark :func:`wait` counts new events from)."""
    ident = '%s/%s' % (cluster.stack, cluster.stack_id) \
        if cluster.stack_id else cluster.stack
    return signal_resource(heat, ident, cluster.resource, data)


def wait(heat, cluster, mark, timeout=3600, interval=5.0,
         sleep=time.sleep, clock=time.monotonic):
    """Follow the resource after a signal until it has acted and is no
    longer ``IN_PROGRESS``; return the re-read :class:`Cluster`.

    "Has acted" is: it was seen ``IN_PROGRESS``, or it has an event newer
    than ``mark`` other than the ``SIGNAL`` event Heat records when it
    hands the signal over (the cluster then runs the request as an action
    of its stack, whose events and states follow), so a signal whose
    action has not started yet is not taken for one that is done.
    """
    ident = '%s/%s' % (cluster.stack, cluster.stack_id) \
        if cluster.stack_id else cluster.stack
    deadline = clock() + timeout
    seen_busy = False
    while True:
        current = read(heat, ident, cluster.resource)
        seen_busy = seen_busy or current.in_progress
        if not current.in_progress and (
                seen_busy or acted_since(heat, ident, cluster.resource,
                                         mark)):
            return current
        if clock() >= deadline:
            raise WaitTimeout(
                'cluster %s in stack %s: still %s after %ds (%s)'
                % (cluster.resource, cluster.stack,
                   current.resource_status, timeout,
                   current.status_reason))
        sleep(interval)
