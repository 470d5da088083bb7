"""Sizing the daemons from the flavor: the shared rules, Spark's and YARN's,
read through the files the plugins write (what a node really gets)."""

import time

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins import sizing
from heat_savanna.plugins.spark import config as spark_config
from heat_savanna.plugins.vanilla import config as vanilla_config
from tests.unit.plugins.vanilla import cluster as hadoop

SMALL = sizing.Flavor(ram_mb=2048, vcpus=1, disk_gb=20)
MEDIUM = sizing.Flavor(ram_mb=4096, vcpus=2, disk_gb=40)
LARGE = sizing.Flavor(ram_mb=8192, vcpus=4, disk_gb=80)
HUGE = sizing.Flavor(ram_mb=65536, vcpus=16)
TINY = sizing.Flavor(ram_mb=512, vcpus=1)


# -- the shared rules ---------------------------------------------------------
@pytest.mark.parametrize('flavor,others,offer', [
    (SMALL, 0, 1536),          # 512 MB kept (a fifth would be 409)
    (MEDIUM, 0, 3200),         # 819 kept, 3277 rounded down to 128 MB
    (LARGE, 0, 6528),
    (HUGE, 0, 61440),          # 4 GB kept at most
    (LARGE, 2048, 4480),       # and the heaps of the other daemons
    (TINY, 0, None),           # nothing worth offering: the defaults stay
    (SMALL, 1152, None),
    (None, 0, None),
])
def test_offer(flavor, others, offer):
    assert sizing.offer_mb(flavor, others) == offer


@pytest.mark.parametrize('text,mb', [
    ('512m', 512), ('1g', 1024), ('1536M', 1536), ('2gb', 2048),
    ('1024', 1024), ('2048k', 2), ('lots', None)])
def test_megabytes(text, mb):
    assert sizing.megabytes(text) == mb


def test_flavor_from_what_nova_said():
    assert sizing.Flavor.from_dict({'ram': 2048, 'vcpus': 1, 'disk': 20}) \
        == SMALL
    assert sizing.Flavor.from_dict({'ram': 'x'}) is None
    assert sizing.Flavor.from_dict(None) is None


# -- Spark ----------------------------------------------------------------
def spark(workers=(SMALL, SMALL), master=SMALL, configs=None,
          worker_configs=None, master_runs=('master',)):
    nodes = [base.NodeInfo('master-0', 'master', master_runs, '172.24.4.10',
                           '10.0.0.10', flavor=master)]
    for i, flavor in enumerate(workers):
        group = 'workers' if flavor == workers[0] else 'big'
        nodes.append(base.NodeInfo(
            'w-%d' % i, group, ('worker',), '172.24.4.%d' % (20 + i),
            '10.0.0.%d' % (20 + i), flavor=flavor,
            node_configs=worker_configs or {}))
    return base.ClusterInfo('c1', 'spark', '4.3.0', configs or {},
                            tuple(nodes))


def env(ci, node):
    lines = spark_config.spark_env(ci, node).splitlines()
    return dict(line[len('export '):].split('=', 1) for line in lines
                if line.startswith('export '))


def defaults(ci, node):
    lines = spark_config.spark_defaults(ci, node).splitlines()[1:]
    return dict(line.split(' ', 1) for line in lines)


def test_a_worker_offers_its_flavor():
    ci = spark(workers=(MEDIUM,))
    got = env(ci, ci.nodes[1])
    assert (got['SPARK_WORKER_MEMORY'], got['SPARK_WORKER_CORES']) == \
        ('3200m', '2')
    # the master is no worker: nothing sized there
    assert 'SPARK_WORKER_CORES' not in env(ci, ci.nodes[0])


def test_a_worker_beside_the_master_leaves_it_its_heap():
    ci = spark(workers=(), master=MEDIUM, master_runs=('master', 'worker'))
    # 4096 - 819 - 256 (the master's SPARK_DAEMON_MEMORY) -> 3021 -> 2944
    assert env(ci, ci.nodes[0])['SPARK_WORKER_MEMORY'] == '2944m'


def test_executors_fit_the_smallest_worker():
    ci = spark(workers=(SMALL, LARGE))
    for node in ci.nodes:        # the same spark-defaults everywhere
        got = defaults(ci, node)
        assert (got['spark.executor.cores'], got['spark.executor.memory']) \
            == ('1', '1536m')
    ci = spark(workers=(LARGE, HUGE))
    got = defaults(ci, ci.nodes[0])
    # 4 cores at most; the 4-core worker's 6528 MB for its 4 cores
    assert (got['spark.executor.cores'], got['spark.executor.memory']) == \
        ('4', '6528m')


def test_what_the_author_set_wins_and_sizes_the_executors():
    ci = spark(workers=(MEDIUM,), configs={
        'spark-env': {'SPARK_WORKER_MEMORY': '1g'},
        'spark-defaults': {'spark.executor.cores': '1'}})
    assert env(ci, ci.nodes[1])['SPARK_WORKER_MEMORY'] == '1g'
    got = defaults(ci, ci.nodes[1])
    # the worker offers 1 GB on 2 cores; the author's executors take 1
    # core: half of it each
    assert (got['spark.executor.cores'], got['spark.executor.memory']) == \
        ('1', '512m')
    # a group's own setting wins over the cluster's
    ci = spark(workers=(MEDIUM,), worker_configs={
        'spark-env': {'SPARK_WORKER_CORES': 1}})
    assert env(ci, ci.nodes[1])['SPARK_WORKER_CORES'] == '1'
    assert defaults(ci, ci.nodes[1])['spark.executor.memory'] == '3200m'


