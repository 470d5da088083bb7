"""A plugin's configuration, declared once: sections, keys, value kinds.

Every key a plugin reads from ``cluster_configs`` / ``node_configs`` is an
:class:`Entry` of a :class:`Section`: its kind (integer range, port, size,
absolute path, ...), default, meaning, whether it may only be set for the
whole cluster, which processes must restart when it changes, and whether
the port it holds is opened in the auto security group. Keys a section
does not declare are allowed only where the section says so
(:class:`OtherKeys`: e.g. any ``spark.*`` property in ``spark-defaults``),
with a key pattern and a value kind chosen by :class:`KeyRule`.

One :class:`ConfigCatalog` per plugin version is the only place these
facts live: the plugin validates with it (:meth:`ConfigCatalog.check`),
merges settings with it (:meth:`ConfigCatalog.settings`), opens ports from
it (:meth:`ConfigCatalog.ports`), the reference docs are generated from it,
and in-place reconfiguration asks it what to restart
(:meth:`ConfigCatalog.restarts_needed`).

Value kinds also say what a file format cannot carry: a value bound for an
XML file may not hold characters XML 1.0 forbids, one bound for a line of
``spark-defaults.conf`` no line break or control character, one bound for
a shell environment file no control character. Shell quoting itself is the
generators' job (every value is ``shlex.quote``-d); the kinds keep values
that would change a file's *structure* out.

Pure: no Heat, no I/O.
"""

import dataclasses
import re
import typing

from heat_savanna.common.exceptions import ValidationError

#: every value a config map may hold (lists and maps may not)
_SCALARS = (str, int, float, bool)


def _kind_of(value):
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number'
    if isinstance(value, str):
        return 'a string'
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, dict):
        return 'a map'
    return type(value).__name__


def _shown(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + '...'


# -- value kinds -------------------------------------------------------------
class Kind(object):
    """How one value is checked and normalised.

    ``error(value)`` is None or what is wrong (a phrase that follows the
    property path); ``normalize(value)`` turns a valid value into the one
    the generators use. ``text`` describes the kind in the docs.
    """

    text = 'a value'

    def error(self, value):
        return None

    def normalize(self, value):
        return value

    def __repr__(self):
        return '<%s>' % self.text


class Integer(Kind):
    """A whole number in ``[minimum, maximum]`` (an integer, or a string
    of digits, as template parameters often are)."""

    def __init__(self, minimum=None, maximum=None, text=None):
        self.minimum = minimum
        self.maximum = maximum
        if text is None:
            text = 'a whole number'
            if minimum is not None and maximum is not None:
                text += ' from %d to %d' % (minimum, maximum)
            elif minimum is not None:
                text += ' of at least %d' % minimum
        self.text = text

    def _int(self, value):
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r'-?[0-9]{1,19}', value):
            return int(value)
        return None

    def error(self, value):
        number = self._int(value)
        if number is None or \
                (self.minimum is not None and number < self.minimum) or \
                (self.maximum is not None and number > self.maximum):
            return 'must be %s, not %s' % (self.text, _shown(value))
        return None

    def normalize(self, value):
        number = self._int(value)
        return value if number is None else number


class Boolean(Kind):
    text = 'true or false'

    def error(self, value):
        if isinstance(value, bool) or (
                isinstance(value, str) and value.lower() in ('true',
                                                             'false')):
            return None
        return 'must be true or false, not %s' % _shown(value)

    def normalize(self, value):
        if isinstance(value, str):
            return value.lower() == 'true'
        return value


class Pattern(Kind):
    """A string (or number) matching ``regex`` in full."""

    def __init__(self, regex, text, max_length=255):
        self.regex = re.compile(regex)
        self.text = text
        self.max_length = max_length

    def error(self, value):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return 'must be %s, not %s' % (self.text, _kind_of(value))
        text = str(value)
        if len(text) > self.max_length or not self.regex.fullmatch(text):
            return 'must be %s, not %s' % (self.text, _shown(value))
        return None

    def normalize(self, value):
        return str(value) if isinstance(value, int) and \
            not isinstance(value, bool) else value


class Choice(Kind):
    def __init__(self, *values):
        self.values = values
        self.text = 'one of %s' % ', '.join(values)

    def error(self, value):
        if value in self.values:
            return None
        return 'must be %s, not %s' % (self.text, _shown(value))


