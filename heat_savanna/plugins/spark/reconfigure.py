"""A configuration change applied to running Spark nodes, in place.

Every file of the nodes is rewritten from the new configuration; then only
the daemons the change needs restarted (the catalog says which: e.g.
SPARK_WORKER_MEMORY restarts workers, spark.executor.memory nothing, as
each job reads it) are stopped and started again, and the step waits
until they are back: a restarted master ALIVE, each restarted worker
registered ALIVE again under a new registration (its old one stays in the
master's list as DEAD).
"""

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
            # a registration newer than the worker's clock before the
            # restart (its mark): the old one stays listed, as DEAD
            base.Step(wait_name, nodes=nodes,
                      wait=start.worker_wait(cluster_info,
                                             status.worker_alive, base.MARK),
                      marks=marks, timeout=ready, poll_interval=poll)]
    steps = [base.Step(name, nodes=nodes,
                       work=restart_work(cluster_info, process))]
    if process == 'master':
        steps.append(base.Step(
            wait_name, nodes=nodes, wait=start.master_alive_wait(
                cluster_info), timeout=ready, poll_interval=poll))
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
