"""savanna_sandbox.faults.templates: the clusters the rows create."""

from savanna_sandbox.faults import templates


def _props(tmpl):
    return tmpl['resources'][templates.RESOURCE]['properties']


def test_a_spark_cluster_by_default():
    tmpl = templates.cluster_template('c', 3, min_active=2)
    props = _props(tmpl)
    assert tmpl['resources']['cluster']['type'] == 'OS::Savanna::Cluster'
    assert (props['plugin_name'], props['plugin_version'],
            props['image']) == ('spark', '4.3.0', 'spark-4.3')
    assert props['node_groups'] == [
        {'name': 'master', 'count': 1, 'node_processes': ['master']},
        {'name': 'worker', 'count': 3, 'node_processes': ['worker'],
         'min_active': '2'}]
    assert props['cluster_configs'] == {
        'spark-defaults': {'spark.executor.memory': '512m'}}
    assert sorted(tmpl['outputs']) == ['active_count', 'failed_nodes',
                                       'master_address', 'status']
    assert 'transport' not in props and 'anti_affinity' not in props


def test_vanilla_with_volumes_ips_placement_and_configs():
    props = _props(templates.cluster_template(
        'v', 2, plugin='vanilla', volumes=2, floating_ip=True,
        anti_affinity=('worker',), policy='soft-anti-affinity',
        configs={'HDFS': {'dfs.blocksize': 1}}, worker={'flavor': 'x'}))
    assert props['image'] == 'hadoop-3.4'
    assert props['node_groups'][1] == {
        'name': 'worker', 'count': 2,
        'node_processes': ['datanode', 'nodemanager'],
        'volumes_per_node': 2, 'volume_size': 1, 'floating_ip': True,
        'flavor': 'x'}
    assert props['floating_ip_pool'] == 'public'
    assert props['anti_affinity'] == ['worker']
    assert props['anti_affinity_policy'] == 'soft-anti-affinity'
    assert props['cluster_configs'] == {
        'HDFS': {'dfs.replication': 1, 'dfs.blocksize': 1}}


def test_the_agent_transport_takes_the_agent_image():
    props = _props(templates.cluster_template('a', 1,
                                              transport='heat-agent'))
    assert (props['image'], props['transport']) == ('spark-4.3-agent',
                                                    'heat-agent')
    props = _props(templates.cluster_template(
        'a', 1, transport='heat-agent', image='custom'))
    assert props['image'] == 'custom'
