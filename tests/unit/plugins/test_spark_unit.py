"""Spark plugin: validation, generated files and steps (no SSH)."""

import json

import pytest

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import base
from heat_savanna.plugins import get_plugin
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import status
from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult
from tests.unit.plugins import fakes

G = fakes.Group


@pytest.fixture
def plugin():
    return get_plugin('spark')


def spec(*groups, **kw):
    return fakes.Spec(node_groups=tuple(groups), **kw)


def valid():
    return spec(G('master', 1, ('master',)), G('workers', 3, ('worker',)))


def test_offers(plugin):
    assert plugin.get_versions() == ['4.3.0']
    assert plugin.get_all_processes('4.3.0') == {'master', 'worker',
                                                 'historyserver'}
    assert plugin.get_mandatory_processes('4.3.0') == ['master']
    assert set(plugin.get_config_sections('4.3.0')) == {
        'general', 'spark-env', 'spark-defaults'}


def test_valid_cluster(plugin):
    assert plugin.validate(valid()) == []


@pytest.mark.parametrize('cluster,error', [
    (spec(G('w', 3, ('worker',))),
     ValidationError('node_groups', 'no node group runs the Spark master',
                     'add "master" to the node_processes of exactly one '
                     'group with count 1')),
    (spec(G('m', 1, ('master',)), G('m2', 1, ('master', 'worker'))),
     ValidationError('node_groups[1].node_processes',
                     "the Spark master is already in node group 'm'",
                     'exactly one node may run "master"')),
    (spec(G('m', 2, ('master',)), G('w', 1, ('worker',))),
     ValidationError('node_groups[0].count',
                     'a group running the Spark master must have count 1, '
                     'not 2',
                     'set count: 1 and put workers in another group')),
    (spec(G('m', 1, ('master',)), G('w', 0, ('worker',))),
     ValidationError('node_groups', 'no node runs a Spark worker',
                     'add "worker" to the node_processes of a group with '
                     'count >= 1')),
    (spec(G('m', 1, ('master', 'historyserver')),
          G('w', 2, ('worker', 'historyserver'))),
     ValidationError('node_groups[1].node_processes',
                     'more than one Spark history server',
                     'run "historyserver" on at most one node')),
    (spec(G('m', 1, ('master',)),
          G('w', 1, ('worker',), node_configs={'spark-env': {'A-B': 1}})),
     ValidationError('node_groups[1].node_configs.spark-env.A-B',
                     'not a valid key of section spark-env',
                     'an environment variable name: letters, digits and _, '
                     'not starting with a digit, e.g. SPARK_WORKER_OPTS')),
])
def test_each_rule(plugin, cluster, error):
    assert plugin.validate(cluster) == [error]
    assert fakes.user_errors(cluster) == [error]


# the cluster rules (version, processes, sections, anti_affinity) are the
# core's: a user sees each once, in the core's words
@pytest.mark.parametrize('cluster,error', [
    (spec(G('m', 1, ('master',)), G('w', 1, ('worker', 'datanode'))),
     ValidationError('node_groups[1].node_processes',
                     'unknown spark 4.3.0 process(es): datanode',
                     'valid processes: historyserver, master, worker')),
    (spec(G('m', 1, ('master',)), G('w', 1, ('worker',)),
          plugin_version='1.6'),
     ValidationError('plugin_version', "spark version '1.6' is not "
                     "available", 'available versions: 4.3.0')),
    (spec(G('m', 1, ('master',)), G('w', 1, ('worker',)),
          anti_affinity=('worker', 'namenode')),
     ValidationError('anti_affinity[1]', "unknown process 'namenode'",
                     'valid processes: historyserver, master, worker')),
    (spec(G('m', 1, ('master',)), G('w', 1, ('worker',)),
          cluster_configs={'HDFS': {}}),
     ValidationError('cluster_configs.HDFS', "unknown config section "
                     "'HDFS'", 'valid sections: general, spark-defaults, '
                     'spark-env')),
])
def test_each_cluster_rule_once(plugin, cluster, error):
    assert plugin.validate(cluster) == []
    assert fakes.user_errors(cluster) == [error]


@pytest.mark.parametrize('junk', [
    fakes.Spec(node_groups=None), fakes.Spec(node_groups=('x', 3)),
    spec(G('m', 'one', 5)), spec(G(None, -1, None), cluster_configs=[1]),
])
def test_never_raises(plugin, junk):
    errors = plugin.validate(junk)
    assert errors and all(isinstance(e, ValidationError) for e in errors)


def test_validate_scaling(plugin):
    c = valid()
    assert plugin.validate_scaling(c, {'workers': 5}) == []
    assert [e.path for e in plugin.validate_scaling(c, {'workers': 0})] == [
        'node_groups']
    assert [e.path for e in plugin.validate_scaling(c, {'master': 2})] == [
        'node_groups[0].count']


