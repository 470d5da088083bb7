"""A configuration change applied to running Spark nodes, in place.

Every file of the nodes is rewritten from the new configuration; then only
the daemons the change needs restarted (the catalog says which: e.g.
SPARK_WORKER_MEMORY restarts workers, spark.executor.memory nothing, as
each job reads it) are stopped and started again, and the step waits
until they are back: a restarted master ALIVE, each restarted worker
registered ALIVE again under a new registration (its old one stays in the
master's list as DEAD).
"""

import time

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import start

#: restart order when a node needs several
ORDER = ('master', 'worker', 'historyserver')
CLASSES = {'master': config.MASTER_CLASS, 'worker': config.WORKER_CLASS,
           'historyserver': config.HISTORY_CLASS}
COMMANDS = {'master': start.master_command, 'worker': start.worker_command,
            'historyserver': start.history_command}


def restart_command(cluster_info, node, process):
    """Stop ``process`` (if it runs) and start it with the new files."""
    stop = start.daemon_command(cluster_info, node, 'stop',
                                CLASSES[process])
    return '{ %s; } >/dev/null 2>&1; %s' % (
        stop, COMMANDS[process](cluster_info, node))


def restart_action(cluster_info, process, restarted_at=None):
    def action(remote, node):
        if restarted_at is not None:
            # the registration of the restarted worker is newer than this
            # (Spark stamps a worker's id with the node's clock)
            stamp = remote.run('date +%Y%m%d%H%M%S', timeout=30)
            restarted_at[node.internal_ip] = stamp.stdout.strip()
        remote.run(restart_command(cluster_info, node, process), sudo=True,
                   timeout=180)
    return action


def _registration_stamp(worker_id):
    """``worker-20261129173426-10.0.0.5-35017`` -> ``20261129173426``."""
    parts = (worker_id or '').split('-')
    return parts[1] if len(parts) > 2 else ''


def workers_restarted_check(cluster_info, workers, restarted_at,
                            deadline_seconds):
    """Every restarted worker has an ALIVE registration at the master made
    after its restart (not the old one)."""
    master = config.master_node(cluster_info)
    first = []

    def check(remotes):
        if not first:
            first.append(time.monotonic())
        late = time.monotonic() - first[0] >= deadline_seconds
        status, error = start.read_master_status(remotes(master),
                                                 cluster_info)
        if status is None:
            return False, error
        fresh = {w.get('host') for w in status.get('workers') or ()
                 if w.get('state') == 'ALIVE' and
                 _registration_stamp(w.get('id')) >=
                 restarted_at.get(w.get('host'), '~')}
        pending = [n for n in workers if n.internal_ip not in fresh]
        detail = '%d/%d restarted Spark workers registered' % (
            len(workers) - len(pending), len(workers))
        if not pending:
            return True, detail
        named = {n.name: 'worker not registered again with the master '
                 'after %ss' % deadline_seconds for n in pending}
        return (True, detail, named) if late else (False, detail, named)
    return check


def reconfigure_steps(cluster_info, nodes, restarts):
    conf = savanna_config.CONF.savanna
    ready, poll = conf.service_start_timeout, conf.provisioning_poll_interval
    steps = [base.Step('rewrite Spark configuration', nodes=tuple(nodes),
                       action=start.configure_action(cluster_info))]
    for process, these in utils.restarts_by_process(nodes, restarts, ORDER):
        stamps = {} if process == 'worker' else None
        steps.append(base.Step(
            'restart Spark %s' % process, nodes=these,
            action=restart_action(cluster_info, process, stamps)))
        if process == 'master':
            steps.append(base.Step(
                'wait for Spark master', nodes=these,
                check=start.master_alive_check(cluster_info), timeout=ready,
                poll_interval=poll))
        elif process == 'worker':
            steps.append(base.Step(
                'wait for restarted Spark workers', nodes=these,
                check=workers_restarted_check(cluster_info, these, stamps,
                                              ready),
                timeout=ready + 60, poll_interval=poll))
    return steps
