"""The Spark standalone provisioning plugin (entry point ``spark``)."""

from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.spark import catalog
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import jobs
from heat_savanna.plugins.spark import reconfigure
from heat_savanna.plugins.spark import scaling
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import validation


class SparkPlugin(base.ProvisioningPlugin):
    """Apache Spark standalone: one master, workers, optional history
    server."""

    name = 'spark'
    title = 'Apache Spark (standalone cluster manager)'

    def get_versions(self):
        return list(validation.VERSIONS)

    def get_node_processes(self, version):
        return {k: list(v) for k, v in validation.PROCESSES.items()}

    def get_mandatory_processes(self, version):
        return ['master']

    def get_config_catalog(self, version):
        return catalog.catalog_for(version)

    def validate(self, cluster):
        return utils.never_raise(validation.validate, cluster)

    def validate_scaling(self, cluster, new_counts):
        return validation.validate_scaling(cluster, new_counts)

    def get_ports(self, cluster):
        """The configured ports (general.*_port and any spark-defaults
        *.port), then Spark's fixed and ephemeral ones."""
        rules = utils.port_rules(catalog.CATALOG, cluster)
        rules += [
            base.PortRule(6066, description='Spark master REST submission '
                                            '(when enabled)'),
            base.PortRule(4040, port_max=4050, public=True,
                          description='Spark application web UIs'),
            base.PortRule(32768, port_max=60999,
                          description='Spark worker, executor and block '
                                      'manager ports (ephemeral range)'),
        ]
        return rules

    def get_endpoints(self, cluster_info):
        master = config.master_node(cluster_info)
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

    def create_steps(self, cluster_info):
        return start.create_steps(cluster_info)

    def scale_up_steps(self, cluster_info, new_nodes):
        return scaling.scale_up_steps(cluster_info, new_nodes)

    def reconfigure_steps(self, cluster_info, nodes, restarts):
        return reconfigure.reconfigure_steps(cluster_info, nodes, restarts)

    def membership_steps(self, cluster_info):
        return scaling.membership_steps(cluster_info)

    def decommission_steps(self, cluster_info, leaving_nodes):
        return scaling.decommission_steps(cluster_info, leaving_nodes)

    def health_steps(self, cluster_info):
        return start.health_steps(cluster_info)

    job_types = jobs.JOB_TYPES

    def job_command(self, cluster_info, job):
        return jobs.job_command(cluster_info, job)
