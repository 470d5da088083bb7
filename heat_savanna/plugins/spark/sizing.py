"""Spark sized from the flavor (the shared rules: plugins/sizing.py).

* **a worker** offers what its node offers (SPARK_WORKER_MEMORY: RAM less
  the system's share and the heap of a master or history server beside
  it) and the flavor's vCPUs (SPARK_WORKER_CORES);
* **an executor** (spark-defaults, read by every job) takes at most
  :data:`EXECUTOR_MAX_CORES` cores, as many as the smallest worker offers,
  and that worker's memory in proportion: so every worker hosts at least
  one executor, and a worker of 8 cores two of 4. Read from the workers'
  settings *in effect*, so a SPARK_WORKER_MEMORY the author set is what
  the executors are sized from. No executor rule when a worker's flavor
  is unknown or the result is under 512 MB.

``general.auto_configure: false`` (cluster-wide or for a group) keeps the
catalog's defaults. Pure.
"""

from heat_savanna.plugins import sizing
from heat_savanna.plugins.spark import catalog

#: the most cores one executor takes (more make one JVM's GC the limit)
EXECUTOR_MAX_CORES = 4


def _authored(cluster_info, node):
    """Settings without the derived layer."""
    return catalog.CATALOG.settings(
        cluster_info.cluster_configs,
        node.node_configs if node is not None else None)


def worker(cluster_info, node):
    """The derived ``spark-env`` of ``node`` (``{}`` unless it is a
    worker of a known flavor with sizing on)."""
    if node is None or not node.has('worker') or node.flavor is None:
        return {}
    general = _authored(cluster_info, node)['general']
    if not sizing.enabled(general):
        return {}
    others = sum(1 for p in node.processes
                 if p in catalog.DAEMONS and p != 'worker')
    heap = sizing.megabytes(general['daemon_memory']) or 0
    env = {'SPARK_WORKER_CORES': node.flavor.vcpus}
    offer = sizing.offer_mb(node.flavor, others * heap)
    if offer:
        env['SPARK_WORKER_MEMORY'] = '%dm' % offer
    return {'spark-env': env}


def _sized_or_set(cluster_info, node, sized, key):
    """Whether the worker ``node``'s ``key`` (spark-env) was sized here or
    set by the author, rather than left at the catalog's default."""
    if key in sized.get('spark-env', {}):
        return True
    return any(((configs or {}).get('spark-env') or {}).get(key) is not None
               for configs in (cluster_info.cluster_configs,
                               node.node_configs))


@sizing.per_cluster
def executors(cluster_info):
    """The derived ``spark-defaults`` of the cluster (the same on every
    node)."""
    authored = _authored(cluster_info, None)
    if not sizing.enabled(authored['general']):
        return {}
    offers = []
    for node in sizing.by_group(cluster_info.nodes_with('worker')):
        sized = worker(cluster_info, node)
        env = catalog.CATALOG.settings(
            cluster_info.cluster_configs, node.node_configs,
            sized)['spark-env']
        memory = sizing.megabytes(env.get('SPARK_WORKER_MEMORY', ''))
        cores = env.get('SPARK_WORKER_CORES')
        if not (memory and cores and _sized_or_set(
                cluster_info, node, sized, 'SPARK_WORKER_MEMORY')):
            return {}
        offers.append((memory, int(cores)))
    if not offers:
        return {}
    set_cores = authored['spark-defaults'].get('spark.executor.cores')
    try:
        cores = int(set_cores)
    except (TypeError, ValueError):
        cores = min(min(c for _m, c in offers), EXECUTOR_MAX_CORES)
    memory = min(sizing.round_down(m * min(cores, c) // c)
                 for m, c in offers)
    if memory < sizing.MIN_OFFER_MB:
        return {}
    return {'spark-defaults': {'spark.executor.cores': str(cores),
                               'spark.executor.memory': '%dm' % memory}}


def derived(cluster_info, node=None):
    """``{section: {key: value}}`` sized from the flavors for ``node``
    (None: what every node shares)."""
    out = dict(executors(cluster_info))
    out.update(worker(cluster_info, node))
    return out
