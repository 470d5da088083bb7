"""Clusters that heal themselves: the ``auto_heal`` settings and the
engine's rules for a watchdog's report.

With ``auto_heal: {enabled: true}`` the plugin's watchdog runs inside the
cluster (on the master, watching the workers with the plugin's own health
rules, and on one worker, watching the master: see
:mod:`heat_savanna.plugins.watch`). When a node stays lost for
``grace_period`` seconds it posts ``{"action": "auto-heal", "lost":
[...], "since": {...}, "reporter": ...}`` to the cluster's pre-signed
``alarm_url``. Nothing else is needed: no alarm service, no operator.

The engine trusts none of it blindly:

1. a report is refused (the watchdog retries later) when auto-heal is off,
   within ``cooldown`` seconds of the last automatic heal, or once
   ``max_rebuilds_per_hour`` nodes were rebuilt automatically in the last
   hour and the nodes it names are already known failed (:func:`refusal`);
2. every node is re-checked as ``stack check`` does before anything is
   rebuilt, so a wrong or replayed report cannot replace a healthy node;
3. what the re-check found failed is rebuilt, if the cap allows it
   (:func:`decide`).

What happened is told in events and the status reason
(:func:`started_text`, :func:`rebuilt_text`). Pure: no Heat import, no
I/O; times are seconds since the epoch, passed in.
"""

import dataclasses
import time
import typing

from heat_savanna.core import reader as reader_mod

KEYS = (ENABLED, GRACE_PERIOD, COOLDOWN, MAX_REBUILDS_PER_HOUR,
        INTERVAL) = ('enabled', 'grace_period', 'cooldown',
                     'max_rebuilds_per_hour', 'interval')

#: (lowest, highest) of each number of the map, in seconds or nodes
BOUNDS = {GRACE_PERIOD: (0, 3600), COOLDOWN: (0, 86400),
          MAX_REBUILDS_PER_HOUR: (1, 1000), INTERVAL: (5, 600)}

HOUR = 3600.0


@dataclasses.dataclass(frozen=True)
class AutoHeal:
    """The ``auto_heal`` property. The defaults bring a cluster back to
    ACTIVE within about two minutes of losing a node on the sandbox:
    seen within ``interval``, reported after ``grace_period``, re-checked
    and rebuilt (one boot and one node's configuration)."""
    enabled: bool = False
    #: seconds a node must stay lost before it is reported
    grace_period: int = 30
    #: seconds after an automatic heal before the next is accepted
    cooldown: int = 60
    #: nodes rebuilt automatically in any hour, at most (no heal storms)
    max_rebuilds_per_hour: int = 3
    #: seconds between two looks of the watchdog
    interval: int = 10


def parse(reader, data, path):
    """The :class:`AutoHeal` of the raw ``auto_heal`` value; problems go
    to ``reader`` (a :class:`heat_savanna.core.reader.Reader`) with their
    property path."""
    if data is None:
        return AutoHeal()
    if not isinstance(data, dict):
        reader.err(path, 'must be a map, not %s' % reader_mod.kind(data),
                   'e.g. {enabled: true}')
        return AutoHeal()
    reader.unknown_keys(data, KEYS, path)
    defaults = AutoHeal()
    values = {ENABLED: reader.boolean(data, ENABLED, _at(path, ENABLED),
                                      defaults.enabled)}
    for key, (low, high) in BOUNDS.items():
        value = reader.integer(data, key, _at(path, key),
                               getattr(defaults, key))
        if not low <= value <= high:
            reader.err(_at(path, key), 'must be between %d and %d, not %d'
                       % (low, high, value))
            value = getattr(defaults, key)
        values[key] = value
    return AutoHeal(**values)


def _at(path, key):
    return '%s.%s' % (path, key)


# -- the record kept in the cluster's state --------------------------------
def recent_rebuilds(record, now):
    """Names of the nodes rebuilt automatically in the hour before
    ``now``."""
    return [name for at, name in (record or {}).get('rebuilt') or ()
            if now - at < HOUR]


def refusal(settings, record, now, lost=(), failed=()):
    """Why a watchdog's report of ``lost`` is refused now, or None.

    :param record: the ``auto_heal`` part of the cluster's state (or
        None).
    :param failed: the nodes already known failed: past the cap, a report
        of a node not yet known failed is still accepted, so that the
        re-check marks it failed (the cluster says PARTIALLY_ACTIVE and
        why it was not rebuilt); the same report again is refused.
    """
    if not settings.enabled:
        return ('auto-heal is not enabled on this cluster (set auto_heal: '
                '{enabled: true})')
    record = record or {}
    last = record.get('last')
    if last is not None and now - last < settings.cooldown:
        return ('auto-heal cool-down: the last automatic heal started at '
                '%s; the next is accepted from %s (auto_heal.cooldown %d s)'
                % (clock(last), clock(last + settings.cooldown),
                   settings.cooldown))
    recent = recent_rebuilds(record, now)
    if len(recent) >= settings.max_rebuilds_per_hour and \
            set(lost) <= set(failed):
        return ('auto-heal cap reached: %d nodes rebuilt automatically in '
                'the last hour (%s; auto_heal.max_rebuilds_per_hour %d) '
                'and %s already known failed; heal by hand with '
                '"openstack savanna cluster heal"'
                % (len(recent), ', '.join(recent),
                   settings.max_rebuilds_per_hour,
                   ', '.join(sorted(lost)) or 'nothing new'))
    return None


