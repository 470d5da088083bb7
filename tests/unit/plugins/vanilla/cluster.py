"""The vanilla test clusters: definitions (``spec``, ``example``), views
at any size (``cluster_info``) and a stand-in for Hadoop's admin
commands (``FakeHadoop``), shared by the vanilla plugin's test modules."""

import re
import xml.etree.ElementTree as ET

from heat_savanna.plugins import base
from heat_savanna.remote.ssh import CommandResult
from tests.unit.plugins import fakes

G = fakes.Group
MASTER = ('namenode', 'resourcemanager', 'historyserver')
WORKER = ('datanode', 'nodemanager')


def spec(*groups, **kw):
    kw.setdefault('plugin_version', '3.4.1')
    return fakes.Spec(node_groups=tuple(groups), plugin_name='vanilla', **kw)


def example(workers=100):
    return spec(G('master', 1, MASTER), G('workers', workers, WORKER,
                                          volumes_per_node=2),
                anti_affinity=('datanode',))


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


def node(cluster_info, name):
    """The node called ``name`` of ``cluster_info``."""
    found, = [n for n in cluster_info.nodes if n.name == name]
    return found
