"""Scale-up (new workers join the running master) and graceful
decommission of workers.

Nothing running is restarted: new workers register with the master the
cluster already has; the other nodes only get their /etc/hosts and
workers file rewritten. When the master itself was rebuilt (a new node),
every node's files are rewritten for it and the running workers restart
to register with it. Decommission uses Spark's own mechanism: with
``spark.decommission.enabled`` a worker that receives SIGPWR
(``spark-daemon.sh decommission``) tells the master, which stops placing
executors on it and marks it DECOMMISSIONED; then it is stopped.
"""

import dataclasses

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import reconfigure
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import status


def scale_up_steps(cluster_info, new_nodes):
    if any(n.has('master') for n in new_nodes):
        return master_rebuilt_steps(cluster_info, new_nodes)
    new = {n.name for n in new_nodes}
    old = tuple(n for n in cluster_info.nodes if n.name not in new)
    steps = [start.check_image_step(cluster_info, new_nodes),
             base.Step('configure new Spark nodes', nodes=tuple(new_nodes),
                       work=start.configure_work(cluster_info))]
    if old:
        steps.append(base.Step(
            'update cluster files', nodes=old,
            work=start.files_work(cluster_info, config.shared_files)))
    workers = [n for n in new_nodes if n.has('worker')]
    if workers:
        steps += [
            start.start_workers_step(cluster_info, 'start new Spark workers',
                                     workers),
            start.wait_workers_step(cluster_info, 'wait for new Spark '
                                    'workers', workers),
        ]
    return steps


def master_rebuilt_steps(cluster_info, new_nodes):
    """The master was rebuilt (a new node, a new address): every node's
    files name the new master; it starts; the workers that ran restart so
    they register with it (a running worker keeps the master URL it was
    started with), the new ones start; then all must be ALIVE again."""
    new = {n.name for n in new_nodes}
    old_workers = tuple(n for n in cluster_info.nodes_with('worker')
                        if n.name not in new)
    new_workers = tuple(n for n in new_nodes if n.has('worker'))
    steps = [start.check_image_step(cluster_info, new_nodes),
             base.Step('configure Spark nodes for the new master',
                       nodes=tuple(cluster_info.nodes),
                       work=start.configure_work(cluster_info))]
    steps += start.master_steps(cluster_info)
    if old_workers:
        steps += reconfigure.restart_steps(
            cluster_info, old_workers, 'worker',
            'restart Spark workers for the new master',
            'wait for workers at the new master')
    if new_workers:
        steps += [
            start.start_workers_step(cluster_info, 'start new Spark workers',
                                     new_workers),
            start.wait_workers_step(cluster_info, 'wait for new Spark '
                                    'workers', new_workers)]
    history = tuple(cluster_info.nodes_with('historyserver'))
    if history:
        steps.append(base.Step(
            'restart Spark history server', nodes=history,
            work=reconfigure.restart_work(cluster_info, 'historyserver')))
    return steps


def membership_steps(cluster_info):
    """/etc/hosts and the master's workers file, rewritten from
    ``cluster_info`` on each of its nodes (no daemon reads them while it
    runs: a worker that is gone simply stays unregistered)."""
    return [base.Step('update member lists', nodes=tuple(cluster_info.nodes),
                      work=start.files_work(cluster_info,
                                            config.shared_files))]


def decommission_command(cluster_info, node):
    return start.daemon_command(cluster_info, node, 'decommission',
                                config.WORKER_CLASS)


def stop_command(cluster_info, node):
    return start.daemon_command(cluster_info, node, 'stop',
                                config.WORKER_CLASS)


def decommission_steps(cluster_info, leaving_nodes):
    conf = savanna_config.CONF.savanna
    leaving = {n.name for n in leaving_nodes}
    workers = tuple(n for n in leaving_nodes if n.has('worker'))
    staying = tuple(n for n in cluster_info.nodes if n.name not in leaving)
    remaining = dataclasses.replace(cluster_info, nodes=staying)
    steps = []
    if workers:
        steps += [
            base.Step('decommission Spark workers', nodes=workers,
                      work=start.command_work(cluster_info,
                                              decommission_command)),
            base.Step('wait for Spark workers to drain', nodes=workers,
                      wait=start.worker_wait(cluster_info,
                                             status.worker_gone),
                      # a drain that never ends does not block the
                      # scale-down: the workers are stopped anyway
                      # (Spark recomputes lost work)
                      fail_on_timeout=False,
                      timeout=conf.decommission_timeout,
                      poll_interval=conf.provisioning_poll_interval),
            base.Step('stop Spark workers', nodes=workers,
                      work=start.command_work(cluster_info, stop_command)),
        ]
    if staying:
        steps.append(base.Step(
            'update cluster files', nodes=staying,
            work=start.files_work(remaining, config.shared_files)))
    return steps
