"""Pure topology and configuration checks of a Spark standalone cluster.

Every problem is a ValidationError naming the property path a template
author edits, and saying what would be valid. Never raises for bad input:
odd types are reported, not tripped over.
"""

import re

from heat_savanna.common.exceptions import ValidationError

VERSIONS = ['4.3.0']
PROCESSES = {'Spark': ['master', 'worker', 'historyserver']}
ALL_PROCESSES = frozenset(p for ps in PROCESSES.values() for p in ps)
_ENV_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')


def _count(group):
    count = getattr(group, 'count', 0)
    return count if isinstance(count, int) and count >= 0 else 0


def _processes(group):
    procs = getattr(group, 'node_processes', ()) or ()
    if isinstance(procs, str):
        return (procs,)
    return tuple(procs)


def groups_with(cluster, process):
    """``[(index, group)]`` of the node groups running ``process``."""
    return [(i, g) for i, g in enumerate(getattr(cluster, 'node_groups',
                                                 ()) or ())
            if process in _processes(g)]


def check_configs(configs, sections, path):
    """Unknown sections and malformed keys of one configs map."""
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
                where, 'unknown config section %r' % section,
                'valid sections: %s' % ', '.join(sorted(sections))))
            continue
        if not isinstance(values, dict):
            errors.append(ValidationError(where, 'must be a map of '
                                                 'key -> value'))
            continue
        if section == 'spark-env':
            for key in values:
                if not isinstance(key, str) or not _ENV_NAME.match(key):
                    errors.append(ValidationError(
                        '%s.%s' % (where, key),
                        'not a valid environment variable name',
                        'use letters, digits and _, e.g. '
                        'SPARK_WORKER_CORES'))
        elif section == 'spark-defaults':
            for key in values:
                if not isinstance(key, str) or not key or \
                        any(c.isspace() for c in key):
                    errors.append(ValidationError(
                        '%s.%s' % (where, key),
                        'not a valid Spark property name',
                        'e.g. spark.executor.memory'))
    return errors


def validate(cluster, sections):
    """All ValidationErrors of a ClusterSpecView for the Spark plugin."""
    errors = []
    version = getattr(cluster, 'plugin_version', None)
    if version not in VERSIONS:
        errors.append(ValidationError(
            'plugin_version', 'Spark version %r is not supported' % version,
            'supported: %s' % ', '.join(VERSIONS)))
    groups = getattr(cluster, 'node_groups', ()) or ()
    for i, group in enumerate(groups):
        unknown = [p for p in _processes(group) if p not in ALL_PROCESSES]
        if unknown:
            errors.append(ValidationError(
                'node_groups[%d].node_processes' % i,
                'unknown Spark process(es): %s' % ', '.join(map(str,
                                                                unknown)),
                'valid processes: %s' % ', '.join(sorted(ALL_PROCESSES))))
        errors += check_configs(getattr(group, 'node_configs', None),
                                sections,
                                'node_groups[%d].node_configs' % i)
    errors += check_configs(getattr(cluster, 'cluster_configs', None),
                            sections, 'cluster_configs')

    masters = groups_with(cluster, 'master')
    total = sum(_count(g) for _, g in masters)
    if not masters or total == 0:
        errors.append(ValidationError(
            'node_groups', 'no node group runs the Spark master',
            'add "master" to the node_processes of exactly one group '
            'with count 1'))
    elif len(masters) > 1:
        errors.append(ValidationError(
            'node_groups[%d].node_processes' % masters[1][0],
            'the Spark master is already in node group %r'
            % getattr(masters[0][1], 'name', masters[0][0]),
            'exactly one node may run "master"'))
    elif total > 1:
        errors.append(ValidationError(
            'node_groups[%d].count' % masters[0][0],
            'a group running the Spark master must have count 1, not %d'
            % total, 'set count: 1 and put workers in another group'))

    workers = groups_with(cluster, 'worker')
    if not any(_count(g) > 0 for _, g in workers):
        errors.append(ValidationError(
            'node_groups', 'no node runs a Spark worker',
            'add "worker" to the node_processes of a group with '
            'count >= 1'))

    history = groups_with(cluster, 'historyserver')
    if len(history) > 1 or sum(_count(g) for _, g in history) > 1:
        index = history[1][0] if len(history) > 1 else history[0][0]
        errors.append(ValidationError(
            'node_groups[%d].node_processes' % index,
            'more than one Spark history server',
            'run "historyserver" on at most one node'))

    for k, name in enumerate(getattr(cluster, 'anti_affinity', ()) or ()):
        if name not in ALL_PROCESSES:
            errors.append(ValidationError(
                'anti_affinity[%d]' % k,
                'unknown process %r' % (name,),
                'valid processes: %s' % ', '.join(sorted(ALL_PROCESSES))))
        elif not groups_with(cluster, name):
            errors.append(ValidationError(
                'anti_affinity[%d]' % k,
                'no node group runs %r' % name,
                'name a process some node group runs'))
    return errors


def validate_scaling(cluster, new_counts):
    """A resize must keep the master and at least one worker."""
    errors = []
    for i, group in enumerate(getattr(cluster, 'node_groups', ()) or ()):
        name = getattr(group, 'name', None)
        if name not in new_counts:
            continue
        n = new_counts[name]
        procs = _processes(group)
        if 'master' in procs and n != 1:
            errors.append(ValidationError(
                'node_groups[%d].count' % i,
                'the Spark master group must keep count 1, not %s' % n,
                'resize the worker groups instead'))
    workers = 0
    for group in getattr(cluster, 'node_groups', ()) or ():
        if 'worker' in _processes(group):
            workers += new_counts.get(getattr(group, 'name', None),
                                      _count(group))
    if workers < 1:
        errors.append(ValidationError(
            'node_groups', 'a Spark cluster needs at least one worker',
            'keep count >= 1 in a group running "worker"'))
    return errors