def test_a_worker_too_small_for_an_executor_keeps_the_defaults():
    ci = spark(workers=(TINY,))
    got = env(ci, ci.nodes[1])
    assert (got['SPARK_WORKER_MEMORY'], got['SPARK_WORKER_CORES']) == \
        ('1g', '1')
    assert defaults(ci, ci.nodes[1])['spark.executor.memory'] == '512m'
    assert 'spark.executor.cores' not in defaults(ci, ci.nodes[1])


@pytest.mark.parametrize('where', ['cluster', 'group'])
def test_auto_configure_false_keeps_the_catalog_defaults(where):
    off = {'general': {'auto_configure': False}}
    ci = spark(workers=(LARGE,), configs=off if where == 'cluster' else None,
               worker_configs=off if where == 'group' else None)
    got = env(ci, ci.nodes[1])
    assert got['SPARK_WORKER_MEMORY'] == '1g'
    assert 'SPARK_WORKER_CORES' not in got
    assert defaults(ci, ci.nodes[1])['spark.executor.memory'] == '512m'


def test_an_unknown_flavor_sizes_nothing():
    ci = spark(workers=(None, LARGE))
    assert env(ci, ci.nodes[1])['SPARK_WORKER_MEMORY'] == '1g'
    assert env(ci, ci.nodes[2])['SPARK_WORKER_MEMORY'] == '6528m'
    # the executors are no bigger than the unknown worker's 1g offer
    assert defaults(ci, ci.nodes[0])['spark.executor.memory'] == '512m'


def test_a_thousand_workers_are_sized_in_linear_time():
    def files(count):
        ci = spark(workers=(SMALL,) * count)
        start = time.perf_counter()
        for node in ci.nodes:
            spark_config.spark_env(ci, node)
            spark_config.spark_defaults(ci, node)
        return time.perf_counter() - start
    small, big = files(100), files(1000)
    # ten times the nodes, not a hundred times the work (generous bound)
    assert big < small * 40, (small, big)


# -- YARN -----------------------------------------------------------------
def yarn_cluster(flavors, configs=None):
    ci = hadoop.cluster_info(workers=len(flavors), configs=configs)
    nodes = [ci.nodes[0]] + [
        base.NodeInfo(n.name, n.group if f == flavors[0] else 'big',
                      n.processes, n.management_ip, n.internal_ip,
                      volumes=n.volumes, flavor=f)
        for n, f in zip(ci.nodes[1:], flavors)]
    return base.ClusterInfo(ci.name, ci.plugin_name, ci.plugin_version,
                            ci.cluster_configs, tuple(nodes))


def yarn(ci, node):
    return {k: str(v) for k, v in vanilla_config.yarn_site(ci, node).items()}


def mapred(ci, node):
    return {k: str(v) for k, v in
            vanilla_config.mapred_site(ci, node).items()}


def test_nodemanagers_offer_their_flavor_less_the_daemons():
    ci = yarn_cluster((LARGE, HUGE))
    # 8192 - 1638 - 2 x 1g (datanode, nodemanager) -> 4506 -> 4480
    large = yarn(ci, ci.nodes[1])
    assert (large['yarn.nodemanager.resource.memory-mb'],
            large['yarn.nodemanager.resource.cpu-vcores']) == ('4480', '4')
    huge = yarn(ci, ci.nodes[2])
    assert huge['yarn.nodemanager.resource.memory-mb'] == '59392'
    # the resourcemanager grants up to the largest nodemanager
    rm = yarn(ci, ci.nodes[0])
    assert (rm['yarn.scheduler.maximum-allocation-mb'],
            rm['yarn.scheduler.maximum-allocation-vcores']) == \
        ('59392', '16')
    # MapReduce's 1024 MB containers fit: unchanged
    assert mapred(ci, ci.nodes[0])['mapreduce.map.memory.mb'] == '1024'


def test_small_nodemanagers_shrink_the_mapreduce_containers():
    ci = yarn_cluster((MEDIUM,), configs={'Hadoop': {
        'HADOOP_HEAPSIZE_MAX': '512m'}})
    # 4096 - 819 - 2 x 512 -> 2253 -> 2176: the containers fit
    assert yarn(ci, ci.nodes[1])['yarn.nodemanager.resource.memory-mb'] \
        == '2176'
    ci = yarn_cluster((MEDIUM,), configs={'YARN': {
        'yarn.nodemanager.resource.memory-mb': 768}})
    got = mapred(ci, ci.nodes[0])
    assert [got[k] for k in ('mapreduce.map.memory.mb',
                             'mapreduce.reduce.memory.mb',
                             'yarn.app.mapreduce.am.resource.mb')] == \
        ['768'] * 3
    assert yarn(ci, ci.nodes[0])['yarn.scheduler.maximum-allocation-mb'] \
        == '768'


def test_a_node_too_small_for_its_daemons_keeps_the_defaults():
    ci = yarn_cluster((SMALL,))
    got = yarn(ci, ci.nodes[1])
    assert (got['yarn.nodemanager.resource.memory-mb'],
            got['yarn.nodemanager.resource.cpu-vcores']) == ('4096', '1')


def test_yarn_auto_configure_false():
    ci = yarn_cluster((LARGE,), configs={'general': {
        'auto_configure': 'false'}})
    got = yarn(ci, ci.nodes[1])
    assert (got['yarn.nodemanager.resource.memory-mb'],
            got['yarn.nodemanager.resource.cpu-vcores']) == ('4096', '2')
    assert 'yarn.scheduler.maximum-allocation-vcores' not in \
        yarn(ci, ci.nodes[0])
