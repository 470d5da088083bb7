"""Pure topology and configuration checks of a vanilla Hadoop 3 cluster.

Rules (each error names the property path and the fix): exactly one
namenode; at most one secondarynamenode, resourcemanager and
historyserver; nodemanagers need a resourcemanager; at least one datanode
and, when ``dfs.replication`` is set explicitly, at least that many
datanodes (the default 3 is capped to the datanode count instead, so a
small test cluster works); anti-affinity names known processes.
"""

from heat_savanna.common.exceptions import ValidationError

VERSIONS = ['3.4.1']
PROCESSES = {
    'HDFS': ['namenode', 'secondarynamenode', 'datanode'],
    'YARN': ['resourcemanager', 'nodemanager'],
    'MapReduce': ['historyserver'],
}
ALL_PROCESSES = frozenset(p for ps in PROCESSES.values() for p in ps)
SINGLETONS = ('secondarynamenode', 'resourcemanager', 'historyserver')
DEFAULT_REPLICATION = 3


def _count(group):
    count = getattr(group, 'count', 0)
    return count if isinstance(count, int) and count >= 0 else 0


def _processes(group):
    procs = getattr(group, 'node_processes', ()) or ()
    return (procs,) if isinstance(procs, str) else tuple(procs)


def groups_with(cluster, process):
    """``[(index, group)]`` of the node groups running ``process``."""
    return [(i, g) for i, g in enumerate(getattr(cluster, 'node_groups',
                                                 ()) or ())
            if process in _processes(g)]


def explicit_replication(cluster):
    """``dfs.replication`` from cluster_configs.HDFS, or None."""
    configs = getattr(cluster, 'cluster_configs', None) or {}
    hdfs = configs.get('HDFS') if isinstance(configs, dict) else None
    if isinstance(hdfs, dict) and 'dfs.replication' in hdfs:
        return hdfs['dfs.replication']
    return None


def _int(value):
    try:
        if isinstance(value, bool):
            raise ValueError
        return int(value)
    except (TypeError, ValueError):
        return None


def check_configs(configs, sections, path):
    errors = []
    if configs is None:
        return errors
    if not isinstance(configs, dict):
        return [ValidationError(path, 'must be a map of section -> map',
                                'valid sections: %s'
                                % ', '.join(sorted(sections)))]
    for section, values in configs.items():
        where = '%s.%s' % (path, section)
        if section not in sections:
            errors.append(ValidationError(
                where, 'unknown config section %r' % (section,),
                'valid sections: %s' % ', '.join(sorted(sections))))
        elif not isinstance(values, dict):
            errors.append(ValidationError(where, 'must be a map of '
                                                 'key -> value'))
    return errors


def _datanodes(cluster, counts=None):
    total = 0
    for g in getattr(cluster, 'node_groups', ()) or ():
        if 'datanode' in _processes(g):
            name = getattr(g, 'name', None)
            total += (counts or {}).get(name, _count(g))
    return total


