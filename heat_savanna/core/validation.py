"""Cluster validation: the one entry point the Heat resource's validate()
and ``heat-savanna validate`` share.

:func:`check` parses (shape and type errors) and, when the shape is right,
runs the generic rules below and then the plugin's own topology and
configuration rules (``plugin.validate``). Every error names the property
path and says what would be valid. Bounds come before anything is built
from the definition: at most :data:`MAX_NODES` nodes, hostnames of at most
63 characters, and (when the caller passes the engine's
``max_resources_per_stack``) a nested stack Heat will accept. Pure: no Heat
import, no I/O (the plugin is looked up through an injectable callable).
"""

import dataclasses
import re

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import InvalidCluster
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import exposure
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import names
from heat_savanna.core import signals
from heat_savanna.core import template as template_mod
from heat_savanna import plugins

# fullmatch, never match: "$" also matches before a final newline
GROUP_NAME_RE = re.compile(model.NAME_PATTERN)
GROUP_NAME_MAX = model.NAME_MAX
NAME_HINT = ('start with a letter, then letters, digits and "-", at most '
             '%d characters' % model.NAME_MAX)
#: most nodes of one cluster, whatever max_resources_per_stack allows:
#: the nested template and the per-node state grow with it (100000 nodes
#: took 122 s and 2.8 GB to render)
MAX_NODES = 5000
#: longest hostname (one DNS label): the server name of a node
HOSTNAME_MAX = 63
# a group named like this would collide with another node's resources
_CLASHING_NAME_RE = re.compile(r'-\d+-(volume|attachment)$')


def _join(items):
    if items is None:       # no plugin to ask
        return '(those of the plugin)'
    return ', '.join(sorted(str(i) for i in items)) or '(none)'


def _versions(plugin):
    try:
        return list(plugin.get_versions())
    except Exception:   # a broken plugin must not hide the other errors
        return []


def _check_groups(spec, processes, sections, errors):
    seen = {}
    for i, group in enumerate(spec.node_groups):
        path = 'node_groups[%d]' % i
        # server names, and so hostnames, ignore case
        if group.name.lower() in seen:
            errors.append(ValidationError(
                path + '.name', 'duplicate node group name %r (also '
                'node_groups[%d]; names are compared ignoring case)'
                % (group.name, seen[group.name.lower()]),
                'give every node group its own name'))
        else:
            seen[group.name.lower()] = i
        if not GROUP_NAME_RE.fullmatch(group.name) or \
                len(group.name) > GROUP_NAME_MAX:
            errors.append(ValidationError(
                path + '.name', 'invalid node group name %r' % group.name,
                NAME_HINT))
        elif _CLASHING_NAME_RE.search(group.name):
            errors.append(ValidationError(
                path + '.name', 'node group name %r clashes with the '
                'volume resources of another node' % group.name,
                'do not end a group name with -<number>-volume or '
                '-<number>-attachment'))
        if group.count < 0:
            errors.append(ValidationError(
                path + '.count', 'must be 0 or more, not %d' % group.count))
        if group.min_active < 0:
            errors.append(ValidationError(
                path + '.min_active', 'must be 0 or more, not %d'
                % group.min_active))
        elif group.count >= 0 and group.min_active > group.count:
            errors.append(ValidationError(
                path + '.min_active', 'min_active %d is above count %d'
                % (group.min_active, group.count),
                'a number up to %d or a percentage up to 100%%'
                % group.count))
        if not group.node_processes:
            errors.append(ValidationError(
                path + '.node_processes', 'must name at least one process',
                'valid processes: %s' % _join(processes)))
        elif processes is not None:
            unknown = [p for p in group.node_processes if p not in processes]
            if unknown:
                errors.append(ValidationError(
                    path + '.node_processes',
                    'unknown %s %s process(es): %s' % (
                        spec.plugin_name, spec.plugin_version,
                        ', '.join(unknown)),
                    'valid processes: %s' % _join(processes)))
        dups = sorted({p for p in group.node_processes
                       if group.node_processes.count(p) > 1})
        if dups:
            errors.append(ValidationError(
                path + '.node_processes', 'process(es) listed twice: %s'
                % ', '.join(dups), 'list each process once'))
        if group.floating_ip and not spec.floating_ip_pool:
            errors.append(ValidationError(
                path + '.floating_ip', 'floating_ip is set but the cluster '
                'has no floating_ip_pool',
                'set floating_ip_pool to an external network'))
        if not 0 <= group.volumes_per_node <= model.VOLUMES_PER_NODE_MAX:
            errors.append(ValidationError(
                path + '.volumes_per_node', 'must be from 0 to %d, not %d'
                % (model.VOLUMES_PER_NODE_MAX, group.volumes_per_node)))
        if group.volume_size < model.VOLUME_SIZE_MIN:
            errors.append(ValidationError(
                path + '.volume_size', 'must be at least %d GB, not %d'
                % (model.VOLUME_SIZE_MIN, group.volume_size)))
        _check_sections(group.node_configs, sections,
                        path + '.node_configs', errors)
        _check_count_bounds(group, path, errors)


