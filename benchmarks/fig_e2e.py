"""Figure 3: a Spark cluster from create request to a job result, against
the limit: one boot latency plus one node's configure-and-start time.

The limit is measured, not assumed: the same template with the smallest
cluster the Spark plugin accepts (a master and one worker) goes through the
same path (boot with the same injected latency, configure, start, then
pyspark's pi.py through spark-submit on the master, submitted with sudo
and PYSPARK_PYTHON as the demo does). A perfectly parallel system would
build the N-worker cluster in that time. The clusters are deleted right
after their job (never more than N + 1 Spark daemons at once).
"""

import os
import time

from benchmarks import results
from benchmarks import sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(os.path.dirname(HERE), 'contrib', 'templates',
                        'spark-cluster.yaml')
KEYPAIR = 'bench-operator'


def _nova():
    from novaclient import client as nova_client
    from savanna_sandbox.services import platform
    return nova_client.Client('2.1', session=platform.Platform().session(
        'demo'))


def one_cluster(heat, nova, workers, key_name, private, log, name):
    from savanna_sandbox import demo
    with open(TEMPLATE) as f:
        template = f.read()
    t0 = time.monotonic()
    try:
        heat.stacks.create(stack_name=name, template=template,
                           parameters={'workers': workers,
                                       'worker_min_active': str(workers),
                                       'key_name': key_name})
        t_created = sandbox.wait_stack(heat, name, 'CREATE_COMPLETE')
        master, address = demo.master_server_id(heat, name)
        server_id = demo.server_id_of(heat, name, master)
        node = demo.node_remote(nova, server_id, address, private)
        try:
            value, _out = demo.run_pi(node, address, slices=workers * 2)
        finally:
            node.close()
        t_done = time.monotonic()
    finally:
        sandbox.delete_stack(heat, name)
    log('  %d workers: CREATE_COMPLETE %.1fs, job result %.1fs (pi=%s)'
        % (workers, t_created - t0, t_done - t0, value))
    return {'create_s': t_created - t0, 'total_s': t_done - t0,
            'pi': value}


def run(workers, boot_latency, log):
    from savanna_sandbox import demo
    from savanna_sandbox.services import platform
    heat = sandbox.heat_client()
    nova = _nova()
    key_name, private = demo.operator_keypair(
        nova, platform.Platform().layout, name=KEYPAIR)
    log('figure 3: %d-worker Spark cluster to a job result vs 1 worker, '
        'boot latency %.1fs' % (workers, boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    try:
        limit = one_cluster(heat, nova, 1, key_name, private, log,
                            'bench-e2e-1')
        full = one_cluster(heat, nova, workers, key_name, private, log,
                           'bench-e2e-%d' % workers)
    finally:
        sandbox.reset_faults()
    return [results.Figure(
        '3 e2e %d workers vs limit' % workers,
        results.ratio(full['total_s'], limit['total_s']), 1.5, unit='x',
        measured='create request -> pi.py result; limit = the same for '
        'master + 1 worker',
        detail={'cluster_s': full['total_s'],
                'cluster_create_s': full['create_s'],
                'limit_s': limit['total_s'],
                'limit_create_s': limit['create_s'],
                'workers': workers, 'boot_latency_s': boot_latency})]
