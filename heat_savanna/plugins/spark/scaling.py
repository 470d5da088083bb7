"""Scale-up (new workers join the running master) and graceful
decommission of workers.

Nothing running is restarted: new workers register with the master the
cluster already has; the other nodes only get their /etc/hosts and
workers file rewritten. Decommission uses Spark's own mechanism: with
``spark.decommission.enabled`` a worker that receives SIGPWR
(``spark-daemon.sh decommission``) tells the master, which stops placing
executors on it and marks it DECOMMISSIONED; then it is stopped.
"""

import dataclasses

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import start


def scale_up_steps(cluster_info, new_nodes):
    new = {n.name for n in new_nodes}
    old = tuple(n for n in cluster_info.nodes if n.name not in new)
    steps = [start.check_image_step(cluster_info, new_nodes),
             base.Step('configure new Spark nodes', nodes=tuple(new_nodes),
                       action=start.configure_action(cluster_info))]
    if old:
        steps.append(base.Step(
            'update cluster files', nodes=old,
            action=start.configure_action(cluster_info,
                                          files=config.shared_files)))
    workers = [n for n in new_nodes if n.has('worker')]
    conf = savanna_config.CONF.savanna
    if workers:
        started = set()
        steps += [
            base.Step('start new Spark workers', nodes=tuple(workers),
                      action=start.daemon_action(cluster_info,
                                                 start.worker_command,
                                                 started)),
            base.Step('wait for new Spark workers', nodes=tuple(workers),
                      check=start.workers_alive_check(
                          cluster_info, tuple(workers),
                          conf.service_start_timeout, started=started),
                      timeout=conf.service_start_timeout + 60,
                      poll_interval=conf.provisioning_poll_interval),
        ]
    return steps


def membership_steps(cluster_info):
    """/etc/hosts and the master's workers file, rewritten from
    ``cluster_info`` on each of its nodes (no daemon reads them while it
    runs: a worker that is gone simply stays unregistered)."""
    return [base.Step('update member lists', nodes=tuple(cluster_info.nodes),
                      action=start.configure_action(
                          cluster_info, files=config.shared_files))]


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
                      action=start.daemon_action(cluster_info,
                                                 decommission_command)),
            base.Step('wait for Spark workers to drain', nodes=workers,
                      check=start.workers_alive_check(
                          cluster_info, workers, conf.decommission_timeout,
                          want_alive=False),
                      timeout=conf.decommission_timeout + 60,
                      poll_interval=conf.provisioning_poll_interval),
            base.Step('stop Spark workers', nodes=workers,
                      action=start.daemon_action(cluster_info,
                                                 stop_command)),
        ]
    if staying:
        steps.append(base.Step(
            'update cluster files', nodes=staying,
            action=start.configure_action(remaining,
                                          files=config.shared_files)))
    return steps
