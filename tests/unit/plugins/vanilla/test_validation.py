"""plugins/vanilla/validation.py: the vanilla plugin's own topology rules
(the cluster rules, through the core, reach the user once)."""

import pytest

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins.vanilla import config
from tests.unit.plugins import fakes
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import example
from tests.unit.plugins.vanilla.cluster import G
from tests.unit.plugins.vanilla.cluster import MASTER
from tests.unit.plugins.vanilla.cluster import spec
from tests.unit.plugins.vanilla.cluster import WORKER


def test_example_valid(plugin):
    assert plugin.validate(example()) == []
    assert plugin.validate(spec(G('all', 1, MASTER + WORKER))) == []


@pytest.mark.parametrize('cluster,error', [
    (spec(G('w', 3, WORKER), G('rm', 1, ('resourcemanager',))),
     ValidationError('node_groups', 'no node group runs the HDFS namenode',
                     'add "namenode" to the node_processes of exactly one '
                     'group with count 1')),
    (spec(G('m', 1, MASTER), G('m2', 1, ('namenode',)), G('w', 3, WORKER)),
     ValidationError('node_groups[1].node_processes',
                     "the HDFS namenode is already in node group 'm'",
                     'exactly one node may run "namenode"')),
    (spec(G('m', 2, ('namenode',)), G('w', 3, ('datanode',))),
     ValidationError('node_groups[0].count',
                     'a group running the HDFS namenode must have count '
                     '1, not 2',
                     'set count: 1 and move other processes to another '
                     'group')),
    (spec(G('m', 1, MASTER), G('w', 3, WORKER + ('secondarynamenode',))),
     ValidationError('node_groups[1].count', 'more than one '
                     'secondarynamenode',
                     'run "secondarynamenode" on at most one node')),
    (spec(G('m', 1, MASTER), G('r', 1, ('resourcemanager',)),
          G('w', 3, WORKER)),
     ValidationError('node_groups[1].node_processes',
                     'more than one resourcemanager',
                     'run "resourcemanager" on at most one node')),
    (spec(G('m', 1, ('namenode',)), G('w', 3, WORKER)),
     ValidationError('node_groups[1].node_processes',
                     'nodemanager needs a resourcemanager',
                     'add "resourcemanager" to one node group (count 1)')),
    (spec(G('m', 1, MASTER), G('w', 2, WORKER),
          cluster_configs={'HDFS': {'dfs.replication': 3}}),
     ValidationError('cluster_configs.HDFS.dfs.replication',
                     'replication 3 is above the 2 datanode(s)',
                     'lower dfs.replication or run at least 3 datanodes')),
    (spec(G('m', 1, MASTER), G('w', 2, ('nodemanager',))),
     ValidationError('node_groups', 'no node runs an HDFS datanode',
                     'add "datanode" to a group with count >= 1')),
])
def test_each_rule(plugin, cluster, error):
    assert plugin.validate(cluster) == [error]
    assert fakes.user_errors(cluster) == [error]


# the cluster rules (version, processes, sections, anti_affinity) are the
# core's: a user sees each once, in the core's words
@pytest.mark.parametrize('cluster,error', [
    (spec(G('m', 1, MASTER), G('w', 3, WORKER + ('worker',))),
     ValidationError('node_groups[1].node_processes',
                     'unknown vanilla 3.4.1 process(es): worker',
                     'valid processes: datanode, historyserver, namenode, '
                     'nodemanager, resourcemanager, secondarynamenode')),
    (spec(G('m', 1, MASTER), G('w', 3, WORKER),
          anti_affinity=('master',)),
     ValidationError('anti_affinity[0]', "unknown process 'master'",
                     'valid processes: datanode, historyserver, namenode, '
                     'nodemanager, resourcemanager, secondarynamenode')),
    (spec(G('m', 1, MASTER), G('w', 3, WORKER),
          cluster_configs={'spark-env': {}}),
     ValidationError('cluster_configs.spark-env',
                     "unknown config section 'spark-env'",
                     'valid sections: HDFS, Hadoop, MapReduce, YARN, '
                     'general')),
    (spec(G('m', 1, MASTER), G('w', 3, WORKER), plugin_version='2.7.1'),
     ValidationError('plugin_version', "vanilla version '2.7.1' is not "
                     "available", 'available versions: 3.4.1')),
])
def test_each_cluster_rule_once(plugin, cluster, error):
    assert plugin.validate(cluster) == []
    assert fakes.user_errors(cluster) == [error]


def test_default_replication_capped_not_rejected(plugin):
    small = spec(G('m', 1, MASTER), G('w', 1, WORKER))
    assert plugin.validate(small) == []
    ci = cluster_info(1)
    assert config.hdfs_site(ci, ci.nodes[1])['dfs.replication'] == 1


def test_validate_scaling(plugin):
    c = example(10)
    assert plugin.validate_scaling(c, {'workers': 20}) == []
    errs = plugin.validate_scaling(c, {'workers': 2})
    assert [e.path for e in errs] == ['node_groups']
    assert 'below the HDFS replication factor 3' in errs[0].message
    assert plugin.validate_scaling(c, {'master': 2})[0].path == \
        'node_groups[0].count'


def test_set_replication_exactly_the_datanodes_is_valid(plugin):
    c = spec(G('m', 1, MASTER), G('w', 2, WORKER),
             cluster_configs={'HDFS': {'dfs.replication': '2'}})
    assert plugin.validate(c) == []
    assert fakes.user_errors(c) == []


def test_replication_in_node_configs_is_refused(plugin):
    # it used to be dropped without a word (every node is written the
    # cluster's value), whatever it was
    c = spec(G('m', 1, MASTER),
             G('w', 2, WORKER, node_configs={'HDFS': {'dfs.replication': 5}}))
    assert fakes.user_errors(c) == [ValidationError(
        'node_groups[1].node_configs.HDFS.dfs.replication',
        'HDFS.dfs.replication must be the same on every node',
        'set it in cluster_configs, not in node_configs')]


def test_a_set_replication_is_written_as_set_never_lowered():
    # fewer live datanodes than the definition's (some failed): the files
    # written meanwhile keep the replication asked for, and HDFS copies
    # them again once the datanodes are back
    ci = cluster_info(2, configs={'HDFS': {'dfs.replication': 3}})
    assert config.hdfs_site(ci, ci.nodes[1])['dfs.replication'] == 3
    # the default is what follows the datanode count
    ci = cluster_info(2)
    assert config.hdfs_site(ci, ci.nodes[1])['dfs.replication'] == 2
    ci = cluster_info(5)
    assert config.hdfs_site(ci, ci.nodes[1])['dfs.replication'] == 3


def test_scaling_below_a_set_replication_is_refused(plugin):
    c = spec(G('master', 1, MASTER), G('workers', 4, WORKER),
             cluster_configs={'HDFS': {'dfs.replication': 2}})
    assert plugin.validate_scaling(c, {'workers': 2}) == []
    assert plugin.validate_scaling(c, {'workers': 1}) == [ValidationError(
        'node_groups', 'scaling to 1 datanode(s) goes below the HDFS '
        'replication factor 2',
        'keep at least 2 datanodes or lower dfs.replication')]
    # a template update to that count is refused by validate, naming the
    # setting
    smaller = spec(G('master', 1, MASTER), G('workers', 1, WORKER),
                   cluster_configs={'HDFS': {'dfs.replication': 2}})
    assert [e.path for e in fakes.user_errors(smaller)] == [
        'cluster_configs.HDFS.dfs.replication']