def _check_count_bounds(group, path, errors):
    low, high = group.min_count, group.max_count
    if low is not None and not 0 <= low <= group.count:
        errors.append(ValidationError(
            path + '.min_count', 'must be between 0 and count (%d), not %d'
            % (group.count, low)))
    if high is not None and high < group.count:
        errors.append(ValidationError(
            path + '.max_count', 'must be count (%d) or more, not %d'
            % (group.count, high)))


def _check_alarm_action(spec, errors):
    if spec.alarm_action is None:
        return
    try:
        request = signals.parse(spec.alarm_action)
        if request.action == signals.RESIZE:
            spec.group(request.group)
    except exceptions.ValidationError as exc:
        errors.append(ValidationError(
            model.ALARM_ACTION + exc.path[len('signal'):], exc.message,
            exc.hint))
    except KeyError:
        errors.append(ValidationError(
            model.ALARM_ACTION + '.group', 'no node group %r'
            % spec.alarm_action.get('group'),
            'node groups: %s' % ', '.join(g.name for g in
                                          spec.node_groups)))


def _check_sections(configs, sections, path, errors):
    if sections is None:
        return
    for section in configs:
        if section not in sections:
            errors.append(ValidationError(
                '%s.%s' % (path, section),
                'unknown config section %r' % section,
                'valid sections: %s' % _join(sections)))


def _check_anti_affinity(spec, processes, errors):
    running = {p for g in spec.node_groups for p in g.node_processes}
    for k, proc in enumerate(spec.anti_affinity):
        path = 'anti_affinity[%d]' % k
        if processes is not None and proc not in processes:
            errors.append(ValidationError(
                path, 'unknown process %r' % proc,
                'valid processes: %s' % _join(processes)))
        elif proc not in running:
            errors.append(ValidationError(
                path, 'no node group runs %r' % proc,
                'name a process some node group runs: %s'
                % _join(running)))


def _check_removal_candidates(spec, layout, errors):
    groups = {g.name for g in spec.node_groups}
    live = set(layout.names()) if layout is not None else None
    for k, name in enumerate(spec.removal_candidates):
        path = 'removal_candidates[%d]' % k
        group, _sep, index = name.rpartition('-')
        if not (group in groups and index.isdigit()):
            errors.append(ValidationError(
                path, '%r is not a node name of this cluster' % name,
                'node names are <group>-<index>, e.g. %s'
                % layout_mod.node_name(spec.node_groups[0].name, 0)
                if spec.node_groups else None))
        elif live is not None and name not in live:
            errors.append(ValidationError(
                path, 'there is no node %r' % name,
                'existing nodes of group %s: %s'
                % (group, ', '.join(layout.group_nodes(group)[:20])
                   or '(none)')))


def _check_names(spec, errors):
    if not GROUP_NAME_RE.fullmatch(spec.name) or \
            len(spec.name) > model.NAME_MAX:
        errors.append(ValidationError(
            model.NAME, 'invalid cluster name %r' % spec.name[:80],
            NAME_HINT + '; without a name property the resource\'s name '
            'is used'))
    if spec.ssh_user is not None and \
            not 1 <= len(spec.ssh_user) <= model.SSH_USER_MAX:
        errors.append(ValidationError(
            model.SSH_USER, 'must be 1 to %d characters, not %d'
            % (model.SSH_USER_MAX, len(spec.ssh_user))))


