"""Signals to a running cluster: what they ask, and the counts they set.

A cluster takes signals (``openstack stack resource signal``, or a POST
to its signed URL, e.g. from an alarm)::

    {"action": "heal"}                                    rebuild failed nodes
    {"action": "resize", "group": "workers", "count": 5}  to a count
    {"action": "resize", "group": "workers", "adjustment": -2}   by one
    {"action": "check"}                                   probe every node
    {"action": "auto-heal", "lost": ["workers-2"], ...}   a watchdog's
                                                report (core.autoheal)

A signal without an ``action`` (an alarm's own body: ``current``,
``previous``, ``reason``...) does what the cluster's ``alarm_action``
property says.

A resize by signal never leaves the group's bounds: ``min_count`` (default:
its ``min_active``) and ``max_count`` (default: its ``count``, i.e. a
template author opts in to growth by signal).

The count a signal set is kept, like an AutoScalingGroup's current
capacity, until a stack update changes that group's ``count`` in the
template: then the template's new count wins (:func:`carry_overrides`).

Pure: no Heat import, no I/O.
"""

import dataclasses

from heat_savanna.common.exceptions import ValidationError

ACTIONS = (HEAL, RESIZE, CHECK, AUTO_HEAL) = (
    'heal', 'resize', 'check', 'auto-heal')
KEYS = (ACTION, GROUP, COUNT, ADJUSTMENT, LOST, SINCE, REPORTER) = (
    'action', 'group', 'count', 'adjustment', 'lost', 'since', 'reporter')
#: the keys of a watchdog's report, and only of it
REPORT_KEYS = (LOST, SINCE, REPORTER)
#: keys an alarm service sends (ignored when they come with an action)
ALARM_KEYS = ('alarm_id', 'alarm_name', 'current', 'previous', 'reason',
              'reason_data', 'severity', 'state', 'timestamp')


@dataclasses.dataclass(frozen=True)
class Request:
    action: str
    group: str = None
    count: int = None
    adjustment: int = None
    #: a watchdog's report (auto-heal): the nodes it found lost, since
    #: when (``{name: ISO 8601}``), and the node that reports
    lost: tuple = ()
    since: dict = None
    reporter: str = None

    def to_dict(self):
        """The request as stored in the cluster's state (what was not
        given left out); ``Request(**that)`` is the request again."""
        return {k: v for k, v in dataclasses.asdict(self).items()
                if v not in (None, (), {})}

    def describe(self):
        if self.action == AUTO_HEAL:
            return 'auto-heal (%s lost)' % (', '.join(self.lost) or
                                            'none')
        if self.action != RESIZE:
            return self.action
        if self.count is not None:
            return 'resize %s to %d' % (self.group, self.count)
        return 'resize %s by %+d' % (self.group, self.adjustment)


def _error(path, message, hint=None):
    return ValidationError('signal' + ('.' + path if path else ''),
                           message, hint)


def _int(data, key):
    value = data.get(key)
    if isinstance(value, bool):
        raise _error(key, 'must be a whole number, not a boolean')
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip('+-').isdigit():
        return int(value)
    raise _error(key, 'must be a whole number, not %r' % (value,))


