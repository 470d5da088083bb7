"""Provisioning plugins, found through the ``heat_savanna.plugins``
entry-point group."""

from importlib import metadata

from heat_savanna.common import exceptions

ENTRY_POINT_GROUP = 'heat_savanna.plugins'

_cache = {}


def _entry_points():
    return {ep.name: ep for ep in
            metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available():
    """Names of the installed provisioning plugins."""
    return sorted(_entry_points())


def get_plugin(name):
    """Return the (cached) plugin instance registered under ``name``."""
    if name not in _cache:
        eps = _entry_points()
        if name not in eps:
            raise exceptions.PluginNotFound(name, eps)
        _cache[name] = eps[name].load()()
    return _cache[name]
