"""The vanilla plugin's report parsers against Apache Hadoop's own formats.

No Hadoop can run here, so these outputs are not captures (see
tests/fixtures/README.rst for where each comes from):

* ``yarn-node-list-*-apache.txt`` are, character for character, the
  outputs Apache Hadoop's own test of the YARN CLI expects from ``yarn
  node -list -All`` and ``yarn node -list -showDetails``
  (``TestYarnCLI#testListClusterNodes``);
* ``hdfs-dfsadmin-report-hadoop3-states.txt`` is composed line by line
  from the code that prints ``hdfs dfsadmin -report`` (``DFSAdmin#report``,
  ``DatanodeInfo#getDatanodeReport``): every admin state it can print, a
  rack and upgrade domain, a datanode without reverse DNS, a dead one.

What the plugin decides from them (ready, decommissioned) is what is
checked: the state per node.
"""

import os

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins.vanilla import reports

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'fixtures')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def node(name, ip, fqdn=None):
    return base.NodeInfo(name=name, group='workers', fqdn=fqdn or name,
                         processes=('datanode', 'nodemanager'),
                         management_ip=ip, internal_ip=ip)


# -- yarn node -list ---------------------------------------------------------
def test_every_node_state_yarn_prints_is_read():
    rows = reports.parse_yarn_node_list(
        fixture('yarn-node-list-all-apache.txt'))
    assert [(r['node_id'], r['state']) for r in rows] == [
        ('host0:0', 'NEW'), ('host0:0', 'RUNNING'), ('host1:0', 'RUNNING'),
        ('host0:0', 'UNHEALTHY'), ('host0:0', 'DECOMMISSIONED'),
        ('host0:0', 'REBOOTED'), ('host0:0', 'LOST')]
    assert rows[2] == {'node_id': 'host1:0', 'host': 'host1', 'port': 0,
                       'state': 'RUNNING', 'http_address': 'host1:8888',
                       'containers': 0}


def test_a_running_registration_wins_over_older_ones():
    # "-All" lists a host once per registration; the plugin asks whether
    # a NodeManager is running there
    rows = reports.parse_yarn_node_list(
        fixture('yarn-node-list-all-apache.txt'))
    assert reports.nodemanager_state(rows, node('host0', '10.0.0.20')) == \
        'RUNNING'
    assert reports.nodemanager_state(rows, node('host1', '10.0.0.21')) == \
        'RUNNING'
    assert reports.nodemanager_state(rows, node('host2', '10.0.0.22')) is \
        None


def test_detail_lines_are_not_taken_for_nodes():
    rows = reports.parse_yarn_node_list(
        fixture('yarn-node-list-showdetails-apache.txt'))
    assert [(r['host'], r['state'], r['containers']) for r in rows] == [
        ('host0', 'RUNNING', 0), ('host1', 'RUNNING', 0)]


# -- hdfs dfsadmin -report -------------------------------------------------
@pytest.fixture(scope='module')
def report():
    return reports.parse_dfsadmin_report(
        fixture('hdfs-dfsadmin-report-hadoop3-states.txt'))


def test_every_section_and_entry_is_read(report):
    assert [(d['section'], d['hostname'], d['decommission_status'])
            for d in report] == [
        ('live', 'workers-0.cluster.example', 'Decommission in progress'),
        ('live', 'workers-1', 'Entering maintenance'),
        ('live', 'workers-2', 'Normal'),
        ('dead', 'workers-3', 'Decommissioned'),
        ('decommissioning', 'workers-0.cluster.example',
         'Decommission in progress'),
        ('entering maintenance', 'workers-1', 'Entering maintenance')]


def test_optional_lines_do_not_shift_the_fields(report):
    first = report[0]
    assert (first['ip'], first['port']) == ('10.0.0.11', 9866)
    assert first['rack'] == '/rack1'
    assert first['upgrade_domain'] == 'ud-1'
    assert first['num_of_blocks'] == '12'
    assert report[3]['last_block_report'] == 'Never'
    # no reverse DNS: the Name line has no "(host)", Hostname names it
    assert (report[1]['ip'], report[1]['hostname']) == \
        ('10.0.0.12', 'workers-1')


def test_the_state_the_plugin_reads_per_node(report):
    # a datanode is matched by its short host name or its address
    assert reports.datanode_state(report, node('workers-0', '10.0.0.11')) \
        == ('live', 'Decommission in progress')
    assert reports.datanode_state(report, node('x', '10.0.0.12')) == \
        ('live', 'Entering maintenance')
    assert reports.datanode_state(report, node('workers-2', '10.9.9.9')) \
        == ('live', 'Normal')
    assert reports.datanode_state(report, node('workers-3', '10.0.0.14')) \
        == ('dead', 'Decommissioned')
    assert reports.datanode_state(report, node('workers-9', '10.0.0.99')) \
        == (None, None)


def test_empty_sections_as_hadoop_asserts_them():
    # TestMaintenanceState#testReportMaintenanceNodes expects these two
    # headers from "-report -enteringmaintenance -inmaintenance" on a
    # cluster with no node in maintenance
    text = ('-------------------------------------------------\n'
            'Entering maintenance datanodes (0):\n\n'
            'In maintenance datanodes (0):\n\n')
    assert reports.parse_dfsadmin_report(text) == []
