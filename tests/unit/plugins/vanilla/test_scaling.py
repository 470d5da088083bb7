"""plugins/vanilla/scaling.py: scale-up and decommission sequences."""

from heat_savanna.provisioning import driver
from tests.unit.plugins import fakes
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import FakeHadoop
from tests.unit.plugins.vanilla.cluster import node
from tests.unit.plugins.vanilla.cluster import run
from tests.unit.plugins.vanilla.cluster import WORKER


def test_decommission_sequence(plugin):
    ci = cluster_info(100)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    fake.started = {(n.name, p) for n in ci.nodes for p in WORKER}
    leaving = [node(ci, 'workers-98'), node(ci, 'workers-99')]
    steps = plugin.decommission_steps(ci, leaving)
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    # before the masters refresh, the wait is not satisfied
    assert fakes.awaited(steps[1], remotes) == ['workers-98', 'workers-99']
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
    new = [node(ci, 'workers-10'), node(ci, 'workers-11')]
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


def test_decommission_wait_names_unfinished_nodes(plugin):
    ci = cluster_info(5)
    fake, journal = FakeHadoop(ci), fakes.Journal()
    fake.started = {(n.name, p) for n in ci.nodes for p in WORKER}
    remotes = {n.name: fakes.RecordingRemote(n.name, journal,
                                             fake.responder(n.name))
               for n in ci.nodes}
    leaving = [node(ci, 'workers-4')]
    step = plugin.decommission_steps(ci, leaving)[1]
    assert [n.name for n in step.nodes] == ['workers-4']
    assert fakes.awaited(step, remotes) == ['workers-4']
    (datanode, nodemanager) = step.wait(leaving[0])
    assert datanode.awaiting == 'HDFS decommission not finished'
    assert nodemanager.awaiting == 'YARN decommission not finished'
    assert {datanode.at.name, nodemanager.at.name} == {'master-0'}