@dataclasses.dataclass(frozen=True)
class Decision:
    """What an automatic heal does after the re-check."""
    #: failed nodes to rebuild (empty: nothing)
    rebuild: tuple = ()
    #: the event saying what was decided and why
    text: str = ''


def decide(settings, record, failed, report, now):
    """The :class:`Decision` once every node was re-checked.

    :param failed: names of the nodes the re-check (or an earlier action)
        left failed: a heal rebuilds them all.
    :param report: the watchdog's :class:`Report`.
    """
    failed = tuple(sorted(failed))
    if not failed:
        return Decision(text='auto-heal: the re-check found no failed node '
                        '(reported lost: %s): nothing rebuilt'
                        % report.names())
    recent = recent_rebuilds(record, now)
    room = settings.max_rebuilds_per_hour - len(recent)
    if len(failed) > room:
        return Decision(text='auto-heal: not rebuilding %s: %d more would '
                        'pass auto_heal.max_rebuilds_per_hour %d (%d '
                        'rebuilt in the last hour); heal by hand with '
                        '"openstack savanna cluster heal"' % (
                            ', '.join(failed), len(failed),
                            settings.max_rebuilds_per_hour, len(recent)))
    return Decision(rebuild=failed, text='auto-heal: rebuilding %s' % (
        ', '.join(report.lost_text(n) for n in failed)))


def record_started(record, now):
    """The ``auto_heal`` state part once an automatic heal starts (the
    cool-down counts from here)."""
    record = dict(record or {})
    record['last'] = now
    return record


def record_rebuilt(record, names, now):
    """The ``auto_heal`` state part once ``names`` are being rebuilt;
    entries older than an hour are dropped."""
    record = dict(record or {})
    kept = [[at, n] for at, n in record.get('rebuilt') or ()
            if now - at < HOUR]
    record['rebuilt'] = kept + [[now, n] for n in names]
    return record


@dataclasses.dataclass(frozen=True)
class Report:
    """A watchdog's report: who it found lost, since when, and who it is."""
    lost: tuple = ()
    since: typing.Optional[dict] = None
    reporter: typing.Optional[str] = None

    def names(self):
        return ', '.join(self.lost) or 'none'

    def lost_text(self, name):
        """``worker-3 (lost since 10:02:11)``; a node the watchdog did
        not name is one the re-check found."""
        since = (self.since or {}).get(name)
        if name not in self.lost:
            return '%s (found failed by the re-check)' % name
        return '%s (lost since %s)' % (name, _hms(since)) if since \
            else name


def started_text(report):
    return ('auto-heal: %s reported lost by %s; re-checking every node '
            'before anything is rebuilt' % (
                ', '.join(report.lost_text(n) for n in report.lost) or
                'nothing', report.reporter or 'the watchdog'))


def rebuilt_text(report, pairs, states):
    """``auto-heal: worker-3 lost at 10:02:11, rebuilt as worker-9``.

    :param pairs: ``[(lost name, new name or None)]``
    :param states: ``{name: node state}`` now (a replacement that failed
        in turn is told so).
    """
    parts = []
    for lost, new in pairs:
        since = (report.since or {}).get(lost)
        what = '%s lost at %s' % (lost, _hms(since)) if since else \
            '%s failed' % lost
        if new is None:
            done = 'removed'
        elif states.get(new) == 'ACTIVE':
            done = 'rebuilt as %s' % new
        else:
            done = 'its replacement %s is %s' % (
                new, states.get(new) or 'gone')
        parts.append('%s, %s' % (what, done))
    return 'auto-heal: ' + '; '.join(parts)


def pair_rebuilt(rebuilt, added, group_of):
    """Which new node replaced which lost one: in each group, in order.

    :param group_of: ``name -> group`` for the lost and the new nodes.
    """
    free = {}
    for name in added:
        free.setdefault(group_of(name), []).append(name)
    pairs = []
    for lost in rebuilt:
        new = free.get(group_of(lost)) or []
        pairs.append((lost, new.pop(0) if new else None))
    return pairs


def clock(seconds):
    """``19:40:02 UTC`` of a time in seconds."""
    return time.strftime('%H:%M:%S UTC', time.gmtime(seconds))


def _hms(stamp):
    """``19:40:02`` of an ISO 8601 stamp the watchdog wrote (as written
    when it is not one)."""
    text = str(stamp)
    return text[11:19] if len(text) >= 19 and text[10] == 'T' else text
