"""Pure topology checks of a Spark standalone cluster (its config keys
are checked by its catalog, see ``packaged.PackagedPlugin.validate``).

Every problem is a ValidationError naming the property path a template
author edits, and saying what would be valid. Never raises for bad input:
odd types are reported, not tripped over.
"""

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import utils


def validate(cluster):
    """Errors of the Spark topology: one master, a worker, at most one
    history server."""
    errors = utils.check_exactly_one(
        cluster, 'master', 'the Spark master',
        'set count: 1 and put workers in another group')
    workers = utils.groups_with(cluster, 'worker')
    if not any(utils.count_of(g) > 0 for _, g in workers):
        errors.append(ValidationError(
            'node_groups', 'no node runs a Spark worker',
            'add "worker" to the node_processes of a group with '
            'count >= 1'))
    errors += utils.check_at_most_one(cluster, 'historyserver',
                                      'Spark history server')
    return errors


def validate_scaling(cluster, new_counts):
    """A resize must keep the master and at least one worker."""
    errors = []
    for i, group in enumerate(utils.node_groups(cluster)):
        name = getattr(group, 'name', None)
        if name not in new_counts:
            continue
        n = new_counts[name]
        procs = utils.processes_of(group)
        if 'master' in procs and n != 1:
            errors.append(ValidationError(
                'node_groups[%d].count' % i,
                'the Spark master group must keep count 1, not %s' % n,
                'resize the worker groups instead'))
    workers = 0
    for group in utils.node_groups(cluster):
        if 'worker' in utils.processes_of(group):
            workers += new_counts.get(getattr(group, 'name', None),
                                      utils.count_of(group))
    if workers < 1:
        errors.append(ValidationError(
            'node_groups', 'a Spark cluster needs at least one worker',
            'keep count >= 1 in a group running "worker"'))
    return errors
