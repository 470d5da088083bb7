"""Pure topology checks of a vanilla Hadoop 3 cluster (its config keys
are checked by its catalog, see ``packaged.PackagedPlugin.validate``).

Rules (each error names the property path and the fix): exactly one
namenode; at most one secondarynamenode, resourcemanager and
historyserver; nodemanagers need a resourcemanager; at least one datanode
and, when ``dfs.replication`` is set (in ``cluster_configs`` only: the
catalog refuses it in ``node_configs``), at least that many datanodes,
also after a resize; the default 3 is capped to the datanode count
instead, so a small test cluster works. A set value is written as it is,
never lowered (see :func:`replication`).
"""

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import catalog

SINGLETONS = ('secondarynamenode', 'resourcemanager', 'historyserver')
DEFAULT_REPLICATION = catalog.DEFAULT_REPLICATION


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


def _datanodes(cluster, counts=None):
    total = 0
    for g in utils.node_groups(cluster):
        if 'datanode' in utils.processes_of(g):
            name = getattr(g, 'name', None)
            total += (counts or {}).get(name, utils.count_of(g))
    return total


def validate(cluster):
    """Errors of the Hadoop topology (the rules of the module doc)."""
    errors = utils.check_exactly_one(
        cluster, 'namenode', 'the HDFS namenode',
        'set count: 1 and move other processes to another group')
    for process in SINGLETONS:
        errors += utils.check_at_most_one(cluster, process, process)

    nodemanagers = utils.groups_with(cluster, 'nodemanager')
    if nodemanagers and not utils.groups_with(cluster, 'resourcemanager'):
        errors.append(ValidationError(
            'node_groups[%d].node_processes' % nodemanagers[0][0],
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
        # a malformed value is the catalog's to report
        if n is not None and n >= 1 and datanodes and n > datanodes:
            errors.append(ValidationError(
                'cluster_configs.HDFS.dfs.replication',
                'replication %d is above the %d datanode(s)'
                % (n, datanodes),
                'lower dfs.replication or run at least %d datanodes' % n))
    return errors


def replication(cluster_or_info, datanodes):
    """Effective dfs.replication: the value set in cluster_configs as it
    is, else the default 3 capped to the datanode count (at least 1).

    A set value is never lowered: :func:`validate` refuses one above the
    datanodes the cluster is defined with, and :func:`validate_scaling`
    a resize below it, so fewer datanodes only happen while some have
    failed. Lowering it then would write every file of that time with
    fewer copies for good (HDFS does not raise a file's replication when
    the datanodes come back); with the set value HDFS writes what it can
    and re-replicates once they are back."""
    value = _int(explicit_replication(cluster_or_info))
    if value is not None and value > 0:
        return value
    return max(1, min(DEFAULT_REPLICATION, datanodes)) if datanodes \
        else DEFAULT_REPLICATION


def validate_scaling(cluster, new_counts):
    errors = []
    for i, group in enumerate(utils.node_groups(cluster)):
        name = getattr(group, 'name', None)
        if name in new_counts and new_counts[name] != utils.count_of(group):
            procs = set(utils.processes_of(group))
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
