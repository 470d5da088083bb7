"""Helpers every provisioning plugin shares (pure: no Heat, no I/O).

Topology checks read a cluster *definition* (any object with the attributes
of :class:`heat_savanna.plugins.base.ClusterSpecView`) defensively: odd
types are reported by the caller's checks, never tripped over here. File
helpers turn a cluster *view* (:class:`~heat_savanna.plugins.base.
ClusterInfo`) into file contents.
"""

from heat_savanna.common.exceptions import ValidationError


# -- reading a definition ---------------------------------------------------
def count_of(group):
    """The group's ``count`` (0 when missing or not a non-negative int)."""
    count = getattr(group, 'count', 0)
    return count if isinstance(count, int) and count >= 0 else 0


def processes_of(group):
    """The group's ``node_processes`` as a tuple (a lone string is one)."""
    procs = getattr(group, 'node_processes', ()) or ()
    return (procs,) if isinstance(procs, str) else tuple(procs)


def node_groups(cluster):
    return getattr(cluster, 'node_groups', ()) or ()


def groups_with(cluster, process):
    """``[(index, group)]`` of the node groups running ``process``."""
    return [(i, g) for i, g in enumerate(node_groups(cluster))
            if process in processes_of(g)]


# -- checks shared by the plugins -------------------------------------------
def check_version(cluster, versions, framework):
    version = getattr(cluster, 'plugin_version', None)
    if version in versions:
        return []
    return [ValidationError(
        'plugin_version', '%s version %r is not supported'
        % (framework, version), 'supported: %s' % ', '.join(versions))]


def check_processes(cluster, known, framework):
    """One error per node group naming processes the plugin does not know.
    """
    errors = []
    for i, group in enumerate(node_groups(cluster)):
        unknown = [p for p in processes_of(group) if p not in known]
        if unknown:
            errors.append(ValidationError(
                'node_groups[%d].node_processes' % i,
                'unknown %s process(es): %s'
                % (framework, ', '.join(map(str, unknown))),
                'valid processes: %s' % ', '.join(sorted(known))))
    return errors


def check_sections(configs, sections, path, check_section=None):
    """Errors of one ``cluster_configs`` / ``node_configs`` map: it must
    map known section names to maps; ``check_section(section, values,
    where)`` may add errors about the keys of a known section."""
    if configs is None:
        return []
    if not isinstance(configs, dict):
        return [ValidationError(path, 'must be a map of section -> map',
                                'valid sections: %s'
                                % ', '.join(sorted(sections)))]
    errors = []
    for section, values in configs.items():
        where = '%s.%s' % (path, section)
        if section not in sections:
            errors.append(ValidationError(
                where, 'unknown config section %r' % (section,),
                'valid sections: %s' % ', '.join(sorted(sections))))
        elif not isinstance(values, dict):
            errors.append(ValidationError(where, 'must be a map of '
                                                 'key -> value'))
        elif check_section is not None:
            errors += check_section(section, values, where)
    return errors


def check_all_configs(cluster, sections, check_section=None):
    """:func:`check_sections` of every group's node_configs and of the
    cluster_configs."""
    errors = []
    for i, group in enumerate(node_groups(cluster)):
        errors += check_sections(getattr(group, 'node_configs', None),
                                 sections, 'node_groups[%d].node_configs' % i,
                                 check_section)
    return errors + check_sections(getattr(cluster, 'cluster_configs', None),
                                   sections, 'cluster_configs', check_section)


def check_exactly_one(cluster, process, label, count_hint):
    """``process`` must run on exactly one node: in one group of count 1.
    ``label`` names it in messages ("the HDFS namenode")."""
    found = groups_with(cluster, process)
    total = sum(count_of(g) for _, g in found)
    if not found or total == 0:
        return [ValidationError(
            'node_groups', 'no node group runs %s' % label,
            'add "%s" to the node_processes of exactly one group '
            'with count 1' % process)]
    if len(found) > 1:
        return [ValidationError(
            'node_groups[%d].node_processes' % found[1][0],
            '%s is already in node group %r'
            % (label, getattr(found[0][1], 'name', found[0][0])),
            'exactly one node may run "%s"' % process)]
    if total > 1:
        return [ValidationError(
            'node_groups[%d].count' % found[0][0],
            'a group running %s must have count 1, not %d' % (label, total),
            count_hint)]
    return []


def check_at_most_one(cluster, process, label):
    """``process`` may run on one node or none."""
    found = groups_with(cluster, process)
    if len(found) <= 1 and sum(count_of(g) for _, g in found) <= 1:
        return []
    index = found[1][0] if len(found) > 1 else found[0][0]
    where = 'node_groups[%d].%s' % (
        index, 'node_processes' if len(found) > 1 else 'count')
    return [ValidationError(where, 'more than one %s' % label,
                            'run "%s" on at most one node' % process)]


def check_anti_affinity(cluster, known):
    """Every ``anti_affinity`` entry names a process some group runs."""
    errors = []
    for k, name in enumerate(getattr(cluster, 'anti_affinity', ()) or ()):
        if name not in known:
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'unknown process %r' % (name,),
                'valid processes: %s' % ', '.join(sorted(known))))
        elif not groups_with(cluster, name):
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'no node group runs %r' % name,
                'name a process some node group runs'))
    return errors


def never_raise(validate, cluster, *args):
    """``validate(cluster, *args)``, turning an unexpected exception on
    strange input into one error: validation reports, it never raises."""
    try:
        return validate(cluster, *args)
    except Exception as exc:  # noqa: bad input must not crash validate
        return [ValidationError('', 'invalid cluster definition: %s'
                                % exc)]


# -- files ------------------------------------------------------------------
def hosts_file(cluster_info):
    """/etc/hosts of every node: localhost and every member node (a failed
    node, not a member, is never listed)."""
    lines = ['127.0.0.1\tlocalhost',
             '::1\tlocalhost ip6-localhost ip6-loopback',
             '# cluster %s (generated by heat-savanna)' % cluster_info.name]
    for n in cluster_info.nodes:
        names = [n.fqdn, n.name] if n.fqdn and n.fqdn != n.name else [n.name]
        lines.append('%s\t%s' % (n.internal_ip, ' '.join(names)))
    return '\n'.join(lines) + '\n'


def file_entries(files):
    """``[(path, content, mode)]`` of a ``{path: content}`` mapping, sorted
    by path, for the remote's ``install_files``: shell scripts (``*.sh``)
    are executable, everything else is 0644."""
    return [(path, content, 0o755 if path.endswith('.sh') else 0o644)
            for path, content in sorted(files.items())]
