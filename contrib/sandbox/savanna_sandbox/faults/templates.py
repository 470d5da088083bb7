"""The cluster templates the rows create."""

RESOURCE = 'cluster'


def cluster_template(name, workers, min_active=None, anti_affinity=(),
                     policy=None, master_min=None, volumes=0,
                     floating_ip=False, plugin='spark', image=None,
                     worker=None, configs=None, transport=None):
    """A cluster template: 1 master and ``workers`` workers (spark by
    default; ``plugin='vanilla'``: namenode+resourcemanager and
    datanode+nodemanager). ``volumes``: volumes per worker (1 GB);
    ``floating_ip``: workers get floating IPs from 'public'; ``worker``:
    more properties of the worker group; ``configs``: merged into the
    cluster_configs; ``transport``: 'heat-agent' configures the nodes
    through Heat's agent (on the agent image unless ``image`` says)."""
    extra_configs = configs or {}
    if plugin == 'vanilla':
        master_procs, worker_procs = (['namenode', 'resourcemanager'],
                                      ['datanode', 'nodemanager'])
        version, default_image = '3.4.1', 'hadoop-3.4'
        configs = {'HDFS': {'dfs.replication': 1}}
    else:
        master_procs, worker_procs = ['master'], ['worker']
        version, default_image = '4.3.0', 'spark-4.3'
        if transport == 'heat-agent':
            default_image = 'spark-4.3-agent'
        configs = {'spark-defaults': {'spark.executor.memory': '512m'}}
    for section, values in extra_configs.items():
        configs[section] = dict(configs.get(section) or {}, **values)
    extra, worker = worker, {'name': 'worker', 'count': workers,
                             'node_processes': worker_procs}
    if min_active is not None:
        worker['min_active'] = str(min_active)
    if volumes:
        worker.update(volumes_per_node=volumes, volume_size=1)
    if floating_ip:
        worker['floating_ip'] = True
    worker.update(extra or {})
    props = {'name': name, 'plugin_name': plugin,
             'plugin_version': version, 'image': image or default_image,
             'flavor': 'm1.small', 'management_network': 'private',
             'node_groups': [{'name': 'master', 'count': 1,
                              'node_processes': master_procs}, worker],
             'cluster_configs': configs}
    if floating_ip:
        props['floating_ip_pool'] = 'public'
    if anti_affinity:
        props['anti_affinity'] = list(anti_affinity)
    if policy:
        props['anti_affinity_policy'] = policy
    if transport:
        props['transport'] = transport
    outputs = {k: {'value': {'get_attr': [RESOURCE, k]}}
               for k in ('status', 'failed_nodes', 'active_count',
                         'master_address')}
    return {'heat_template_version': '2021-04-16',
            'resources': {RESOURCE: {'type': 'OS::Savanna::Cluster',
                                     'properties': props}},
            'outputs': outputs}
