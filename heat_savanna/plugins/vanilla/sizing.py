"""YARN sized from the flavor (the shared rules: plugins/sizing.py).

* **a nodemanager** offers what its node offers
  (``yarn.nodemanager.resource.memory-mb``: RAM less the system's share and
  the heap, HADOOP_HEAPSIZE_MAX, of every Hadoop daemon on the node, the
  nodemanager's own included) and the flavor's vCPUs
  (``yarn.nodemanager.resource.cpu-vcores``);
* **the resourcemanager** grants containers up to the largest nodemanager
  (``yarn.scheduler.maximum-allocation-mb`` and ``-vcores``);
* **MapReduce** containers (map, reduce, application master) keep their
  1024 MB unless the smallest nodemanager offers less: then that.

Read from the nodemanagers' settings *in effect*, so a value the author
set is what the cluster-wide rules start from. A node too small for its
daemons keeps the defaults; ``general.auto_configure: false`` too. Pure.
"""

from heat_savanna.plugins import sizing
from heat_savanna.plugins.vanilla import catalog

MR_CONTAINERS = ('mapreduce.map.memory.mb', 'mapreduce.reduce.memory.mb',
                 'yarn.app.mapreduce.am.resource.mb')
NM_MEMORY = 'yarn.nodemanager.resource.memory-mb'
NM_VCORES = 'yarn.nodemanager.resource.cpu-vcores'


def _authored(cluster_info, node):
    return catalog.CATALOG.settings(
        cluster_info.cluster_configs,
        node.node_configs if node is not None else None)


def nodemanager(cluster_info, node):
    """The derived YARN settings of ``node`` (``{}`` unless it runs a
    nodemanager, its flavor is known and sizing is on)."""
    if node is None or not node.has('nodemanager') or node.flavor is None:
        return {}
    s = _authored(cluster_info, node)
    if not sizing.enabled(s['general']):
        return {}
    heap = sizing.megabytes(s['Hadoop']['HADOOP_HEAPSIZE_MAX']) or 0
    daemons = sum(1 for p in node.processes if p in catalog.DAEMONS)
    yarn = {NM_VCORES: node.flavor.vcpus}
    offer = sizing.offer_mb(node.flavor, daemons * heap)
    if offer:
        yarn[NM_MEMORY] = offer
    return {'YARN': yarn}


@sizing.per_cluster
def cluster(cluster_info):
    """The derived settings every node shares."""
    if not sizing.enabled(_authored(cluster_info, None)['general']):
        return {}
    offers = []
    for node in sizing.by_group(cluster_info.nodes_with('nodemanager')):
        if node.flavor is None:
            return {}
        yarn = catalog.CATALOG.settings(
            cluster_info.cluster_configs, node.node_configs,
            nodemanager(cluster_info, node))['YARN']
        offers.append((int(yarn[NM_MEMORY]), int(yarn[NM_VCORES])))
    if not offers:
        return {}
    out = {'YARN': {
        'yarn.scheduler.maximum-allocation-mb': max(m for m, _c in offers),
        'yarn.scheduler.maximum-allocation-vcores':
            max(c for _m, c in offers)}}
    smallest = min(m for m, _c in offers)
    mr = catalog.CATALOG.settings(cluster_info.cluster_configs)['MapReduce']
    smaller = {k: smallest for k in MR_CONTAINERS if int(mr[k]) > smallest}
    if smaller:
        out['MapReduce'] = smaller
    return out


def derived(cluster_info, node=None):
    """``{section: {key: value}}`` sized from the flavors for ``node``
    (None: what every node shares)."""
    out = {k: dict(v) for k, v in cluster(cluster_info).items()}
    for section, values in nodemanager(cluster_info, node).items():
        out.setdefault(section, {}).update(values)
    return out
