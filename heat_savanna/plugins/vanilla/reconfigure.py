"""A configuration change applied to running Hadoop nodes, in place.

Every file of the nodes is rewritten from the new configuration; then the
daemons the change needs restarted (the catalog says which) are stopped
and started again, masters before the members that register with them,
and the step waits until each restarted daemon answers again (namenode and
resourcemanager their admin commands; datanodes and nodemanagers listed
live/RUNNING by their master). Proven, like the rest of the vanilla
plugin, by the files and commands it produces: no Hadoop runs here.
"""

from heat_savanna.common import config as savanna_config
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
    conf = savanna_config.CONF.savanna
    ready, poll = conf.service_start_timeout, conf.provisioning_poll_interval
    steps = [base.Step('rewrite Hadoop configuration', nodes=tuple(nodes),
                       action=start.configure_action(cluster_info))]
    for process, these in utils.restarts_by_process(nodes, restarts, ORDER):
        steps.append(base.Step(
            'restart %s' % process, nodes=these,
            action=start.command_action(
                cluster_info,
                lambda ci, node, p=process: restart_command(ci, node, p))))
        if process in ('namenode', 'resourcemanager'):
            steps.append(base.Step(
                'wait for %s' % process, nodes=these,
                check=start.service_up_check(cluster_info, process),
                timeout=ready, poll_interval=poll))
        elif process in ('datanode', 'nodemanager'):
            steps.append(base.Step(
                'wait for %ss' % process, nodes=these,
                check=start.members_ready_check(cluster_info, process,
                                                these, ready),
                timeout=ready + 60, poll_interval=poll))
    return steps