# A path may reach a shell (quoted), a comma-separated Hadoop list and an
# XML value: letters, digits and . _ + @ - / only, absolute.
_PATH = r'/[A-Za-z0-9._+@/-]*'
PATH = Pattern(_PATH, 'an absolute path (letters, digits, . _ + @ - /)')
PATH_LIST = Pattern(r'%s(,%s)*' % (_PATH, _PATH),
                    'absolute paths separated by commas', max_length=2048)
URI_PATH_LIST = Pattern(r'(file://)?%s(,(file://)?%s)*' % (_PATH, _PATH),
                        'absolute paths (file:// allowed) separated by '
                        'commas', max_length=2048)
PORT = Integer(1, 65535, text='a port number from 1 to 65535')
PORT_OR_ZERO = Integer(0, 65535, text='a port number from 0 (any free '
                                      'port) to 65535')
HOST_PORT = Pattern(r'([A-Za-z0-9._-]*|\$\{[A-Za-z0-9._-]+\}):'
                    r'(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|'
                    r'6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})',
                    'host:port with a port from 0 to 65535')
SIZE = Pattern(r'[0-9]{1,12}[kKmMgGtTpP]?[bB]?',
               'a size such as 512m or 2g')
USER = Pattern(r'[a-z_][a-z0-9_-]{0,31}', 'a user name (lower-case letters, '
                                          'digits, _ and -, at most 32)')
ENV_NAME = r'[A-Za-z_][A-Za-z0-9_]*'


def _no_control(text, allowed=''):
    return not any((ord(c) < 32 and c not in allowed) or c == '\x7f'
                   for c in text)


class Text(Kind):
    """Free text bound for one file format (``fmt``):

    * ``xml``: anything XML 1.0 can carry (no control character but tab
      and line breaks, no U+FFFE/U+FFFF);
    * ``line``: one line of a properties file: no control character;
    * ``env``: a value of a shell environment file (written quoted): no
      control character.

    No format takes a lone surrogate (it cannot be written as UTF-8).
    Numbers and booleans are written as text (``true`` / ``false``).
    """

    FORMATS = {
        'xml': 'text (no control characters other than tab and line '
               'breaks)',
        'line': 'one line of text (no line breaks or control characters)',
        'env': 'text (no line breaks or control characters)',
    }

    def __init__(self, fmt, max_length=4096):
        self.fmt = fmt
        self.max_length = max_length
        self.text = self.FORMATS[fmt]

    def error(self, value):
        if not isinstance(value, _SCALARS):
            return 'must be text, a number or a boolean, not %s' % \
                _kind_of(value)
        text = self.normalize(value)
        if len(text) > self.max_length:
            return 'is longer than %d characters' % self.max_length
        # a lone surrogate cannot even be written out as UTF-8
        ok = not any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        if self.fmt == 'xml':
            ok = ok and _no_control(text, '\t\n\r') and not any(
                ord(c) in (0xFFFE, 0xFFFF) for c in text)
        else:
            ok = ok and _no_control(text, '\t' if self.fmt == 'env' else '')
        if not ok:
            return 'must be %s, not %s' % (self.text, _shown(value))
        return None

    def normalize(self, value):
        if isinstance(value, bool):
            return 'true' if value else 'false'
        return value if isinstance(value, str) else str(value)


# -- declarations -------------------------------------------------------------
#: how an entry's port is opened in the auto security group
OPENS = (PUBLIC, CLUSTER) = ('public', 'cluster')


@dataclasses.dataclass(frozen=True)
class Entry:
    """One configuration key.

    :param restart: processes that must be restarted for a change to take
        effect; empty when it applies without a restart (e.g. read by the
        next job).
    :param cluster_only: allowed in ``cluster_configs`` only (it must be
        the same on every node, e.g. the port every node connects to).
    :param opens: ``public`` / ``cluster`` when the value is a port the
        auto security group opens (to anyone / between cluster members).
    :param needs: with ``opens``: open it only when some node group runs
        one of these processes.
    :param label: with ``opens``: the security group rule's description.
    """
    section: str
    key: str
    kind: Kind
    default: object
    description: str
    restart: tuple = ()
    cluster_only: bool = False
    opens: typing.Optional[str] = None
    needs: tuple = ()
    label: str = ''


@dataclasses.dataclass(frozen=True)
class KeyRule:
    """Kind and restart of the undeclared keys whose name matches
    ``regex`` (searched). The kind of the first matching rule applies; the
    restarts of every matching rule add up."""
    regex: str
    kind: Kind
    restart: tuple
    description: str
    opens: typing.Optional[str] = None