def test_ports(plugin):
    ports = {p.port: p for p in plugin.get_ports(valid())}
    assert ports[7077].public is False and ports[8080].public
    # the REST submission runs applications: members only, and marked
    assert ports[6066].runs_code and not ports[6066].public
    assert [p for p in ports.values() if p.public and p.runs_code] == []
    assert 18080 not in ports
    with_history = spec(G('m', 1, ('master', 'historyserver')),
                        G('w', 1, ('worker',)))
    assert 18080 in {p.port for p in plugin.get_ports(with_history)}


def info(workers=2, **configs):
    nodes = [base.NodeInfo('master-0', 'master', ('master',), '172.24.4.10',
                           '10.0.0.10')]
    nodes += [base.NodeInfo('workers-%d' % i, 'workers', ('worker',),
                            '172.24.4.%d' % (20 + i), '10.0.0.%d' % (20 + i),
                            volumes=('/dev/vdb', '/dev/vdc') if i == 0
                            else ())
              for i in range(workers)]
    return base.ClusterInfo('c1', 'spark', '4.3.0', configs, tuple(nodes))


def test_spark_env_exact():
    ci = info(**{'spark-env': {'SPARK_WORKER_CORES': 2, 'EXTRA': 'a b'}})
    assert config.spark_env(ci, ci.nodes[1]) == '\n'.join([
        '#!/usr/bin/env bash',
        '# Generated by heat-savanna for cluster c1, node workers-0.',
        '# Rewritten on every scaling operation: change cluster_configs '
        'instead.',
        'export SPARK_HOME=/opt/spark',
        'export SPARK_CONF_DIR=/etc/spark/conf',
        'export SPARK_LOCAL_IP=10.0.0.20',
        'export SPARK_PUBLIC_DNS=10.0.0.20',
        'export SPARK_MASTER_HOST=10.0.0.10',
        'export SPARK_MASTER_PORT=7077',
        'export SPARK_MASTER_WEBUI_PORT=8080',
        'export SPARK_WORKER_WEBUI_PORT=8081',
        'export SPARK_WORKER_DIR=/var/lib/spark/work',
        'export SPARK_LOG_DIR=/var/log/spark',
        'export SPARK_PID_DIR=/var/lib/spark/run',
        'export SPARK_IDENT_STRING=spark',
        'export SPARK_DAEMON_MEMORY=256m',
        "export SPARK_DAEMON_JAVA_OPTS='-XX:+UseSerialGC "
        "-XX:TieredStopAtLevel=1'",
        'export SPARK_LOCAL_DIRS=/volumes/disk1/spark,/volumes/disk2/spark',
        "export EXTRA='a b'",
        'export SPARK_WORKER_CORES=2',
        'export SPARK_WORKER_MEMORY=1g',
    ]) + '\n'


def test_node_configs_override_cluster_configs():
    ci = info(**{'spark-defaults': {'spark.executor.memory': '2g'}})
    node = base.NodeInfo('workers-9', 'workers', ('worker',), '1.1.1.1',
                         '10.0.0.99', node_configs={
                             'spark-defaults': {'spark.executor.memory':
                                                '3g'}})
    assert 'spark.executor.memory 2g' in config.spark_defaults(
        ci, ci.nodes[1])
    assert 'spark.executor.memory 3g' in config.spark_defaults(ci, node)


def test_files_hosts_workers_defaults():
    ci = info(3)
    files = config.node_files(ci, ci.nodes[0])
    assert sorted(files) == ['/etc/hosts', '/etc/spark/conf/spark-'
                             'defaults.conf', '/etc/spark/conf/spark-env.sh',
                             '/etc/spark/conf/workers']
    assert files['/etc/spark/conf/workers'] == \
        '10.0.0.20\n10.0.0.21\n10.0.0.22\n'
    assert files['/etc/hosts'].splitlines()[3:] == [
        '10.0.0.10\tmaster-0', '10.0.0.20\tworkers-0',
        '10.0.0.21\tworkers-1', '10.0.0.22\tworkers-2']
    assert files['/etc/spark/conf/spark-defaults.conf'] == (
        '# Generated by heat-savanna for cluster c1.\n'
        'spark.decommission.enabled true\n'
        'spark.driver.memory 512m\n'
        'spark.executor.memory 512m\n'
        'spark.master spark://10.0.0.10:7077\n'
        'spark.storage.decommission.enabled true\n')


def test_endpoints(plugin):
    assert plugin.get_endpoints(info()) == {
        'spark-master': 'spark://10.0.0.10:7077',
        'spark-master-ui': 'http://172.24.4.10:8080'}


