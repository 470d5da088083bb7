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
from heat_savanna.plugins.spark import status

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


#: the node's clock, the lower bound of a fresh registration's stamp
CLOCK = 'date +%Y%m%d%H%M%S'


def restart_work(cluster_info, process, stamp=False):
    """Work restarting ``process``; with ``stamp``, the node's clock is
    its mark first (a registration of the restarted worker is newer:
    Spark stamps a worker's id with the node's clock)."""
    def work(node):
        return base.NodeWork(
            mark=CLOCK if stamp else '',
            commands=(restart_command(cluster_info, node, process),),
            timeout=180)
    return work


def workers_restarted_check(cluster_info, workers, restarted_at,
                            deadline_seconds):
    """Every restarted worker has an ALIVE registration at the master made
    after its restart (not the old one)."""
    master = cluster_info.node_running('master')
    first = []

    def check(remotes):
        if not first:
            first.append(time.monotonic())
        late = time.monotonic() - first[0] >= deadline_seconds
        page, error = start.read_master_status(remotes(master), cluster_info)
        if page is None:
            return False, error
        # a worker without a stamp ('~' sorts after every digit) never
        # counts: its restart did not happen
        pending = [n for n in workers if not status.worker_alive(
            page, n.internal_ip, restarted_at.get(n.name, '~'))]
        detail = '%d/%d restarted Spark workers registered' % (
            len(workers) - len(pending), len(workers))
        if not pending:
            return True, detail
        named = {n.name: 'worker not registered again with the master '
                 'after %ss' % deadline_seconds for n in pending}
        return (True, detail, named) if late else (False, detail, named)
    return check


def restart_steps(cluster_info, workers, process, name, wait_name):
    """Restart ``process`` on ``nodes`` and wait until it is back: a
    master ALIVE, each worker registered again (newer than its mark)."""
    conf = savanna_config.CONF.savanna
    ready, poll = conf.service_start_timeout, conf.provisioning_poll_interval
    nodes = tuple(workers)
    if process == 'worker':
        marks = {}
        return [
            base.Step(name, nodes=nodes,
                      work=restart_work(cluster_info, process, stamp=True),
                      marks=marks),
            base.Step(wait_name, nodes=nodes,
                      check=workers_restarted_check(cluster_info, nodes,
                                                    marks, ready),
                      probe=start.worker_probe(cluster_info,
                                               status.worker_alive,
                                               utils.MARK),
                      timeout=ready + 60, poll_interval=poll)]
    steps = [base.Step(name, nodes=nodes,
                       work=restart_work(cluster_info, process))]
    if process == 'master':
        steps.append(base.Step(
            wait_name, nodes=nodes,
            check=start.master_alive_check(cluster_info),
            probe=start.master_alive_probe(cluster_info), timeout=ready,
            poll_interval=poll))
    return steps


def reconfigure_steps(cluster_info, nodes, restarts):
    steps = [base.Step('rewrite Spark configuration', nodes=tuple(nodes),
                       work=start.configure_work(cluster_info))]
    for process, these in utils.restarts_by_process(nodes, restarts, ORDER):
        wait = {'master': 'wait for Spark master',
                'worker': 'wait for restarted Spark workers'}.get(process)
        steps += restart_steps(cluster_info, these, process,
                               'restart Spark %s' % process, wait)
    return steps