@dataclasses.dataclass(frozen=True)
class OtherKeys:
    """Undeclared keys a section accepts: names matching ``key_regex``
    (in full), each checked by the first matching :class:`KeyRule`."""
    key_regex: str
    key_text: str
    rules: tuple


@dataclasses.dataclass(frozen=True)
class Section:
    name: str
    description: str
    entries: tuple
    other: typing.Optional[OtherKeys] = None   # None: no other key allowed


class ConfigCatalog(object):
    """The configuration one plugin version accepts (see the module doc).

    :param plugin: plugin name, for messages.
    :param version: plugin version.
    :param sections: the :class:`Section` declarations, in display order.
    """

    def __init__(self, plugin, version, sections):
        self.plugin = plugin
        self.version = version
        self.sections = tuple(sections)
        self._sections = {s.name: s for s in self.sections}
        self._entries = {(s.name, e.key): e for s in self.sections
                         for e in s.entries}
        for s in self.sections:
            for e in s.entries:
                if e.section != s.name:
                    raise ValueError('%s declared in section %s'
                                     % (e.key, s.name))

    # -- what is declared --------------------------------------------------
    def section(self, name):
        return self._sections.get(name)

    def declared(self):
        """Every declared :class:`Entry`, section by section."""
        return [e for s in self.sections for e in s.entries]

    def defaults(self):
        """``{section: {key: default}}`` of the declared keys."""
        return {s.name: {e.key: e.default for e in s.entries}
                for s in self.sections}

    def entry(self, section, key):
        """The :class:`Entry` that governs ``section``/``key``: the declared
        one, or one made from the section's rules for other keys; None
        when the section or key is not accepted."""
        found = self._entries.get((section, key))
        if found is not None:
            return found
        sec = self._sections.get(section)
        if sec is None or sec.other is None or not isinstance(key, str) or \
                not re.fullmatch(sec.other.key_regex, key):
            return None
        matching = [r for r in sec.other.rules if re.search(r.regex, key)]
        if not matching:
            return None
        restart = sorted({p for r in matching for p in r.restart})
        return Entry(section, key, matching[0].kind, None,
                     matching[0].description, restart=tuple(restart),
                     opens=matching[0].opens,
                     label='%s (%s)' % (key, section))

    def restart_for(self, section, key):
        """Processes to restart when ``section``/``key`` changes (empty:
        none; an unknown key: every process the catalog names)."""
        found = self.entry(section, key)
        if found is not None:
            return tuple(found.restart)
        return self.all_processes()

    def all_processes(self):
        procs = {p for e in self.declared() for p in e.restart}
        for s in self.sections:
            for rule in (s.other.rules if s.other else ()):
                procs.update(rule.restart)
        return tuple(sorted(procs))

    def restarts_needed(self, old_configs, new_configs):
        """Processes to restart to go from one ``{section: {key: value}}``
        map to another (cluster_configs, or one group's node_configs):
        every key whose value changed, was added or was removed counts."""
        old_configs, new_configs = old_configs or {}, new_configs or {}
        procs = set()
        for section in set(old_configs) | set(new_configs):
            old = old_configs.get(section) or {}
            new = new_configs.get(section) or {}
            for key in set(old) | set(new):
                if old.get(key) != new.get(key):
                    procs.update(self.restart_for(section, key))
        return tuple(sorted(procs))

    # -- checking ----------------------------------------------------------
    def check(self, configs, path, node_level=False):
        """ValidationErrors of one ``cluster_configs`` (``node_level``
        False) or ``node_configs`` map at property path ``path``: the keys
        of the sections declared here. A section not declared here is the
        core's to report (it checks every section against the plugin's
        ``get_config_sections``), so it is skipped."""
        if configs is None:
            return []
        if not isinstance(configs, dict):
            return [ValidationError(path, 'must be a map of section -> '
                                    'map, not %s' % _kind_of(configs),
                                    'valid sections: %s'
                                    % ', '.join(sorted(self._sections)))]
        errors = []
        for section, values in configs.items():
            where = '%s.%s' % (path, section)
            sec = self._sections.get(section)
            if sec is None or values is None:
                continue
            elif not isinstance(values, dict):
                errors.append(ValidationError(
                    where, 'must be a map of key -> value, not %s'
                    % _kind_of(values)))
            else:
                for key, value in values.items():
                    errors += self._check_key(sec, key, value,
                                              '%s.%s' % (where, key),
                                              node_level)
        return errors

    def _check_key(self, sec, key, value, where, node_level):
        found = self.entry(sec.name, key)
        if found is None:
            if sec.other is None:
                declared = ', '.join(e.key for e in sec.entries)
                return [ValidationError(
                    where, 'unknown key %s in section %s'
                    % (_shown(key), sec.name), 'valid keys: %s' % declared)]
            return [ValidationError(
                where, 'not a valid key of section %s' % sec.name,
                sec.other.key_text)]
        if value is None:       # null: not set here (the default applies)
            return []
        if found.cluster_only and node_level:
            return [ValidationError(
                where, '%s.%s must be the same on every node'
                % (sec.name, key), 'set it in cluster_configs, not in '
                                   'node_configs')]
        if not isinstance(value, _SCALARS):
            return [ValidationError(where, 'must be %s, not %s'
                                    % (found.kind.text, _kind_of(value)))]
        problem = found.kind.error(value)
        return [ValidationError(where, problem)] if problem else []

    def check_cluster(self, cluster):
        """Errors of a cluster definition's ``cluster_configs`` and every
        group's ``node_configs`` (read defensively: any object with those
        attributes)."""
        errors = []
        for i, group in enumerate(getattr(cluster, 'node_groups', None)
                                  or ()):
            errors += self.check(getattr(group, 'node_configs', None),
                                 'node_groups[%d].node_configs' % i,
                                 node_level=True)
        return errors + self.check(getattr(cluster, 'cluster_configs', None),
                                   'cluster_configs')

    # -- using ---------------------------------------------------------------
    def normalize(self, section, key, value):
        found = self.entry(section, key)
        if found is None or value is None or found.kind.error(value):
            return value
        return found.kind.normalize(value)

    def settings(self, cluster_configs, node_configs=None):
        """``{section: {key: value}}`` in effect on a node: declared
        defaults, then ``cluster_configs``, then ``node_configs``; a null
        value is "not set here". Values are normalised (``"7077"`` ->
        7077); keys left without a value are dropped."""
        out = {}
        for sec in self.sections:
            merged = {e.key: e.default for e in sec.entries}
            for source in (cluster_configs, node_configs):
                values = (source or {}).get(sec.name) if \
                    isinstance(source, dict) else None
                if isinstance(values, dict):
                    merged.update({k: v for k, v in values.items()
                                   if v is not None})
            out[sec.name] = {k: self.normalize(sec.name, k, v)
                             for k, v in merged.items() if v is not None}
        return out

    def ports(self, cluster):
        """``[(port, opens, label)]`` the configuration of a cluster
        definition opens: every declared port entry (at its configured
        value; entries with ``needs`` only when a group runs one of those
        processes) and every port an other-key rule marks as opened.
        Invalid values are skipped (validation reports them)."""
        groups = getattr(cluster, 'node_groups', None) or ()
        running = set()
        for g in groups:
            procs = getattr(g, 'node_processes', ()) or ()
            running.update((procs,) if isinstance(procs, str) else procs)
        maps = [getattr(cluster, 'cluster_configs', None)]
        maps += [getattr(g, 'node_configs', None) for g in groups]
        out = []
        for e in self.declared():
            if e.opens is None or (e.needs and not running & set(e.needs)):
                continue
            cluster_value = _lookup(maps[0], e.section, e.key)
            values = [e.default if cluster_value is None else cluster_value]
            if not e.cluster_only:
                values += [_lookup(m, e.section, e.key) for m in maps[1:]]
            for port in sorted({_port_of(e.kind, v) for v in values} -
                               {None}):
                out.append((port, e.opens, e.label or e.key))
        for m in maps:
            for section, values in (m.items() if isinstance(m, dict)
                                    else ()):
                if not isinstance(values, dict):
                    continue
                for key, value in values.items():
                    if (section, key) in self._entries:
                        continue
                    e = self.entry(section, key)
                    if e is None or e.opens is None:
                        continue
                    port = _port_of(e.kind, value)
                    if port:
                        out.append((port, e.opens, e.label))
        return out


def _lookup(configs, section, key):
    if not isinstance(configs, dict):
        return None
    values = configs.get(section)
    return values.get(key) if isinstance(values, dict) else None


def _port_of(kind, value):
    """The port a valid ``value`` of ``kind`` names (None when invalid,
    absent or 0)."""
    if not isinstance(value, _SCALARS) or kind.error(value):
        return None
    if kind is HOST_PORT:
        return int(str(value).rsplit(':', 1)[1]) or None
    value = kind.normalize(value)
    return value if isinstance(value, int) and value > 0 else None
