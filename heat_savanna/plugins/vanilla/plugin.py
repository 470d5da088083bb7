"""The vanilla Apache Hadoop 3 provisioning plugin (entry point
``vanilla``). Hadoop daemons cannot run in this project's sandbox: the
plugin is proven by its generated files and command sequences."""

from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import catalog
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import jobs
from heat_savanna.plugins.vanilla import reconfigure
from heat_savanna.plugins.vanilla import scaling
from heat_savanna.plugins.vanilla import start
from heat_savanna.plugins.vanilla import validation


class VanillaPlugin(base.ProvisioningPlugin):
    """Apache Hadoop 3: HDFS, YARN and the MapReduce history server."""

    name = 'vanilla'
    title = 'Vanilla Apache Hadoop (HDFS, YARN, MapReduce)'

    def get_versions(self):
        return list(validation.VERSIONS)

    def get_node_processes(self, version):
        return {k: list(v) for k, v in validation.PROCESSES.items()}

    def get_mandatory_processes(self, version):
        return ['namenode', 'resourcemanager']

    def get_config_catalog(self, version):
        return catalog.catalog_for(version)

    def validate(self, cluster):
        return utils.never_raise(validation.validate, cluster)

    def validate_scaling(self, cluster, new_counts):
        return validation.validate_scaling(cluster, new_counts)

    def get_ports(self, cluster):
        """The configured ports (namenode RPC and web UI, any *.address or
        *.port property), then the fixed ones of the processes run."""
        def has(process):
            return bool(utils.groups_with(cluster, process))
        rules = utils.port_rules(catalog.CATALOG, cluster)
        rules += [
            base.PortRule(9866, description='HDFS datanode data transfer'),
            base.PortRule(9867, description='HDFS datanode IPC'),
            base.PortRule(9864, description='HDFS datanode HTTP'),
        ]
        if has('secondarynamenode'):
            rules.append(base.PortRule(9868, description='HDFS secondary '
                                                         'namenode HTTP'))
        if has('resourcemanager'):
            rules += [
                base.PortRule(8030, port_max=8033,
                              description='YARN resourcemanager RPC '
                                          '(scheduler, tracker, client, '
                                          'admin)'),
                base.PortRule(8088, public=True,
                              description='YARN resourcemanager web UI'),
            ]
        if has('nodemanager'):
            rules += [
                base.PortRule(8040, port_max=8042,
                              description='YARN nodemanager localizer, '
                                          'IPC and web UI'),
                base.PortRule(13562, description='MapReduce shuffle'),
                base.PortRule(32768, port_max=60999,
                              description='YARN containers and '
                                          'nodemanager RPC (ephemeral)'),
            ]
        if has('historyserver'):
            rules += [
                base.PortRule(10020, description='MapReduce job history '
                                                 'RPC'),
                base.PortRule(19888, public=True,
                              description='MapReduce job history web UI'),
            ]
        return rules

    def get_endpoints(self, cluster_info):
        out = {}
        nn = config.the(cluster_info, 'namenode')
        if nn is not None:
            s = config.settings(cluster_info, nn)['HDFS']
            out['hdfs'] = 'hdfs://%s:%s' % (nn.internal_ip,
                                            s['dfs.namenode.rpc-port'])
            out['namenode-ui'] = 'http://%s:%s' % (
                nn.management_ip, s['dfs.namenode.http-port'])
        rm = config.the(cluster_info, 'resourcemanager')
        if rm is not None:
            out['resourcemanager-ui'] = 'http://%s:8088' % rm.management_ip
        hs = config.the(cluster_info, 'historyserver')
        if hs is not None:
            out['jobhistory-ui'] = 'http://%s:19888' % hs.management_ip
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
