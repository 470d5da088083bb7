"""plugins/vanilla/start.py: the create sequence at 100 workers, the image
check, readiness probes and health steps (Hadoop cannot run here: the
exact commands are the proof)."""

import dataclasses

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins.vanilla import start
from heat_savanna.provisioning import driver
from heat_savanna.remote.ssh import CommandResult
from tests.unit.plugins import fakes
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import FakeHadoop
from tests.unit.plugins.vanilla.cluster import run
from tests.unit.plugins.vanilla.cluster import WORKER


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
    step = start.members_wait_step(ci, 'datanode', ci.nodes_with('datanode'))
    assert fakes.awaited(step, remotes) == ['workers-3']
    step.timeout, step.poll_interval = 0.2, 0.05
    assert fakes.drive([step], remotes) == {
        'workers-3': 'not ready after 0s: datanode not ready'}


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


def test_every_configured_path_is_quoted_in_commands():
    ci = cluster_info(2, {'general': {'hadoop_home': '/opt/my hadoop',
                                      'conf_dir': "/etc/it's"}})
    nn = ci.nodes[0]
    cmd = start.daemon_command(ci, nn, 'namenode', 'start')
    assert cmd == ("HADOOP_HOME='/opt/my hadoop' HADOOP_CONF_DIR='/etc/it'"
                   "\"'\"'s' '/opt/my hadoop/bin/hdfs' --daemon start "
                   "namenode")


def test_namenode_whose_admin_command_cannot_run_fails_at_once():
    ci = cluster_info(1)
    remote = fakes.RecordingRemote('master-0', fakes.Journal(),
                                   lambda c: CommandResult(
                                       127, '', 'hdfs: not found'))
    step = start.service_wait_step(ci, 'namenode')
    assert fakes.drive([step], {'master-0': remote}) == {
        'master-0': "the probe 'runuser -u hadoop -- env HADOOP_HOME=/opt/"
                    "hadoop HADOOP_CONF...' cannot run (exit 127)"}


def test_watch_masters_see_members_the_first_worker_sees_masters(plugin):
    ci = cluster_info(3)
    watches = plugin.watch(ci)
    kinds = sorted((w.node.name, w.probe.at.name, w.probe.awaiting)
                   for w in watches)
    assert kinds == sorted(
        [('workers-%d' % i, 'master-0', '%s not live' % p)
         for i in range(3) for p in ('datanode', 'nodemanager')] +
        [('master-0', 'workers-0', 'namenode does not answer'),
         ('master-0', 'workers-0', 'resourcemanager does not answer')])
    # the judges read the namenode's report and the node list as Hadoop
    # prints them: workers-1's daemons are not running
    hadoop = FakeHadoop(ci)
    hadoop.started = {('workers-%d' % i, p) for i in (0, 2)
                      for p in WORKER}
    documents = {'datanode not live': hadoop.report(),
                 'nodemanager not live': hadoop.node_list()}
    alive = {(w.node.name, w.probe.awaiting): w.probe.holds(
        0, documents[w.probe.awaiting])
        for w in watches if w.probe.awaiting in documents}
    assert alive == {(n, a): n != 'workers-1' for n, a in alive}
    assert len(alive) == 6
