"""plugins/vanilla/reports.py: Hadoop's admin reports parsed
(tests/fixtures holds real outputs)."""

from heat_savanna.plugins import base
from heat_savanna.plugins.vanilla import reports
from tests.unit.plugins import fakes
from tests.unit.plugins.vanilla.cluster import WORKER


def test_parse_dfsadmin_live():
    nodes = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-live.txt'))
    assert [(n['hostname'], n['ip'], n['port'], n['section'],
             n['decommission_status']) for n in nodes] == [
        ('workers-0', '10.0.0.11', 9866, 'live', 'Normal'),
        ('workers-1', '10.0.0.12', 9866, 'live', 'Normal'),
        ('workers-2', '10.0.0.13', 9866, 'live', 'Normal')]
    assert nodes[0]['num_of_blocks'] == '0'


def worker_node(name, ip='10.9.9.9'):
    return base.NodeInfo(name, 'w', WORKER, ip, ip)


def test_parse_dfsadmin_decommissioning_and_dead():
    rep = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-decommissioning.txt'))
    assert reports.datanode_state(rep, worker_node('workers-0')) == \
        ('live', 'Normal')
    assert reports.datanode_state(rep, worker_node('workers-1')) == \
        ('live', 'Decommissioned')
    assert reports.datanode_state(rep, worker_node('workers-2')) == \
        ('live', 'Decommission in progress')
    assert reports.datanode_state(rep, worker_node('nope')) == (None, None)
    dead = reports.parse_dfsadmin_report(
        fakes.fixture('hdfs-dfsadmin-report-dead.txt'))
    # matched by address too
    assert reports.datanode_state(dead, worker_node('x', '10.0.0.13')) == \
        ('dead', 'Normal')


def test_parse_yarn_node_list():
    nodes = reports.parse_yarn_node_list(fakes.fixture('yarn-node-list.txt'))
    assert [(n['host'], n['port'], n['state'], n['containers'])
            for n in nodes] == [('workers-0', 37163, 'RUNNING', 0),
                                ('workers-1', 41209, 'RUNNING', 2),
                                ('workers-2', 45871, 'RUNNING', 0)]
    dec = reports.parse_yarn_node_list(
        fakes.fixture('yarn-node-list-decommission.txt'))
    assert reports.nodemanager_state(dec, worker_node('workers-1')) == \
        'DECOMMISSIONED'
    assert reports.nodemanager_state(dec, worker_node('workers-2')) == \
        'DECOMMISSIONING'