def _check_size(spec, max_resources_per_stack, errors,
                set_size=layout_mod.DEFAULT_SET_SIZE):
    """Bounds on the size of what the definition would build, checked
    before anything is built. Returns False when the node count itself is
    out of bounds (nothing that depends on it may be computed then)."""
    total = 0
    for i, group in enumerate(spec.node_groups):
        if group.count > MAX_NODES:
            errors.append(ValidationError(
                'node_groups[%d].count' % i, 'count %s is more than the '
                '%d nodes a cluster may have' % (_digits(group.count),
                                                 MAX_NODES),
                'use a count of at most %d' % MAX_NODES))
        total += max(group.count, 0)
    if total > MAX_NODES:
        if not any(e.path.endswith('.count') for e in errors):
            errors.append(ValidationError(
                model.NODE_GROUPS, '%s nodes in all is more than the %d a '
                'cluster may have' % (_digits(total), MAX_NODES),
                'use fewer nodes, or several clusters'))
        return False
    for i, group in enumerate(spec.node_groups):
        last = layout_mod.node_name(group.name, max(group.count - 1, 0))
        hostname = names.server_name(spec.name, last)
        if len(hostname) > HOSTNAME_MAX:
            errors.append(ValidationError(
                'node_groups[%d].name' % i, 'server name %s of the group\'s '
                'last node has %d characters, more than the %d of a hostname'
                % (hostname if len(hostname) <= 100 else hostname[:97] +
                   '...', len(hostname), HOSTNAME_MAX),
                'shorten the cluster name (%s) or the group name'
                % spec.name))
    limit = max_resources_per_stack
    if limit is not None and limit >= 0:
        # +1: Heat counts the cluster resource itself in the same total
        needed = template_mod.resource_count(spec, set_size=set_size) + 1
        if needed > limit:
            errors.append(ValidationError(
                model.NODE_GROUPS, 'the cluster needs %d resources (its '
                'nested stack and itself) for %d nodes, more than the %d '
                'heat-engine allows in one stack (max_resources_per_stack)'
                % (needed, total, limit),
                'use fewer nodes or fewer volumes per node, or ask the '
                'cloud operator to raise max_resources_per_stack'))
    return True


def _digits(number):
    text = str(number)
    if len(text) <= 12:
        return text
    return '%s...(%d digits)' % (text[:6], len(text))


