"""A plugin's configuration, declared once: sections, keys, value kinds.

Every key a plugin reads from ``cluster_configs`` / ``node_configs`` is an
:class:`Entry` of a :class:`Section`: its kind (integer range, port, size,
absolute path, ...), default, meaning, whether it may only be set for the
whole cluster, which processes must restart when it changes, and whether
the port it holds is opened in the auto security group. Keys a section
does not declare are allowed only where the section says so
(:class:`OtherKeys`: e.g. any ``spark.*`` property in ``spark-defaults``),
with a key pattern and a value kind chosen by :class:`KeyRule`.

This module holds the declaration types; a plugin version's sections make
one :class:`heat_savanna.plugins.config_catalog.ConfigCatalog`, which
checks, merges, restarts and opens ports by them.

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

#: every value a config map may hold (lists and maps may not)
SCALARS = (str, int, float, bool)


def kind_of(value):
    """How a message names the type of ``value`` ("a list")."""
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


def short_repr(value, limit=40):
    """``repr(value)``, cut to ``limit`` characters for a message."""
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
            return 'must be %s, not %s' % (self.text, short_repr(value))
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
        return 'must be true or false, not %s' % short_repr(value)

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
            return 'must be %s, not %s' % (self.text, kind_of(value))
        text = str(value)
        if len(text) > self.max_length or not self.regex.fullmatch(text):
            return 'must be %s, not %s' % (self.text, short_repr(value))
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
        return 'must be %s, not %s' % (self.text, short_repr(value))


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
        if not isinstance(value, SCALARS):
            return 'must be text, a number or a boolean, not %s' % \
                kind_of(value)
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
            return 'must be %s, not %s' % (self.text, short_repr(value))
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
        auto security group opens (a web UI: between cluster members and
        to the cluster's ``access_cidrs.web_ui`` / between cluster members
        only).
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


def env_variables(example, restart, script):
    """The :class:`OtherKeys` of a section of environment variables that
    ``script`` exports: any variable name (``example`` is one), each value
    text a shell environment file can carry, a change restarting the
    processes ``restart`` names."""
    return OtherKeys(
        ENV_NAME,
        'an environment variable name: letters, digits and _, not '
        'starting with a digit, e.g. %s' % example,
        (KeyRule('', Text('env'), restart, 'exported by %s' % script),))


@dataclasses.dataclass(frozen=True)
class Section:
    name: str
    description: str
    entries: tuple
    other: typing.Optional[OtherKeys] = None   # None: no other key allowed