def test_master_json_fixtures():
    alive = status.parse_master_json(fakes.fixture(
        'spark-master-status-alive.json'))
    assert alive['status'] == 'ALIVE'
    states = status.worker_states(alive)
    assert sorted(states.values()) == ['ALIVE', 'ALIVE']
    dec = status.worker_states(status.parse_master_json(fakes.fixture(
        'spark-master-status-decommissioned.json')))
    assert sorted(dec.values()) == ['ALIVE', 'DECOMMISSIONED']
    with pytest.raises(ValueError):
        status.parse_master_json('<html>')


def master_json(ci, states):
    return json.dumps({'status': 'ALIVE', 'url': 'spark://x:7077',
                       'workers': [{'host': h, 'state': s}
                                   for h, s in states.items()]})


def test_create_steps_command_sequence(plugin):
    ci = info(2)
    journal = fakes.Journal()
    alive = {'10.0.0.20': 'ALIVE', '10.0.0.21': 'ALIVE'}

    def responder(cmd):
        if '/json/' in cmd:
            return CommandResult(0, master_json(ci, alive), '')
    remotes = {n.name: fakes.RecordingRemote(n.name, journal, responder)
               for n in ci.nodes}
    names = []
    assert fakes.drive(plugin.create_steps(ci), remotes, log=names) == {}
    assert names == ['check Spark image', 'configure Spark nodes',
                     'start Spark master', 'wait for Spark master',
                     'start Spark workers', 'wait for Spark workers']
    image_check, *master_cmds = journal.commands('master-0')
    assert 'test -x /opt/spark/bin/spark-class' in image_check
    assert master_cmds[0].startswith('set -e\nmkdir -p /etc/spark/conf')
    assert ('org.apache.spark.deploy.master.Master 1 --host 10.0.0.10 '
            '--port 7077 --webui-port 8080') in master_cmds[1]
    assert master_cmds[1].startswith(
        'SPARK_HOME=/opt/spark SPARK_CONF_DIR=/etc/spark/conf bash '
        '/opt/spark/sbin/spark-daemon.sh --config /etc/spark/conf status '
        'org.apache.spark.deploy.master.Master 1 >/dev/null 2>&1 || {')
    assert 'curl -sf -m 5 http://10.0.0.10:8080/json/' in master_cmds[2]
    w = journal.commands('workers-0')[1:]
    assert ('org.apache.spark.deploy.worker.Worker 1 --host 10.0.0.20 '
            '--webui-port 8081 spark://10.0.0.10:7077') in w[1]
    # volumes are prepared on the node that has them
    assert 'mount /dev/vdb /volumes/disk1' in w[0]
    # every command but the status page fetch runs as root
    assert all(e[3] for e in journal.entries
               if e[1] == 'run' and '/json/' not in e[2])


def test_worker_never_alive_is_named_failed(plugin):
    ci = info(2)
    journal = fakes.Journal()

    def responder(cmd):
        if '/json/' in cmd:
            return CommandResult(0, master_json(ci, {
                '10.0.0.20': 'ALIVE', '10.0.0.21': 'DEAD'}), '')
    remotes = {n.name: fakes.RecordingRemote(n.name, journal, responder)
               for n in ci.nodes}
    step = start.wait_workers_step(ci, 'wait for Spark workers',
                                   ci.nodes[1:])
    step.timeout, step.poll_interval = 0.2, 0.05
    assert fakes.drive([step], remotes) == {
        'workers-1': 'not ready after 0s: worker not registered ALIVE '
                     'with the master'}
    # one fetch of the master's page a look, on the master
    assert {e[0] for e in journal.entries} == {'master-0'}


def test_decommission_and_scale_up_steps(plugin):
    ci = info(3)
    names = [s.name for s in plugin.decommission_steps(ci, [ci.nodes[3]])]
    assert names == ['decommission Spark workers',
                     'wait for Spark workers to drain',
                     'stop Spark workers', 'update cluster files']
    steps = plugin.decommission_steps(ci, [ci.nodes[3]])
    assert 'workers-2' not in [n.name for n in steps[3].nodes]
    journal = fakes.Journal()
    r = fakes.RecordingRemote('workers-2', journal)
    driver.step_action(steps[0])(r, ci.nodes[3])
    assert journal.commands()[0].endswith(
        '/opt/spark/sbin/spark-daemon.sh --config /etc/spark/conf '
        'decommission org.apache.spark.deploy.worker.Worker 1')
    up = plugin.scale_up_steps(ci, [ci.nodes[3]])
    assert [s.name for s in up] == [
        'check Spark image', 'configure new Spark nodes',
        'update cluster files', 'start new Spark workers',
        'wait for new Spark workers']
    assert [n.name for n in up[0].nodes] == ['workers-2']
    assert [n.name for n in up[3].nodes] == ['workers-2']
    # no step touches the master's daemon
    assert all(not s.nodes or 'master-0' not in [n.name for n in s.nodes]
               or s.name == 'update cluster files' for s in up)