def parse(details, alarm_action=None):
    """The :class:`Request` of a signal's data.

    :param alarm_action: the cluster's ``alarm_action`` (a dict like the
        data above), used when the data names no action.
    :raises ValidationError: naming the key and what is valid.
    """
    if details is None or details == '':
        details = {}
    if not isinstance(details, dict):
        raise _error('', 'the signal data must be a JSON object, not %s'
                     % type(details).__name__,
                     'e.g. {"action": "heal"}')
    if ACTION not in details:
        if not alarm_action:
            raise _error(ACTION, 'is required (the cluster has no '
                         'alarm_action)', 'one of %s' % ', '.join(ACTIONS))
        details = dict(alarm_action)
    unknown = sorted(set(details) - set(KEYS) - set(ALARM_KEYS))
    if unknown:
        raise _error(unknown[0], 'unknown key', 'valid keys: %s'
                     % ', '.join(KEYS))
    action = details[ACTION]
    if action not in ACTIONS:
        raise _error(ACTION, 'unknown action %r' % (action,),
                     'one of %s' % ', '.join(ACTIONS))
    if action == AUTO_HEAL:
        return _report(details)
    extra = [k for k in REPORT_KEYS if k in details]
    if extra:
        raise _error(extra[0], 'only auto-heal takes %s' % extra[0])
    if action != RESIZE:
        extra = [k for k in (GROUP, COUNT, ADJUSTMENT) if k in details]
        if extra:
            raise _error(extra[0], 'only resize takes %s' % extra[0])
        return Request(action)
    group = details.get(GROUP)
    if not isinstance(group, str) or not group:
        raise _error(GROUP, 'is required to resize', 'a node group name')
    if (COUNT in details) == (ADJUSTMENT in details):
        raise _error(COUNT, 'resize takes exactly one of count and '
                     'adjustment')
    if COUNT in details:
        count = _int(details, COUNT)
        if count < 0:
            raise _error(COUNT, 'must be 0 or more, not %d' % count)
        return Request(RESIZE, group=group, count=count)
    return Request(RESIZE, group=group, adjustment=_int(details, ADJUSTMENT))


def _report(details):
    """The Request of a watchdog's report; its lists are checked as any
    signal's keys are (a report is data from a node: never trusted
    beyond its shape, the engine re-checks the nodes)."""
    extra = [k for k in (GROUP, COUNT, ADJUSTMENT) if k in details]
    if extra:
        raise _error(extra[0], 'only resize takes %s' % extra[0])
    lost = details.get(LOST) or []
    if not isinstance(lost, list) or not all(
            isinstance(n, str) and n for n in lost):
        raise _error(LOST, 'must be a list of node names')
    since = details.get(SINCE) or {}
    if not isinstance(since, dict) or not all(
            isinstance(v, str) for v in since.values()):
        raise _error(SINCE, 'must map node names to times')
    reporter = details.get(REPORTER)
    if reporter is not None and not isinstance(reporter, str):
        raise _error(REPORTER, 'must be a node name')
    return Request(AUTO_HEAL, lost=tuple(sorted(set(lost))),
                   since={n: since[n] for n in lost if n in since},
                   reporter=reporter)


def bounds(group):
    """``(min_count, max_count)`` of a NodeGroupSpec for resizes by
    signal."""
    low = group.min_count if group.min_count is not None else \
        group.min_active
    high = group.max_count if group.max_count is not None else group.count
    return max(low, 0), high


def resize_target(spec, request):
    """The new count of ``request.group`` (``spec`` holds the current
    effective counts).

    :raises ValidationError: no such group, or outside its bounds.
    """
    try:
        group = spec.group(request.group)
    except KeyError:
        raise _error(GROUP, 'no node group %r' % request.group,
                     'node groups: %s' % ', '.join(
                         g.name for g in spec.node_groups))
    if request.count is not None:
        target = request.count
    else:
        target = group.count + request.adjustment
    low, high = bounds(group)
    if not low <= target <= high:
        raise _error(COUNT if request.count is not None else ADJUSTMENT,
                     'would make %s %d nodes, outside its bounds %d..%d'
                     % (group.name, target, low, high),
                     'set the group\'s min_count / max_count in the '
                     'template to allow it')
    return target


def apply_overrides(spec, overrides):
    """``spec`` with the counts signals set (``{group: count}``); groups
    the spec no longer has are ignored. min_active never exceeds the
    count."""
    if not overrides:
        return spec
    groups = []
    for g in spec.node_groups:
        if g.name in overrides:
            count = overrides[g.name]
            g = dataclasses.replace(g, count=count,
                                    min_active=min(g.min_active, count))
        groups.append(g)
    return dataclasses.replace(spec, node_groups=tuple(groups))


def carry_overrides(overrides, old_spec, new_spec):
    """The overrides a stack update keeps: a group's signal-set count
    stays unless the update changed that group's ``count`` in the
    template (or removed the group)."""
    old = {g.name: g.count for g in old_spec.node_groups}
    new = {g.name: g.count for g in new_spec.node_groups}
    return {name: count for name, count in (overrides or {}).items()
            if name in new and new[name] == old.get(name)}
