"""Vanilla Hadoop 3 plugin: proven by its exact files and command
sequences (Hadoop daemons cannot run on this machine) and by parsing
Hadoop report outputs (tests/fixtures)."""

import re
import xml.etree.ElementTree as ET

import pytest

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import base
from heat_savanna.plugins import get_plugin
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import reports
from heat_savanna.plugins.vanilla import start
from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult
from tests.unit.plugins import fakes

G = fakes.Group
MASTER = ('namenode', 'resourcemanager', 'historyserver')
WORKER = ('datanode', 'nodemanager')


@pytest.fixture
def plugin():
    return get_plugin('vanilla')


def spec(*groups, **kw):
    kw.setdefault('plugin_version', '3.4.1')
    return fakes.Spec(node_groups=tuple(groups), plugin_name='vanilla', **kw)


def example(workers=100):
    return spec(G('master', 1, MASTER), G('workers', workers, WORKER,
                                          volumes_per_node=2),
                anti_affinity=('datanode',))


# -- validation ---------------------------------------------------------------
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
    (spec(G('m', 1, MASTER), G('w', 3, WORKER + ('worker',))),
     ValidationError('node_groups[1].node_processes',
                     'unknown Hadoop process(es): worker',
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
     ValidationError('plugin_version', "Hadoop version '2.7.1' is not "
                     "supported", 'supported: 3.4.1')),
])
def test_each_rule(plugin, cluster, error):
    assert plugin.validate(cluster) == [error]


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