def validate(cluster, sections):
    errors = []
    version = getattr(cluster, 'plugin_version', None)
    if version not in VERSIONS:
        errors.append(ValidationError(
            'plugin_version', 'Hadoop version %r is not supported'
            % (version,), 'supported: %s' % ', '.join(VERSIONS)))
    groups = getattr(cluster, 'node_groups', ()) or ()
    for i, group in enumerate(groups):
        unknown = [p for p in _processes(group) if p not in ALL_PROCESSES]
        if unknown:
            errors.append(ValidationError(
                'node_groups[%d].node_processes' % i,
                'unknown Hadoop process(es): %s'
                % ', '.join(map(str, unknown)),
                'valid processes: %s' % ', '.join(sorted(ALL_PROCESSES))))
        errors += check_configs(getattr(group, 'node_configs', None),
                                sections, 'node_groups[%d].node_configs' % i)
    errors += check_configs(getattr(cluster, 'cluster_configs', None),
                            sections, 'cluster_configs')

    namenodes = groups_with(cluster, 'namenode')
    total = sum(_count(g) for _, g in namenodes)
    if not namenodes or total == 0:
        errors.append(ValidationError(
            'node_groups', 'no node group runs the HDFS namenode',
            'add "namenode" to the node_processes of exactly one group '
            'with count 1'))
    elif len(namenodes) > 1:
        errors.append(ValidationError(
            'node_groups[%d].node_processes' % namenodes[1][0],
            'the namenode is already in node group %r'
            % getattr(namenodes[0][1], 'name', namenodes[0][0]),
            'exactly one node may run "namenode"'))
    elif total > 1:
        errors.append(ValidationError(
            'node_groups[%d].count' % namenodes[0][0],
            'a group running the namenode must have count 1, not %d'
            % total, 'set count: 1 and move other processes to another '
                     'group'))

    for process in SINGLETONS:
        found = groups_with(cluster, process)
        if len(found) > 1 or sum(_count(g) for _, g in found) > 1:
            index = found[1][0] if len(found) > 1 else found[0][0]
            where = 'node_groups[%d].%s' % (
                index, 'node_processes' if len(found) > 1 else 'count')
            errors.append(ValidationError(
                where, 'more than one %s' % process,
                'run "%s" on at most one node' % process))

    if groups_with(cluster, 'nodemanager') and \
            not groups_with(cluster, 'resourcemanager'):
        errors.append(ValidationError(
            'node_groups[%d].node_processes'
            % groups_with(cluster, 'nodemanager')[0][0],
            'nodemanager needs a resourcemanager',
            'add "resourcemanager" to one node group (count 1)'))

    datanodes = _datanodes(cluster)
    if datanodes < 1:
        errors.append(ValidationError(
            'node_groups', 'no node runs an HDFS datanode',
            'add "datanode" to a group with count >= 1'))
    replication = explicit_replication(cluster)
    if replication is not None:
        n = _int(replication)
        if n is None or n < 1:
            errors.append(ValidationError(
                'cluster_configs.HDFS.dfs.replication',
                'must be a positive integer, not %r' % (replication,)))
        elif datanodes and n > datanodes:
            errors.append(ValidationError(
                'cluster_configs.HDFS.dfs.replication',
                'replication %d is above the %d datanode(s)'
                % (n, datanodes),
                'lower dfs.replication or run at least %d datanodes' % n))

    for k, name in enumerate(getattr(cluster, 'anti_affinity', ()) or ()):
        if name not in ALL_PROCESSES:
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'unknown process %r' % (name,),
                'valid processes: %s' % ', '.join(sorted(ALL_PROCESSES))))
        elif not groups_with(cluster, name):
            errors.append(ValidationError(
                'anti_affinity[%d]' % k, 'no node group runs %r' % name,
                'name a process some node group runs'))
    return errors


def replication(cluster_or_info, datanodes):
    """Effective dfs.replication: configured (or 3), capped to the
    datanode count (at least 1)."""
    value = _int(explicit_replication(cluster_or_info))
    value = value if value and value > 0 else DEFAULT_REPLICATION
    return max(1, min(value, datanodes)) if datanodes else value


def validate_scaling(cluster, new_counts):
    errors = []
    for i, group in enumerate(getattr(cluster, 'node_groups', ()) or ()):
        name = getattr(group, 'name', None)
        if name in new_counts and new_counts[name] != _count(group):
            procs = set(_processes(group))
            fixed = procs & ({'namenode'} | set(SINGLETONS))
            if fixed and new_counts[name] != 1:
                errors.append(ValidationError(
                    'node_groups[%d].count' % i,
                    'group %r runs %s and must keep count 1'
                    % (name, ', '.join(sorted(fixed))),
                    'resize the worker groups instead'))
    datanodes = _datanodes(cluster, new_counts)
    wanted = _int(explicit_replication(cluster)) or DEFAULT_REPLICATION
    current = _datanodes(cluster)
    floor = min(wanted, max(current, 1))
    if datanodes < max(1, floor):
        errors.append(ValidationError(
            'node_groups', 'scaling to %d datanode(s) goes below the HDFS '
                           'replication factor %d' % (datanodes, floor),
            'keep at least %d datanodes or lower dfs.replication'
            % floor))
    return errors
