"""plugins/config_catalog.py: a plugin version's configuration checked,
merged, queried for restarts and ports."""

import pytest

from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins.spark import catalog as spark_catalog
from heat_savanna.plugins.vanilla import catalog as vanilla_catalog
from tests.unit.plugins import fakes

SPARK = spark_catalog.CATALOG
VANILLA = vanilla_catalog.CATALOG


def errors(catalog, configs, node_level=False):
    return {e.path: e for e in catalog.check(configs, 'cluster_configs',
                                             node_level)}


@pytest.mark.parametrize('configs,path,message', [
    ({'general': []}, 'cluster_configs.general', 'must be a map of key -> '
     'value, not a list'),
    ({'general': {'conf': '/x'}}, 'cluster_configs.general.conf',
     "unknown key 'conf' in section general"),
    ({'general': {'master_port': 99999}},
     'cluster_configs.general.master_port',
     'must be a port number from 1 to 65535, not 99999'),
    ({'general': {'master_port': 'abc'}},
     'cluster_configs.general.master_port',
     "must be a port number from 1 to 65535, not 'abc'"),
    ({'general': {'master_port': True}},
     'cluster_configs.general.master_port',
     'must be a port number from 1 to 65535, not True'),
    ({'general': {'spark_home': '/opt/x; reboot'}},
     'cluster_configs.general.spark_home',
     "must be an absolute path (letters, digits, . _ + @ - /), not "
     "'/opt/x; reboot'"),
    ({'general': {'spark_home': 'opt/spark'}},
     'cluster_configs.general.spark_home',
     "must be an absolute path (letters, digits, . _ + @ - /), not "
     "'opt/spark'"),
    ({'general': {'daemon_memory': [1]}},
     'cluster_configs.general.daemon_memory',
     'must be a size such as 512m or 2g, not a list'),
    ({'spark-env': {'A-B': 1}}, 'cluster_configs.spark-env.A-B',
     'not a valid key of section spark-env'),
    ({'spark-env': {'X': 'a\nb'}}, 'cluster_configs.spark-env.X',
     "must be text (no line breaks or control characters), not 'a\\nb'"),
    ({'spark-defaults': {'spark.x': 'a\nspark.y b'}},
     'cluster_configs.spark-defaults.spark.x',
     "must be one line of text (no line breaks or control characters), "
     "not 'a\\nspark.y b'"),
    ({'spark-defaults': {'executor.memory': '1g'}},
     'cluster_configs.spark-defaults.executor.memory',
     'not a valid key of section spark-defaults'),
    ({'spark-defaults': {'spark.ui.port': 70000}},
     'cluster_configs.spark-defaults.spark.ui.port',
     'must be a port number from 0 (any free port) to 65535, not 70000'),
])
def test_spark_checks(configs, path, message):
    found = errors(SPARK, configs)
    assert list(found) == [path]
    assert found[path].message == message


def test_an_unknown_section_is_the_cores_to_report():
    assert errors(SPARK, {'bogus': {}}) == {}
    cluster = fakes.Spec(node_groups=(fakes.Group('m', 1, ('master',)),
                                      fakes.Group('w', 1, ('worker',))),
                         cluster_configs={'bogus': {}})
    error, = fakes.user_errors(cluster)
    assert (error.path, error.message) == ('cluster_configs.bogus',
                                           "unknown config section 'bogus'")


