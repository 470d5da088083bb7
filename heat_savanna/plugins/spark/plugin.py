"""The Spark standalone provisioning plugin (entry point ``spark``)."""

from heat_savanna.plugins import base
from heat_savanna.plugins import packaged
from heat_savanna.plugins.spark import catalog
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import jobs
from heat_savanna.plugins.spark import reconfigure
from heat_savanna.plugins.spark import scaling
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import validation


class SparkPlugin(packaged.PackagedPlugin):
    """Apache Spark standalone: one master, workers, optional history
    server."""

    name = 'spark'
    title = 'Apache Spark (standalone cluster manager)'

    catalog = catalog
    validation = validation
    start = start
    scaling = scaling
    reconfigure = reconfigure
    jobs = jobs
    mandatory_processes = ('master',)

    def service_ports(self, cluster):
        """Spark's fixed and ephemeral ports (the configured ones,
        general.*_port and any spark-defaults *.port, come first)."""
        return [
            # between members only: it accepts applications from anyone
            base.PortRule(6066, runs_code=True,
                          description='Spark master REST submission '
                                      '(when enabled)'),
            base.PortRule(4040, port_max=4050, public=True,
                          description='Spark application web UIs'),
            base.PortRule(32768, port_max=60999,
                          description='Spark worker, executor and block '
                                      'manager ports (ephemeral range)'),
        ]

    def get_endpoints(self, cluster_info):
        master = cluster_info.node_running('master')
        if master is None:
            return {}
        g = config.settings(cluster_info, master)['general']
        out = {
            'spark-master': config.master_url(cluster_info),
            'spark-master-ui': 'http://%s:%s' % (master.management_ip,
                                                 g['master_webui_port']),
        }
        for node in cluster_info.nodes_with('historyserver'):
            out['spark-history-ui'] = 'http://%s:%s' % (
                node.management_ip, g['history_webui_port'])
        return out
