"""The configuration one plugin version accepts, and what it implies.

A :class:`ConfigCatalog` is made of the declarations of
:mod:`heat_savanna.plugins.catalog` and is the only place these facts are
read from: the plugin validates the keys' values with it
(:meth:`ConfigCatalog.check`), merges settings with it
(:meth:`ConfigCatalog.settings`), opens ports from it
(:meth:`ConfigCatalog.ports`), the reference docs are generated from it,
and in-place reconfiguration asks it what to restart
(:meth:`ConfigCatalog.restarts_needed`).

Pure: no Heat, no I/O.
"""

import re

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import catalog as cat


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
        return cat.Entry(section, key, matching[0].kind, None,
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
                                    'map, not %s' % cat.kind_of(configs),
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
                    % cat.kind_of(values)))
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
                    % (cat.short_repr(key), sec.name),
                    'valid keys: %s' % declared)]
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
        if not isinstance(value, cat.SCALARS):
            return [ValidationError(where, 'must be %s, not %s'
                                    % (found.kind.text, cat.kind_of(value)))]
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

    def settings(self, cluster_configs, node_configs=None, derived=None):
        """``{section: {key: value}}`` in effect on a node: declared
        defaults, then ``derived`` (what the plugin sized from the flavor,
        see :mod:`heat_savanna.plugins.sizing`), then ``cluster_configs``,
        then ``node_configs``; a null value is "not set here". Values are
        normalised (``"7077"`` -> 7077); keys left without a value are
        dropped."""
        out = {}
        for sec in self.sections:
            merged = {e.key: e.default for e in sec.entries}
            for source in (derived, cluster_configs, node_configs):
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
    if not isinstance(value, cat.SCALARS) or kind.error(value):
        return None
    if kind is cat.HOST_PORT:
        return int(str(value).rsplit(':', 1)[1]) or None
    value = kind.normalize(value)
    return value if isinstance(value, int) and value > 0 else None