def validate_cluster(spec, plugin, layout=None,
                     max_resources_per_stack=None,
                     node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """Every ValidationError of a parsed ClusterSpec for ``plugin``.

    The cluster rules first (names, counts, the plugin's version, and
    which processes and config sections it knows), then
    ``plugin.validate(spec)`` when the version is one the plugin offers:
    the plugin checks only its own rules (its topology, its config keys),
    so every mistake is reported once.

    :param plugin: the ProvisioningPlugin, or None when there is none
        (only the rules that need no plugin run).
    :param layout: the current Layout, when known: removal_candidates must
        then name existing nodes.
    :param max_resources_per_stack: heat-engine's limit (None: not
        checked; -1: unlimited).
    :param node_set_size: ``[savanna] node_set_size`` (the node sets count
        against the limit too).
    """
    errors = []
    _check_names(spec, errors)
    if not _check_size(spec, max_resources_per_stack, errors,
                       set_size=node_set_size):
        return errors
    processes = sections = None
    versions = _versions(plugin) if plugin is not None else None
    if versions is None:
        pass    # no plugin (already reported): only the generic rules
    elif spec.plugin_version not in versions:
        errors.append(ValidationError(
            model.PLUGIN_VERSION, '%s version %r is not available'
            % (spec.plugin_name, spec.plugin_version),
            'available versions: %s' % (', '.join(versions) or '(none)')))
    else:
        processes = set(plugin.get_all_processes(spec.plugin_version))
        sections = set(plugin.get_config_sections(spec.plugin_version))
    if not spec.node_groups:
        errors.append(ValidationError(
            model.NODE_GROUPS, 'must hold at least one node group',
            'e.g. [{name: workers, count: 3, node_processes: [...]}]'))
    _check_groups(spec, processes, sections, errors)
    _check_anti_affinity(spec, processes, errors)
    _check_sections(spec.cluster_configs, sections, model.CLUSTER_CONFIGS,
                    errors)
    _check_removal_candidates(spec, layout, errors)
    _check_alarm_action(spec, errors)
    exposure.check_access_cidrs(spec, errors)
    if processes is None or not spec.node_groups:
        return errors   # no plugin to ask, or no topology to check
    exposure.check_exposure(spec, plugin, errors)
    try:
        errors += plugin.validate(spec) or []
    except Exception as exc:   # a plugin bug: report, do not crash Heat
        errors.append(ValidationError(
            model.PLUGIN_NAME, 'the %s plugin could not validate the '
            'cluster: %s' % (spec.plugin_name, type(exc).__name__)))
    return errors


#: node group keys Heat's INTEGER schema would turn from 2.5 into 2 and
#: from true into 1 without a word (``int(value)``)
WHOLE_NUMBER_KEYS = (model.NG_COUNT, model.NG_MIN_COUNT, model.NG_MAX_COUNT,
                     model.NG_VOLUMES_PER_NODE, model.NG_VOLUME_SIZE)
_WHOLE_RE = re.compile(r'^\s*[+-]?\d+\s*$')


def _whole(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str) and not _WHOLE_RE.match(value):
        try:
            float(value)
        except ValueError:
            return True      # no number at all: Heat's schema says so
        return False
    return True


def whole_number_errors(node_groups):
    """Errors for node group numbers that are not whole (``count: 2.5``,
    ``count: true``) in the template's values *before* Heat's schema
    converts them (``node_groups`` as written, functions resolved)."""
    errors = []
    for i, group in enumerate(node_groups or ()):
        if not isinstance(group, dict):
            continue
        for key in WHOLE_NUMBER_KEYS:
            value = group.get(key)
            if value is not None and not _whole(value):
                shown = str(value).lower() if isinstance(value, bool) \
                    else repr(value) if isinstance(value, str) else value
                errors.append(ValidationError(
                    'node_groups[%d].%s' % (i, key),
                    '%s is not a whole number' % shown,
                    'write a whole number, e.g. %d' % _nearest(value)))
    return errors


def _nearest(value):
    try:
        return max(int(float(value)), 0)
    except (TypeError, ValueError):
        return 1


def _default_version(plugin):
    try:
        return plugin.get_default_version()
    except Exception:   # a broken plugin: reported by validate_cluster
        return None


def check(props, default_name=None, get_plugin=None, layout=None,
          max_resources_per_stack=None,
          node_set_size=layout_mod.DEFAULT_SET_SIZE):
    """Parse and validate a cluster definition.

    Without ``plugin_version`` the plugin's default version is chosen (the
    returned spec carries it).

    :param max_resources_per_stack: heat-engine's limit (see
        :func:`validate_cluster`).
    :param node_set_size: the plugin's ``[savanna] node_set_size`` (see
        :func:`validate_cluster`).
    :returns: the ClusterSpec when valid.
    :raises InvalidCluster: with ALL the errors found.
    """
    if get_plugin is None:
        get_plugin = plugins.get_plugin
    spec = model.parse_cluster(props, default_name=default_name)
    errors = []
    try:
        plugin = get_plugin(spec.plugin_name)
    except exceptions.PluginNotFound as exc:
        plugin = None
        errors.append(ValidationError(
            model.PLUGIN_NAME, 'no provisioning plugin %r' % exc.name,
            'available plugins: %s' % (', '.join(exc.available)
                                       or '(none installed)')))
    except Exception as exc:   # e.g. an entry point that does not import
        plugin = None
        errors.append(ValidationError(
            model.PLUGIN_NAME, 'the %s plugin cannot be loaded: %s: %s'
            % (spec.plugin_name, type(exc).__name__, exc),
            'check the heat-savanna installation'))
    if plugin is not None and spec.plugin_version is None:
        spec = dataclasses.replace(spec,
                                   plugin_version=_default_version(plugin))
    errors += validate_cluster(
        spec, plugin, layout=layout,
        max_resources_per_stack=max_resources_per_stack,
        node_set_size=node_set_size)
    if errors:
        raise InvalidCluster(errors)
    return spec