def test_health_steps(plugin):
    steps = plugin.health_steps(info(2))
    assert [s.name for s in steps] == ['check Spark master',
                                       'check Spark workers']
    journal = fakes.Journal()
    r = fakes.RecordingRemote('workers-0', journal,
                              lambda c: CommandResult(1, 'not running', ''))
    with pytest.raises(base.StepError) as err:
        driver.step_action(steps[1])(r, info(2).nodes[1])
    assert 'Worker is not running on workers-0' in str(err.value)


def test_the_workers_wait_judges_each_worker_on_the_masters_page(plugin):
    ci = info(3)
    page = master_json(ci, {'10.0.0.20': 'ALIVE', '10.0.0.21': 'DEAD'})
    wait = plugin.create_steps(ci)[5].wait
    verdicts = {}
    for n in ci.nodes[1:]:
        (probe,) = wait(n)
        assert probe.at.name == 'master-0' and '/json/' in probe.fetch
        verdicts[n.name] = probe.holds(0, page)
    assert verdicts == {'workers-0': True, 'workers-1': False,
                        'workers-2': False}
    steps = plugin.create_steps(ci)
    assert [n.name for n in steps[5].nodes] == ['workers-0', 'workers-1',
                                                'workers-2']


def test_image_check_step_first_and_its_script(plugin):
    ci = info(1)
    steps = plugin.create_steps(ci)
    assert steps[0].name == 'check Spark image'
    assert [n.name for n in steps[0].nodes] == ['master-0', 'workers-0']
    reqs = start.image_requirements(ci, ci.nodes[0])
    assert [r.what for r in reqs] == [
        '/opt/spark/bin/spark-class', '/opt/spark/sbin/spark-daemon.sh',
        '/opt/spark/jars/spark-core_*-4.3.0.jar', 'java (on the PATH)']
    assert reqs[2].test == ('ls /opt/spark/jars/spark-core_*-4.3.0.jar '
                            '>/dev/null 2>&1')


def test_spark_defaults_values_stay_one_property():
    ci = info(1, **{'spark-defaults': {'spark.x': ' =a\\b',
                                       'spark.y': ':c'}})
    text = config.spark_defaults(ci, ci.nodes[0])
    assert 'spark.x \\ =a\\\\b' in text.splitlines()
    assert 'spark.y \\:c' in text.splitlines()


def test_configured_master_port_everywhere(plugin):
    ci = info(1, general={'master_port': '7000'})
    assert config.master_url(ci) == 'spark://10.0.0.10:7000'
    assert '--port 7000' in start.master_command(ci, ci.nodes[0])
    assert 'export SPARK_MASTER_PORT=7000' in config.spark_env(
        ci, ci.nodes[1]).splitlines()
    ports = {p.port for p in plugin.get_ports(spec(
        G('m', 1, ('master',)), G('w', 1, ('worker',)),
        cluster_configs={'general': {'master_port': 7000}}))}
    assert 7000 in ports and 7077 not in ports


def test_config_errors_reach_validate(plugin):
    c = spec(G('m', 1, ('master',)),
             G('w', 1, ('worker',),
               node_configs={'general': {'master_port': 7000}}),
             cluster_configs={'general': {'master_port': 99999,
                                          'conf_dir': None}})
    assert sorted(e.path for e in plugin.validate(c)) == [
        'cluster_configs.general.master_port',
        'node_groups[1].node_configs.general.master_port']


def test_watch_the_master_sees_workers_the_first_worker_the_master(plugin):
    ci = info(3)
    watches = plugin.watch(ci)
    watched = {w.node.name: w.probe for w in watches}
    assert sorted(watched) == ['master-0', 'workers-0', 'workers-1',
                               'workers-2']
    for name in ('workers-0', 'workers-1', 'workers-2'):
        assert watched[name].at.name == 'master-0'
    assert watched['master-0'].at.name == 'workers-0'
    # the judges read the master's real status page
    page = json.dumps({'status': 'ALIVE', 'workers': [
        {'host': '10.0.0.20', 'state': 'ALIVE', 'id': 'worker-1-10.0.0.20-1'},
        {'host': '10.0.0.21', 'state': 'DEAD', 'id': 'worker-1-10.0.0.21-1'}]})
    assert watched['workers-0'].holds(0, page)
    assert not watched['workers-1'].holds(0, page)
    assert watched['master-0'].holds(0, page)
    assert not watched['master-0'].holds(7, '')
    # one fetch for every worker: the watchdog reads the page once a look
    assert len({p.fetch for p in watched.values()}) == 1


def test_watch_needs_a_master(plugin):
    ci = info(2)
    alone = base.ClusterInfo('c1', 'spark', '4.3.0', {}, ci.nodes[1:])
    assert plugin.watch(alone) == []
    assert [w.node.name for w in plugin.watch(info(0))] == []
