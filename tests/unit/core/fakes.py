"""A small stand-in plugin, so the core's generic rules are tested without
depending on the real plugins (written in parallel)."""

from heat_savanna.common import exceptions
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import base


class FakeHadoop(base.ProvisioningPlugin):
    """Vanilla-like: HDFS + YARN processes, one namenode exactly."""

    name = 'fake'
    title = 'fake Hadoop for tests'

    def __init__(self, versions=('1.0', '0.9')):
        self.versions = list(versions)
        self.validated = []

    def get_versions(self):
        return list(self.versions)

    def get_node_processes(self, version):
        return {'HDFS': ['namenode', 'secondarynamenode', 'datanode'],
                'YARN': ['resourcemanager', 'nodemanager'],
                'MapReduce': ['historyserver']}

    def get_mandatory_processes(self, version):
        return ['namenode', 'resourcemanager']

    def get_config_sections(self, version):
        return {'HDFS': {'dfs.replication': 3}, 'YARN': {},
                'MapReduce': {}}

    def validate(self, cluster):
        self.validated.append(cluster)
        names = [i for i, g in enumerate(cluster.node_groups)
                 if 'namenode' in g.node_processes]
        if len(names) > 1:
            return [ValidationError(
                'node_groups[%d].node_processes' % names[1],
                'a second namenode group', 'exactly one namenode')]
        if not names:
            return [ValidationError('node_groups', 'no namenode',
                                    'add namenode to one group')]
        return []

    def get_ports(self, cluster):
        return [base.PortRule(9870, public=True, description='NN UI'),
                base.PortRule(8020, description='NN RPC'),
                base.PortRule(9864, port_max=9867, description='DN')]

    def create_steps(self, cluster_info):
        return []

    def scale_up_steps(self, cluster_info, new_nodes):
        return []

    def membership_steps(self, cluster_info):
        return []

    def reconfigure_steps(self, cluster_info, nodes, restarts):
        return []

    def decommission_steps(self, cluster_info, leaving_nodes):
        return []

    def health_steps(self, cluster_info):
        return []


def get_plugin_for(plugin):
    def get_plugin(name):
        if name != plugin.name:
            raise exceptions.PluginNotFound(name, [plugin.name])
        return plugin
    return get_plugin


def group(name, count, processes, **extra):
    g = {'name': name, 'count': count,
         'node_processes': processes if isinstance(processes, str)
         else list(processes)}
    g.update(extra)
    return g


def props(**overrides):
    """A valid raw property dict for the fake plugin."""
    p = {
        'plugin_name': 'fake', 'plugin_version': '1.0',
        'image': 'img', 'flavor': 'm1.small',
        'management_network': 'private',
        'node_groups': [
            group('master', 1, ['namenode', 'resourcemanager']),
            group('worker', 3, ['datanode', 'nodemanager']),
        ],
    }
    p.update(overrides)
    return p


def heat_props(**overrides):
    """Like Heat hands them over: every key present, None when unset."""
    from heat_savanna.core import model
    p = dict.fromkeys(model.CLUSTER_PROPERTIES)
    p.update(props(**overrides))
    groups = []
    for g in p['node_groups']:
        full = dict.fromkeys(model.NODE_GROUP_KEYS)
        full.update({'volumes_per_node': 0, 'volume_size': 10,
                     'floating_ip': False, 'security_groups': [],
                     'auto_security_group': True, 'node_configs': {}})
        full.update(g)
        groups.append(full)
    p['node_groups'] = groups
    return p
