"""Reading raw property values: types checked, every problem collected.

The cluster model (:mod:`heat_savanna.core.model`) and the settings maps
beside it (e.g. :mod:`heat_savanna.core.autoheal`) read what a template
author wrote through one :class:`Reader`, which reports each wrong type as
a ``ValidationError`` naming the property path instead of raising. Pure: no
Heat import, no I/O.
"""

import re

from heat_savanna.common.exceptions import ValidationError

_INT_RE = re.compile(r'^\s*-?\d+\s*$')
_TRUE = ('true', 'yes', 'on', '1')
_FALSE = ('false', 'no', 'off', '0')


class Reader(object):
    """Collects type errors while reading one mapping of raw values."""

    def __init__(self, errors):
        self.errors = errors

    def err(self, path, message, hint=None):
        self.errors.append(ValidationError(path, message, hint))

    def string(self, data, key, path, required=False):
        value = data.get(key)
        if value is None or value == '':
            if required:
                self.err(path, 'is required')
            return None
        if isinstance(value, bool) or not isinstance(value,
                                                     (str, int, float)):
            self.err(path, 'must be a string, not %s' % kind(value))
            return None
        return str(value)

    def integer(self, data, key, path, default=None, required=False):
        value = data.get(key)
        if value is None:
            if required:
                self.err(path, 'is required', 'a whole number')
            return default
        if isinstance(value, bool):
            self.err(path, 'must be a whole number, not a boolean')
            return default
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INT_RE.match(value):
            return int(value)
        self.err(path, 'must be a whole number, not %s' % kind(value))
        return default

    def boolean(self, data, key, path, default):
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        self.err(path, 'must be a boolean, not %s' % kind(value),
                 'true or false')
        return default

    def str_list(self, data, key, path):
        value = data.get(key)
        if value is None:
            return ()
        if not isinstance(value, (list, tuple)):
            self.err(path, 'must be a list of strings, not %s'
                     % kind(value))
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item:
                out.append(item)
            else:
                self.err('%s[%d]' % (path, i),
                         'must be a non-empty string, not %s' % kind(item))
        return tuple(out)

    def configs(self, data, key, path):
        """``{section: {key: value}}``; each section must be a map."""
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.err(path, 'must be a map of section -> map, not %s'
                     % kind(value), 'e.g. {HDFS: {dfs.replication: 2}}')
            return {}
        out = {}
        for section, values in value.items():
            where = '%s.%s' % (path, section)
            if not isinstance(section, str):
                self.err(where, 'section names must be strings')
            elif values is None:
                out[section] = {}
            elif not isinstance(values, dict):
                self.err(where, 'must be a map of key -> value, not %s'
                         % kind(values))
            else:
                out[section] = dict(values)
        return out

    def mapping(self, data, key, path):
        value = data.get(key)
        if value is None or value == {}:
            return None
        if not isinstance(value, dict):
            self.err(path, 'must be a map, not %s' % kind(value))
            return None
        return dict(value)

    def unknown_keys(self, data, allowed, path):
        for key in data:
            if key not in allowed:
                self.err('%s.%s' % (path, key) if path else str(key),
                         'unknown property',
                         'valid properties: %s' % ', '.join(allowed))


def kind(value):
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, (int, float)):
        return 'a number (%r)' % (value,)
    if isinstance(value, str):
        return 'a string (%r)' % (value[:40],)
    if isinstance(value, (list, tuple)):
        return 'a list'
    if isinstance(value, dict):
        return 'a map'
    return type(value).__name__
