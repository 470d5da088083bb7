"""A configuration change applied to running Hadoop nodes, in place.

Every file of the nodes is rewritten from the new configuration; then the
daemons the change needs restarted (the catalog says which) are stopped
and started again, masters before the members that register with them,
and the step waits until each restarted daemon answers again (namenode and
resourcemanager their admin commands; datanodes and nodemanagers listed
live/RUNNING by their master). Proven, like the rest of the vanilla
plugin, by the files and commands it produces: no Hadoop runs here.
"""

from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import start

#: restart order when a node needs several: masters first
ORDER = ('namenode', 'resourcemanager', 'secondarynamenode',
         'historyserver', 'datanode', 'nodemanager')


def restart_command(cluster_info, node, process):
    """Stop ``process`` (if it runs) and start it with the new files."""
    stop = start.daemon_command(cluster_info, node, process, 'stop')
    return '{ %s; } >/dev/null 2>&1; %s' % (
        stop, start.daemon_command(cluster_info, node, process, 'start'))


def reconfigure_steps(cluster_info, nodes, restarts):
    steps = [base.Step('rewrite Hadoop configuration', nodes=tuple(nodes),
                       work=start.configure_work(cluster_info))]
    for process, these in utils.restarts_by_process(nodes, restarts, ORDER):
        steps.append(base.Step(
            'restart %s' % process, nodes=these,
            work=start.command_work(
                cluster_info,
                lambda ci, node, p=process: restart_command(ci, node, p))))
        if process in ('namenode', 'resourcemanager'):
            steps.append(start.service_wait_step(cluster_info, process))
        elif process in ('datanode', 'nodemanager'):
            steps.append(start.members_wait_step(cluster_info, process,
                                                 these))
    return steps
