"""The vanilla Apache Hadoop 3 provisioning plugin (entry point
``vanilla``). Hadoop daemons cannot run in this project's sandbox: the
plugin is proven by its generated files and command sequences."""

from heat_savanna.plugins import base
from heat_savanna.plugins import packaged
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import catalog
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import jobs
from heat_savanna.plugins.vanilla import reconfigure
from heat_savanna.plugins.vanilla import scaling
from heat_savanna.plugins.vanilla import start
from heat_savanna.plugins.vanilla import validation


class VanillaPlugin(packaged.PackagedPlugin):
    """Apache Hadoop 3: HDFS, YARN and the MapReduce history server."""

    name = 'vanilla'
    title = 'Vanilla Apache Hadoop (HDFS, YARN, MapReduce)'

    catalog = catalog
    validation = validation
    start = start
    scaling = scaling
    reconfigure = reconfigure
    jobs = jobs
    mandatory_processes = ('namenode', 'resourcemanager')

    def service_ports(self, cluster):
        """The fixed ports of the processes run (the configured ones,
        namenode RPC and web UI, any *.address or *.port property, come
        first)."""
        def has(process):
            return bool(utils.groups_with(cluster, process))
        rules = [
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
                # also YARN's REST API, which takes new applications
                # (runs anyone's code) with Hadoop's default simple auth
                base.PortRule(8088, public=True, runs_code=True,
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
        nn = cluster_info.node_running('namenode')
        if nn is not None:
            s = config.settings(cluster_info, nn)['HDFS']
            out['hdfs'] = 'hdfs://%s:%s' % (nn.internal_ip,
                                            s['dfs.namenode.rpc-port'])
            out['namenode-ui'] = 'http://%s:%s' % (
                nn.management_ip, s['dfs.namenode.http-port'])
        rm = cluster_info.node_running('resourcemanager')
        if rm is not None:
            out['resourcemanager-ui'] = 'http://%s:8088' % rm.management_ip
        hs = cluster_info.node_running('historyserver')
        if hs is not None:
            out['jobhistory-ui'] = 'http://%s:19888' % hs.management_ip
        return out