# -- files at 100 workers -------------------------------------------------
def cluster_info(workers=100, configs=None):
    nodes = [base.NodeInfo('master-0', 'master', MASTER, '172.24.4.2',
                           '10.0.0.2')]
    for i in range(workers):
        nodes.append(base.NodeInfo(
            'workers-%d' % i, 'workers', WORKER, '172.24.5.%d' % i,
            '10.0.%d.%d' % (1 + i // 250, 10 + i % 250),
            volumes=('/dev/vdb', '/dev/vdc')))
    return base.ClusterInfo('hadoop', 'vanilla', '3.4.1', configs or {},
                            tuple(nodes))


def props(xml_text):
    root = ET.fromstring(xml_text)
    return {p.find('name').text: p.find('value').text
            for p in root.findall('property')}


def test_master_files_at_100_workers():
    ci = cluster_info(100, {'HDFS': {'dfs.blocksize': 67108864,
                                     'fs.trash.interval': 60},
                            'YARN': {'yarn.nodemanager.resource.memory-mb':
                                     8192}})
    files = config.node_files(ci, ci.nodes[0])
    assert sorted(files) == [
        '/etc/hadoop/conf/core-site.xml', '/etc/hadoop/conf/dn.exclude',
        '/etc/hadoop/conf/dn.include', '/etc/hadoop/conf/hadoop-env.sh',
        '/etc/hadoop/conf/hdfs-site.xml', '/etc/hadoop/conf/mapred-site.xml',
        '/etc/hadoop/conf/nm.exclude', '/etc/hadoop/conf/nm.include',
        '/etc/hadoop/conf/workers', '/etc/hadoop/conf/yarn-site.xml',
        '/etc/hosts']
    assert props(files['/etc/hadoop/conf/core-site.xml']) == {
        'fs.defaultFS': 'hdfs://master-0:9000',
        'fs.trash.interval': '60',
        'hadoop.tmp.dir': '/var/lib/hadoop/tmp',
        'hadoop.proxyuser.hadoop.hosts': '*',
        'hadoop.proxyuser.hadoop.groups': '*',
    }
    hdfs = props(files['/etc/hadoop/conf/hdfs-site.xml'])
    assert hdfs == {
        'dfs.replication': '3',
        'dfs.blocksize': '67108864',
        'dfs.datanode.du.reserved': '0',
        'dfs.namenode.handler.count': '40',
        'dfs.permissions.enabled': 'true',
        'dfs.namenode.name.dir': 'file:///var/lib/hadoop/hdfs/namenode',
        'dfs.datanode.data.dir': 'file:///var/lib/hadoop/hdfs/datanode',
        'dfs.namenode.checkpoint.dir':
            'file:///var/lib/hadoop/hdfs/namesecondary',
        'dfs.hosts': '/etc/hadoop/conf/dn.include',
        'dfs.hosts.exclude': '/etc/hadoop/conf/dn.exclude',
        'dfs.namenode.http-address': 'master-0:9870',
        'dfs.namenode.rpc-bind-host': '0.0.0.0',
        'dfs.namenode.http-bind-host': '0.0.0.0',
        'dfs.namenode.datanode.registration.ip-hostname-check': 'false',
    }
    yarn = props(files['/etc/hadoop/conf/yarn-site.xml'])
    assert yarn['yarn.resourcemanager.hostname'] == 'master-0'
    assert yarn['yarn.resourcemanager.nodes.include-path'] == \
        '/etc/hadoop/conf/nm.include'
    assert yarn['yarn.resourcemanager.nodes.exclude-path'] == \
        '/etc/hadoop/conf/nm.exclude'
    assert yarn['yarn.nodemanager.resource.memory-mb'] == '8192'
    assert yarn['yarn.nodemanager.aux-services'] == 'mapreduce_shuffle'
    assert yarn['yarn.log.server.url'] == \
        'http://master-0:19888/jobhistory/logs'
    mapred = props(files['/etc/hadoop/conf/mapred-site.xml'])
    assert mapred['mapreduce.framework.name'] == 'yarn'
    assert mapred['mapreduce.jobhistory.address'] == 'master-0:10020'
    assert mapred['yarn.app.mapreduce.am.env'] == \
        'HADOOP_MAPRED_HOME=/opt/hadoop'
    workers = ['workers-%d' % i for i in range(100)]
    assert files['/etc/hadoop/conf/workers'].splitlines() == workers
    assert files['/etc/hadoop/conf/dn.include'].splitlines() == workers
    assert files['/etc/hadoop/conf/nm.include'].splitlines() == workers
    assert files['/etc/hadoop/conf/dn.exclude'] == ''
    assert files['/etc/hadoop/conf/nm.exclude'] == ''
    hosts = files['/etc/hosts'].splitlines()
    assert len(hosts) == 3 + 101 and hosts[-1] == '10.0.1.109\tworkers-99'
    env = files['/etc/hadoop/conf/hadoop-env.sh']
    for line in ('export HADOOP_CONF_DIR=/etc/hadoop/conf',
                 'export HADOOP_LOG_DIR=/var/log/hadoop',
                 'export HADOOP_PID_DIR=/var/lib/hadoop/run',
                 'export HDFS_NAMENODE_USER=hadoop',
                 'export YARN_NODEMANAGER_USER=hadoop',
                 'export HADOOP_HEAPSIZE_MAX=1g'):
        assert line in env.splitlines()


def test_worker_files_use_volumes():
    ci = cluster_info(100)
    files = config.node_files(ci, ci.nodes[7])
    assert 'dn.include' not in ''.join(files)      # masters only
    hdfs = props(files['/etc/hadoop/conf/hdfs-site.xml'])
    assert hdfs['dfs.datanode.data.dir'] == (
        'file:///volumes/disk1/hdfs/datanode,'
        'file:///volumes/disk2/hdfs/datanode')
    yarn = props(files['/etc/hadoop/conf/yarn-site.xml'])
    assert yarn['yarn.nodemanager.local-dirs'] == \
        '/volumes/disk1/yarn/local,/volumes/disk2/yarn/local'
    assert yarn['yarn.nodemanager.log-dirs'] == \
        '/volumes/disk1/yarn/logs,/volumes/disk2/yarn/logs'
    cmds = start.configure_commands(ci, ci.nodes[7])
    assert 'mount /dev/vdc /volumes/disk2' in cmds[0]
    assert 'mkfs.ext4 -q /dev/vdb' in cmds[0]      # only if blkid finds none
    assert cmds[1] == ('id -u hadoop >/dev/null 2>&1 || useradd --system '
                       '--create-home --shell /bin/bash hadoop')
    assert '/volumes/disk2/hdfs/datanode' in cmds[2]
    assert cmds[3].startswith('chown -R hadoop:hadoop ')
    assert '/etc/hadoop/conf' not in cmds[3]


def test_xml_escapes_values():
    ci = cluster_info(3, {'YARN': {'x.y': 'a<b&c'}})
    text = config.node_files(ci, ci.nodes[1])[
        '/etc/hadoop/conf/yarn-site.xml']
    assert '<value>a&lt;b&amp;c</value>' in text
    assert props(text)['x.y'] == 'a<b&c'


# -- report parsers -----------------------------------------------------------
def test_parse_dfsadmin_live():
    nodes = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-live.txt'))
    assert [(n['hostname'], n['ip'], n['port'], n['section'],
             n['decommission_status']) for n in nodes] == [
        ('workers-0', '10.0.0.11', 9866, 'live', 'Normal'),
        ('workers-1', '10.0.0.12', 9866, 'live', 'Normal'),
        ('workers-2', '10.0.0.13', 9866, 'live', 'Normal')]
    assert nodes[0]['num_of_blocks'] == '0'


def node_named(name, ip='10.9.9.9'):
    return base.NodeInfo(name, 'w', WORKER, ip, ip)


def test_parse_dfsadmin_decommissioning_and_dead():
    rep = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-decommissioning.txt'))
    assert reports.datanode_state(rep, node_named('workers-0')) == \
        ('live', 'Normal')
    assert reports.datanode_state(rep, node_named('workers-1')) == \
        ('live', 'Decommissioned')
    assert reports.datanode_state(rep, node_named('workers-2')) == \
        ('live', 'Decommission in progress')
    assert reports.datanode_state(rep, node_named('nope')) == (None, None)
    dead = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-dead.txt'))
    # matched by address too
    assert reports.datanode_state(dead, node_named('x', '10.0.0.13')) == \
        ('dead', 'Normal')


def test_parse_yarn_node_list():
    nodes = reports.parse_yarn_node_list(fakes.fixture('yarn-node-list.txt'))
    assert [(n['host'], n['port'], n['state'], n['containers'])
            for n in nodes] == [('workers-0', 37163, 'RUNNING', 0),
                                ('workers-1', 41209, 'RUNNING', 2),
                                ('workers-2', 45871, 'RUNNING', 0)]
    dec = reports.parse_yarn_node_list(
        fakes.fixture('yarn-node-list-decommission.txt'))
    assert reports.nodemanager_state(dec, node_named('workers-1')) == \
        'DECOMMISSIONED'
    assert reports.nodemanager_state(dec, node_named('workers-2')) == \
        'DECOMMISSIONING'


# -- the command sequence at 100 workers -----------------------------------
class FakeHadoop(object):
    """Answers admin commands from templates of the fixture outputs,
    tracking which daemons were started and which nodes are excluded."""

    def __init__(self, ci):
        self.ci = ci
        self.started = set()      # (node, process)
        self.excluded = set()
        live = fakes.fixture('hdfs-dfsadmin-report-live.txt')
        head, _, body = live.partition('Live datanodes (3):\n\n')
        self.head = head
        self.block = body.split('\n\n\n')[0]
        self.yarn_head = '\n'.join(fakes.fixture(
            'yarn-node-list.txt').splitlines()[:3])

    def responder(self, node):
        def answer(cmd):
            for daemon in re.findall(r'--daemon start (\w+)', cmd):
                self.started.add((node, daemon))
            if 'dfsadmin -report' in cmd:
                return CommandResult(0, self.report(), '')
            if 'node -list' in cmd:
                return CommandResult(0, self.node_list(), '')
        return answer

    def report(self):
        blocks = []
        for n in self.ci.nodes_with('datanode'):
            if (n.name, 'datanode') not in self.started:
                continue
            status = 'Decommissioned' if n.name in self.excluded \
                else 'Normal'
            blocks.append(self.block.replace('10.0.0.11', n.internal_ip)
                          .replace('workers-0', n.name)
                          .replace(': Normal', ': ' + status))
        return '%sLive datanodes (%d):\n\n%s\n\n\n' % (
            self.head, len(blocks), '\n\n\n'.join(blocks))

    def node_list(self):
        rows = ['%s:4000\t%s\t%s:8042\t0' % (
            n.name, 'DECOMMISSIONED' if n.name in self.excluded
            else 'RUNNING', n.name)
            for n in self.ci.nodes_with('nodemanager')
            if (n.name, 'nodemanager') in self.started]
        return self.yarn_head + '\n' + '\n'.join(rows) + '\n'


def run(plugin_steps, ci, fake, journal):
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    names = []
    failed = fakes.drive(plugin_steps, remotes, log=names)
    return names, failed


def test_create_sequence_100_workers(plugin):
    ci = cluster_info(100)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    names, failed = run(plugin.create_steps(ci), ci, fake, journal)
    assert failed == {}
    assert names == [
        'check Hadoop image',
        'configure Hadoop nodes', 'format HDFS namenode', 'start namenode',
        'wait for namenode', 'start resourcemanager',
        'wait for resourcemanager', 'start datanodes and nodemanagers',
        'wait for datanodes', 'wait for nodemanagers',
        'create HDFS directories', 'start job history server']
    env = 'HADOOP_HOME=/opt/hadoop HADOOP_CONF_DIR=/etc/hadoop/conf '
    image_check, *m = journal.commands('master-0')
    assert 'test -x /opt/hadoop/bin/mapred' in image_check
    assert m[1] == (
        'test -e /var/lib/hadoop/.savanna-namenode-formatted || { '
        'runuser -u hadoop -- env ' + env + '/opt/hadoop/bin/hdfs namenode '
        '-format -nonInteractive -clusterId CID-hadoop && '
        'touch /var/lib/hadoop/.savanna-namenode-formatted; }')
    assert m[2] == ('{ ' + env + '/opt/hadoop/bin/hdfs --daemon status '
                    'namenode >/dev/null 2>&1 || ' + env +
                    '/opt/hadoop/bin/hdfs --daemon start namenode; }')
    assert m[3] == 'runuser -u hadoop -- env ' + env + \
        '/opt/hadoop/bin/hdfs dfsadmin -report'
    assert m[4].endswith('/opt/hadoop/bin/yarn --daemon start '
                         'resourcemanager; }')
    assert m[5].endswith('/opt/hadoop/bin/yarn node -list -all')
    assert m[-1].endswith('/opt/hadoop/bin/mapred --daemon start '
                          'historyserver; }')
    assert 'dfs -mkdir -p /tmp /user /mr-history/tmp' in m[-2]
    image_check, *w = journal.commands('workers-42')
    assert 'mapred' not in image_check and 'bin/yarn' in image_check
    assert len(w) == 2
    assert w[1] == (
        '{ ' + env + '/opt/hadoop/bin/hdfs --daemon status datanode '
        '>/dev/null 2>&1 || ' + env + '/opt/hadoop/bin/hdfs --daemon start '
        'datanode; } && { ' + env + '/opt/hadoop/bin/yarn --daemon status '
        'nodemanager >/dev/null 2>&1 || ' + env + '/opt/hadoop/bin/yarn '
        '--daemon start nodemanager; }')
    assert len(fake.started) == 3 + 200
    assert len(journal.files('workers-42')) == 7
    assert len(journal.files('master-0')) == 11
    # the namenode starts before any datanode, history server last
    order = [e[0] for e in journal.entries if e[1] == 'run'
             and '--daemon start' in e[2]]
    assert order[0] == 'master-0' and order[-1] == 'master-0'


def test_datanode_never_live_is_named(plugin):
    ci = cluster_info(5)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    fake.started = {(n.name, p) for n in ci.nodes for p in WORKER
                    if n.name != 'workers-3'}
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    check = start.members_ready_check(ci, 'datanode',
                                      tuple(ci.nodes_with('datanode')), 0)
    ok, detail, failed = check(lambda n: remotes[n.name])
    assert detail == '4/5 datanodes ready'
    assert list(failed) == ['workers-3']


def test_decommission_sequence(plugin):
    ci = cluster_info(100)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    fake.started = {(n.name, p) for n in ci.nodes for p in WORKER}
    leaving = [ci.node_named('workers-98'), ci.node_named('workers-99')]
    steps = plugin.decommission_steps(ci, leaving)
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    # before the masters refresh, the wait is not satisfied
    assert steps[1].check(lambda n: remotes[n.name])[0] is False
    names = []
    work = steps[0].work

    def exclude(remote, node):
        driver.run_work(remote, node, work(node))
        fake.excluded.update(n.name for n in leaving)
    steps[0].action, steps[0].work = exclude, None
    assert fakes.drive(steps, remotes, log=names) == {}
    assert names == ['exclude leaving nodes', 'wait for decommission',
                     'stop decommissioned daemons', 'update cluster files',
                     'forget removed nodes']
    puts = [e for e in journal.entries if e[0] == 'master-0'
            and e[1] == 'put']
    first = {e[2]: e[3] for e in puts[:4]}
    assert first['/etc/hadoop/conf/dn.exclude'] == \
        'workers-98\nworkers-99\n'
    assert first['/etc/hadoop/conf/nm.exclude'] == \
        'workers-98\nworkers-99\n'
    last = journal.files('master-0')
    assert last['/etc/hadoop/conf/dn.exclude'] == ''
    assert 'workers-99' not in last['/etc/hadoop/conf/dn.include']
    assert 'workers-99' not in last['/etc/hosts']
    refresh = [c for c in journal.commands('master-0') if 'refreshNodes'
               in c]
    assert len(refresh) == 2 and all(
        'hdfs dfsadmin -refreshNodes' in c and 'yarn rmadmin -refreshNodes'
        in c for c in refresh)
    assert journal.commands('workers-99')[-1] == (
        'HADOOP_HOME=/opt/hadoop HADOOP_CONF_DIR=/etc/hadoop/conf '
        '/opt/hadoop/bin/yarn --daemon stop nodemanager ; '
        'HADOOP_HOME=/opt/hadoop HADOOP_CONF_DIR=/etc/hadoop/conf '
        '/opt/hadoop/bin/hdfs --daemon stop datanode')
    assert journal.commands('workers-5') == []   # untouched daemons
    assert steps[1].timeout == 1800


def test_scale_up_sequence(plugin):
    ci = cluster_info(12)
    new = [ci.node_named('workers-10'), ci.node_named('workers-11')]
    fake, journal = FakeHadoop(ci), fakes.Journal()
    names, failed = run(plugin.scale_up_steps(ci, new), ci, fake, journal)
    assert failed == {}
    assert names == ['check Hadoop image',
                     'configure new Hadoop nodes', 'update cluster files',
                     'include new nodes',
                     'start datanodes and nodemanagers',
                     'wait for datanodes', 'wait for nodemanagers']
    assert fake.started == {(n.name, p) for n in new for p in WORKER}
    assert 'workers-11' in journal.files('master-0')[
        '/etc/hadoop/conf/dn.include']
    assert all('--daemon start' not in c
               for c in journal.commands('master-0'))


def test_ports_and_endpoints(plugin):
    ports = {p.port for p in plugin.get_ports(example())}
    assert {9000, 9870, 9866, 8088, 8030, 19888} <= ports
    assert plugin.get_endpoints(cluster_info(2)) == {
        'hdfs': 'hdfs://10.0.0.2:9000',
        'namenode-ui': 'http://172.24.4.2:9870',
        'resourcemanager-ui': 'http://172.24.4.2:8088',
        'jobhistory-ui': 'http://172.24.4.2:19888'}


def test_health_steps(plugin):
    ci = cluster_info(3)
    steps = plugin.health_steps(ci)
    assert [s.name for s in steps] == ['check Hadoop daemons',
                                       'check datanodes live']
    journal = fakes.Journal()
    # one script asks every daemon and prints the names of those down
    r = fakes.RecordingRemote('workers-0', journal, lambda c: CommandResult(
        1 if 'status nodemanager' in c else 0, 'nodemanager\n', ''))
    with pytest.raises(base.StepError) as err:
        driver.step_action(steps[0])(r, ci.nodes[1])
    assert str(err.value) == 'not running: nodemanager'


def test_decommission_wait_names_unfinished_nodes(plugin):
    ci = cluster_info(5)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    fake.started = {(n.name, p) for n in ci.nodes for p in WORKER}
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    leaving = [ci.node_named('workers-4')]
    step = plugin.decommission_steps(ci, leaving)[1]
    assert [n.name for n in step.nodes] == ['workers-4']
    ok, detail, awaited = step.check(lambda n: remotes[n.name])
    assert not ok and list(awaited) == ['workers-4']
    assert 'workers-4 (Normal)' in detail


# -- the image, quoting, probes ----------------------------------------------
def image_check(ci, node, output):
    journal = fakes.Journal()
    # the script exits 3 when it printed something missing
    code = 3 if 'missing: ' in output else 0
    remote = fakes.RecordingRemote(node.name, journal,
                                   lambda c: CommandResult(code, output, ''))
    step = start.check_image_step(ci, [node])
    driver.step_action(step)(remote, node)
    return journal.commands()[0]


def test_image_check_names_the_image_and_what_is_missing():
    import dataclasses
    from heat_savanna.plugins.base import StepError
    ci = cluster_info(1)
    master = dataclasses.replace(ci.nodes[0], image='hadoop-3.4')
    script = image_check(ci, master, '')
    assert 'test -x /opt/hadoop/bin/hdfs' in script
    assert 'test -e /opt/hadoop/share/hadoop/common/hadoop-common-3.4.1.jar' \
        in script
    with pytest.raises(StepError) as err:
        image_check(ci, master, 'missing: /opt/hadoop/bin/hdfs\n'
                                'missing: /opt/hadoop/bin/yarn\n')
    assert str(err.value) == (
        "image 'hadoop-3.4' has no Hadoop 3.4.1: missing "
        "/opt/hadoop/bin/hdfs, /opt/hadoop/bin/yarn (use an image with "
        "Hadoop 3.4.1 and Java, or set general.hadoop_home to where the "
        "image has it)")
    with pytest.raises(StepError) as err:
        image_check(ci, master, 'missing: /opt/hadoop/share/hadoop/common/'
                                'hadoop-common-3.4.1.jar\n'
                                'found: hadoop-common-3.3.6.jar \n')
    assert str(err.value).startswith(
        "image 'hadoop-3.4' has Hadoop, but not Hadoop 3.4.1: missing "
        "/opt/hadoop/share/hadoop/common/hadoop-common-3.4.1.jar, found "
        "hadoop-common-3.3.6.jar (")
    # without an image name the node is named
    with pytest.raises(StepError) as err:
        image_check(ci, ci.nodes[1], 'missing: java (on the PATH)\n')
    assert str(err.value).startswith('the image of workers-0 has no Hadoop')


def test_image_check_script_runs_in_sh(tmp_path):
    import subprocess
    from heat_savanna.plugins import utils
    (tmp_path / 'bin').mkdir()
    tool = tmp_path / 'bin' / 'hdfs'
    tool.write_text('#!/bin/sh\n')
    tool.chmod(0o755)
    reqs = [utils.Requirement(str(tool), 'test -x %s' % tool),
            utils.Requirement('/nope/yarn', 'test -x /nope/yarn'),
            utils.Requirement('x-2.jar', 'test -e %s/x-2.jar' % tmp_path,
                              found='ls %s | grep "^x-"' % tmp_path)]
    (tmp_path / 'x-1.jar').write_text('')
    done = subprocess.run(['sh', '-c', utils.image_check_script(reqs)],
                          capture_output=True, text=True)
    assert done.returncode == utils.IMAGE_INCOMPLETE
    out = done.stdout
    assert out.splitlines() == ['missing: /nope/yarn', 'missing: x-2.jar',
                                'found: x-1.jar ']


def test_every_configured_path_is_quoted_in_commands():
    ci = cluster_info(2, {'general': {'hadoop_home': '/opt/my hadoop',
                                      'conf_dir': "/etc/it's"}})
    nn = ci.nodes[0]
    cmd = start.daemon_command(ci, nn, 'namenode', 'start')
    assert cmd == ("HADOOP_HOME='/opt/my hadoop' HADOOP_CONF_DIR='/etc/it'"
                   "\"'\"'s' '/opt/my hadoop/bin/hdfs' --daemon start "
                   "namenode")


def test_probe_that_cannot_run_raises():
    from heat_savanna.common.exceptions import RemoteCommandFailed
    ci = cluster_info(1)
    remote = fakes.RecordingRemote('master-0', fakes.Journal(),
                                   lambda c: CommandResult(
                                       127, '', 'hdfs: not found'))
    with pytest.raises(RemoteCommandFailed) as err:
        start.read_report(remote, ci)
    assert err.value.exit_code == 127 and err.value.node == 'master-0'
    remote.responder = lambda c: CommandResult(255, '', 'safe mode')
    assert start.read_report(remote, ci) == (
        None, 'hdfs dfsadmin -report exited 255')


def test_names_in_generated_scripts_cannot_break_out():
    ci = base.ClusterInfo('c\ntouch /tmp/x', 'vanilla', '3.4.1', {},
                          cluster_info(1).nodes)
    env = config.hadoop_env(ci, ci.nodes[0])
    assert env.splitlines()[0] == ('# Generated by heat-savanna for '
                                   'cluster c?touch /tmp/x, node master-0.')
    bad = cluster_info(1, {'Hadoop': {'X=1; touch /tmp/p; Y': 1}})
    with pytest.raises(ValueError):
        config.hadoop_env(bad, bad.nodes[0])


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


def test_xml_values_with_markup_parse():
    ci = cluster_info(1, {'HDFS': {'dfs.x': '</value><x>&amp;"\'\n\t'}})
    text = config.node_files(ci, ci.nodes[0])[
        '/etc/hadoop/conf/hdfs-site.xml']
    assert props(text)['dfs.x'] == '</value><x>&amp;"\'\n\t'


def test_reconfigure_sequence_restarts_only_what_the_change_needs(plugin):
    ci = cluster_info(3)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    # the daemons run before the change
    fake.started |= {(n.name, p) for n in ci.nodes for p in
                     ('datanode', 'nodemanager')}
    batch = [ci.node_named('workers-0'), ci.node_named('master-0')]
    restarts = {'workers-0': ('datanode',), 'master-0': ('namenode',)}
    names, failed = run(plugin.reconfigure_steps(ci, batch, restarts), ci,
                        fake, journal)
    assert failed == {}
    assert names == ['rewrite Hadoop configuration', 'restart namenode',
                     'wait for namenode', 'restart datanode',
                     'wait for datanodes']
    restart = [c for c in journal.commands('workers-0') if '--daemon' in c]
    assert len(restart) == 1
    assert restart[0].index('--daemon stop datanode') < \
        restart[0].index('--daemon start datanode')
    assert 'nodemanager' not in restart[0]
    # the files of both nodes were rewritten, other nodes untouched
    assert journal.files('workers-0') and journal.files('master-0')
    assert not journal.files('workers-1')
    assert journal.commands('workers-1') == []