@pytest.mark.parametrize('configs,path,message', [
    ({'Hadoop': {'X=1; touch /tmp/pwned; Y': 1}},
     "cluster_configs.Hadoop.X=1; touch /tmp/pwned; Y",
     'not a valid key of section Hadoop'),
    ({'HDFS': {'dfs.x': 'a\x01b'}}, 'cluster_configs.HDFS.dfs.x',
     "must be text (no control characters other than tab and line "
     "breaks), not 'a\\x01b'"),
    ({'HDFS': {'dfs.x': '\ufffe'}}, 'cluster_configs.HDFS.dfs.x',
     "must be text (no control characters other than tab and line "
     "breaks), not '\\ufffe'"),
    ({'YARN': {'yarn.nodemanager.local-dirs': 5}},
     'cluster_configs.YARN.yarn.nodemanager.local-dirs',
     "must be absolute paths separated by commas, not 5"),
    ({'HDFS': {'dfs.journalnode.edits.dir': 'rel/dir'}},
     'cluster_configs.HDFS.dfs.journalnode.edits.dir',
     "must be absolute paths (file:// allowed) separated by commas, not "
     "'rel/dir'"),
    ({'HDFS': {'dfs.datanode.address': '0.0.0.0'}},
     'cluster_configs.HDFS.dfs.datanode.address',
     "must be host:port with a port from 0 to 65535, not '0.0.0.0'"),
    ({'HDFS': {'dfs.replication': 0}}, 'cluster_configs.HDFS.dfs.replication',
     'must be a whole number from 1 to 512, not 0'),
    ({'general': {'hadoop_user': 'Root User'}},
     'cluster_configs.general.hadoop_user',
     "must be a user name (lower-case letters, digits, _ and -, at most "
     "32), not 'Root User'"),
    ({'MapReduce': {'mapreduce.framework.name': 'classic'}},
     'cluster_configs.MapReduce.mapreduce.framework.name',
     "must be one of yarn, local, not 'classic'"),
])
def test_vanilla_checks(configs, path, message):
    found = errors(VANILLA, configs)
    assert list(found) == [path]
    assert found[path].message == message


def test_valid_values_of_every_kind_pass():
    assert errors(VANILLA, {
        'general': {'hadoop_home': '/usr/lib/hadoop-3.4', 'java_home': None,
                    'hadoop_user': 'hdfs'},
        'HDFS': {'dfs.replication': '2', 'dfs.blocksize': '128m',
                 'dfs.permissions.enabled': 'False',
                 'fs.trash.interval': 60,
                 'dfs.datanode.data.dir': 'file:///d1,/d2',
                 'dfs.datanode.address': '0.0.0.0:50010',
                 'dfs.namenode.rpc-address': '${nn.host}:8020',
                 'dfs.x': 'a <b> & "c"\n\ttab'},
        'YARN': {'yarn.nodemanager.local-dirs': '/a,/b'},
        'Hadoop': {'HADOOP_OPTS': "-Dx='$(y)' `z`"}}) == {}
    assert errors(SPARK, {
        'general': {'master_port': '7000', 'daemon_memory': '1g'},
        'spark-env': {'SPARK_WORKER_CORES': 2, 'PYSPARK_PYTHON': '/p y'},
        'spark-defaults': {'spark.ui.port': 0, 'spark.x.y': "a'b $c"}}) \
        == {}


def test_cluster_wide_keys_are_refused_in_node_configs():
    found = errors(SPARK, {'general': {'master_port': 7000,
                                       'worker_webui_port': 9000}},
                   node_level=True)
    error = found['cluster_configs.general.master_port']
    assert error.message == 'general.master_port must be the same on ' \
        'every node'
    assert error.hint == 'set it in cluster_configs, not in node_configs'
    assert list(found) == ['cluster_configs.general.master_port']


def test_null_means_not_set_here():
    assert errors(SPARK, {'general': {'conf_dir': None}, 'spark-env': None}) \
        == {}
    merged = SPARK.settings({'general': {'conf_dir': '/c', 'java_home':
                                         '/j'}},
                            {'general': {'conf_dir': None}})
    assert merged['general']['conf_dir'] == '/c'
    assert SPARK.settings({'general': {'conf_dir': None}})['general'][
        'conf_dir'] == '/etc/spark/conf'
    assert 'java_home' not in SPARK.settings({})['general']


