"""plugins/vanilla/plugin.py: what the plugin class adds to the shared
forwarding: ports and endpoints."""

from heat_savanna.plugins.vanilla import config
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import example
from tests.unit.plugins.vanilla.cluster import G
from tests.unit.plugins.vanilla.cluster import MASTER
from tests.unit.plugins.vanilla.cluster import props
from tests.unit.plugins.vanilla.cluster import spec
from tests.unit.plugins.vanilla.cluster import WORKER


def test_ports_and_endpoints(plugin):
    ports = {p.port for p in plugin.get_ports(example())}
    assert {9000, 9870, 9866, 8088, 8030, 19888} <= ports
    # YARN's web port is its REST API, which runs new applications
    assert [p.port for p in plugin.get_ports(example()) if p.runs_code] == \
        [8088]
    assert plugin.get_endpoints(cluster_info(2)) == {
        'hdfs': 'hdfs://10.0.0.2:9000',
        'namenode-ui': 'http://172.24.4.2:9870',
        'resourcemanager-ui': 'http://172.24.4.2:8088',
        'jobhistory-ui': 'http://172.24.4.2:19888'}


def test_configured_namenode_ports_are_used_and_opened(plugin):
    configs = {'HDFS': {'dfs.namenode.rpc-port': 8020,
                        'dfs.namenode.http-port': '50070'}}
    ci = cluster_info(1, configs)
    core = props(config.node_files(ci, ci.nodes[0])[
        '/etc/hadoop/conf/core-site.xml'])
    assert core['fs.defaultFS'] == 'hdfs://master-0:8020'
    ports = {p.port: p for p in plugin.get_ports(spec(
        G('m', 1, MASTER), G('w', 1, WORKER), cluster_configs=configs))}
    assert 8020 in ports and 50070 in ports and ports[50070].public
    assert 9000 not in ports and 9870 not in ports