def test_settings_normalise_values():
    s = SPARK.settings({'general': {'master_port': '7000'},
                        'spark-defaults': {'spark.decommission.enabled':
                                           'FALSE'}})
    assert s['general']['master_port'] == 7000
    assert s['spark-defaults']['spark.decommission.enabled'] is False
    assert s['spark-defaults']['spark.executor.memory'] == '512m'


def test_restart_queries():
    assert SPARK.restart_for('general', 'master_port') == ('master',
                                                           'worker')
    assert SPARK.restart_for('spark-defaults', 'spark.executor.memory') == ()
    assert SPARK.restart_for('spark-env', 'SPARK_WORKER_OPTS') == (
        'historyserver', 'master', 'worker')
    # core-site keys of the HDFS section restart every Hadoop daemon
    assert VANILLA.restart_for('HDFS', 'fs.trash.interval') == \
        vanilla_catalog.DAEMONS
    assert VANILLA.restart_for('HDFS', 'dfs.namenode.handler.count') == (
        'namenode',)
    assert VANILLA.restart_for('YARN', 'yarn.resourcemanager.x') == (
        'nodemanager', 'resourcemanager')
    assert VANILLA.restart_for('HDFS', 'dfs.replication') == ()
    # something undeclared and unmatched: restart everything to be safe
    assert VANILLA.restart_for('nope', 'x') == vanilla_catalog.DAEMONS
    assert VANILLA.restarts_needed(
        {'HDFS': {'dfs.replication': 2}, 'YARN': {'a.b': 1}},
        {'HDFS': {'dfs.replication': 3}, 'YARN': {'a.b': 1},
         'MapReduce': {'mapreduce.job.reduces': 4}}) == ('historyserver',)
    assert VANILLA.restarts_needed({'YARN': {'a.b': 1}}, {}) == (
        'nodemanager', 'resourcemanager')
    assert SPARK.restarts_needed(None, None) == ()


def test_entry_of_an_undeclared_key():
    entry = VANILLA.entry('HDFS', 'dfs.datanode.address')
    assert entry.kind is cat.HOST_PORT and entry.opens == cat.CLUSTER
    assert VANILLA.entry('HDFS', 'bad key') is None
    assert VANILLA.entry('general', 'undeclared') is None
    assert VANILLA.entry('nope', 'x') is None


def spec(*groups, **kw):
    return fakes.Spec(node_groups=tuple(groups), **kw)


def test_ports_follow_the_configuration():
    g = fakes.Group
    plain = spec(g('m', 1, ('master',)), g('w', 2, ('worker',)))
    assert sorted(p for p, _o, _l in SPARK.ports(plain)) == [
        7077, 8080, 8081]
    moved = spec(g('m', 1, ('master', 'historyserver')),
                 g('w', 2, ('worker',),
                   node_configs={'general': {'worker_webui_port': '9081'}}),
                 cluster_configs={'general': {'master_port': 7000},
                                  'spark-defaults': {
                                      'spark.blockManager.port': 40000,
                                      'spark.driver.port': 0}})
    ports = {p: (o, l) for p, o, l in SPARK.ports(moved)}
    assert sorted(ports) == [7000, 8080, 8081, 9081, 18080, 40000]
    assert ports[7000] == (cat.CLUSTER, 'Spark master RPC')
    assert ports[18080][0] == cat.PUBLIC
    hadoop = spec(g('m', 1, ('namenode',)), cluster_configs={
        'HDFS': {'dfs.namenode.rpc-port': 8020,
                 'dfs.datanode.address': '0.0.0.0:1004',
                 'dfs.x.port': 'bad'}})
    assert sorted(p for p, _o, _l in VANILLA.ports(hadoop)) == [
        1004, 8020, 9870]


def test_ports_of_invalid_definitions_do_not_raise():
    junk = spec(fakes.Group('m', 1, 'master', node_configs=[1]),
                cluster_configs={'general': {'master_port': [1]}})
    assert isinstance(SPARK.ports(junk), list)
