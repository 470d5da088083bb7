"""Parsers of Hadoop's admin reports, the source of readiness and
decommission progress.

* ``hdfs dfsadmin -report``: sections ``Live datanodes (N):``,
  ``Dead datanodes (N):``, ``Decommissioning datanodes (N):`` ... each
  with one ``Name: ip:port (host)`` block per datanode, whose
  ``Decommission Status :`` is ``Normal``, ``Decommission in progress``
  or ``Decommissioned`` (also maintenance states).
* ``yarn node -list [-all]``: a ``Total Nodes:N`` line, a header and one
  row per NodeManager: ``host:port  STATE  host:http  containers``.
"""

import re

_SECTION = re.compile(r'^([A-Za-z][A-Za-z ]*?) datanodes \((\d+)\):\s*$')
_NAME = re.compile(r'^Name:\s*([^\s:]+):(\d+)\s*(?:\(([^)]*)\))?')

NODE_STATES = frozenset(['NEW', 'RUNNING', 'UNHEALTHY', 'DECOMMISSIONED',
                         'DECOMMISSIONING', 'LOST', 'REBOOTED', 'SHUTDOWN'])


def parse_dfsadmin_report(text):
    """``[{'ip', 'port', 'hostname', 'section', 'decommission_status',
    ...}]`` one dict per datanode block (section lower-cased: ``live``,
    ``dead``, ``decommissioning``, ...)."""
    nodes = []
    section = None
    current = None
    for raw in (text or '').splitlines():
        line = raw.strip()
        m = _SECTION.match(line)
        if m:
            section = m.group(1).strip().lower()
            current = None
            continue
        m = _NAME.match(line)
        if m and section is not None:
            current = {'ip': m.group(1), 'port': int(m.group(2)),
                       'hostname': m.group(3) or m.group(1),
                       'section': section}
            nodes.append(current)
            continue
        if current is not None and ':' in line:
            key, _, value = line.partition(':')
            key = key.strip().lower().replace(' ', '_')
            if key == 'hostname':
                current['hostname'] = value.strip()
            else:
                current[key] = value.strip()
    return nodes


def parse_yarn_node_list(text):
    """``[{'node_id', 'host', 'port', 'state', 'http_address',
    'containers'}]`` from ``yarn node -list`` output."""
    nodes = []
    for raw in (text or '').splitlines():
        parts = raw.split()
        if len(parts) < 2 or parts[1] not in NODE_STATES or \
                ':' not in parts[0]:
            continue
        host, _, port = parts[0].rpartition(':')
        nodes.append({
            'node_id': parts[0], 'host': host,
            'port': int(port) if port.isdigit() else None,
            'state': parts[1],
            'http_address': parts[2] if len(parts) > 2 else None,
            'containers': int(parts[3]) if len(parts) > 3 and
            parts[3].isdigit() else None,
        })
    return nodes


def _matches(entry_host, entry_ip, node):
    names = {node.name, node.internal_ip, node.fqdn}
    short = (entry_host or '').split('.')[0]
    return bool({entry_host, entry_ip, short} & names)


def datanode_state(report, node):
    """``(section, decommission_status)`` of ``node`` in a parsed report
    (the live entry wins), or ``(None, None)`` if absent."""
    found = [d for d in report if _matches(d.get('hostname'), d.get('ip'),
                                           node)]
    found.sort(key=lambda d: d['section'] != 'live')
    if not found:
        return None, None
    return found[0]['section'], found[0].get('decommission_status')


def nodemanager_state(node_list, node):
    """State of ``node``'s NodeManager (RUNNING wins), or None."""
    states = [n['state'] for n in node_list
              if _matches(n['host'], n['host'], node)]
    if 'RUNNING' in states:
        return 'RUNNING'
    return states[0] if states else None


# -- judges -------------------------------------------------------------------
# This module imports only the standard library on purpose: the SSH
# transport calls these in the engine, and the Heat agent transport runs
# this module's source on a node (see base.Probe).
class NodeRef(object):
    """What the judges know of a node (a NodeInfo has the same names)."""

    def __init__(self, name, internal_ip, fqdn=None):
        self.name, self.internal_ip, self.fqdn = name, internal_ip, fqdn


def datanode_ready(report, node):
    """``node`` is a live datanode, in normal service."""
    section, status = datanode_state(report, node)
    return section == 'live' and status in (None, 'Normal')


def datanode_decommissioned(report, node):
    """``node`` is decommissioned (or no longer listed)."""
    section, status = datanode_state(report, node)
    return section is None or status == 'Decommissioned'


#: NodeManager states of a node still in service
IN_SERVICE = ('RUNNING', 'DECOMMISSIONING', 'NEW', 'UNHEALTHY')


def nodemanager_ready(node_list, node):
    return nodemanager_state(node_list, node) == 'RUNNING'


def nodemanager_decommissioned(node_list, node):
    return nodemanager_state(node_list, node) not in IN_SERVICE


def report_says(text, judge, name, internal_ip, fqdn=''):
    """``judge`` (a datanode_* function name) on a dfsadmin report text."""
    return globals()[judge](parse_dfsadmin_report(text),
                            NodeRef(name, internal_ip, fqdn or None))


def node_list_says(text, judge, name, internal_ip, fqdn=''):
    """``judge`` (a nodemanager_* function name) on a node list text."""
    return globals()[judge](parse_yarn_node_list(text),
                            NodeRef(name, internal_ip, fqdn or None))
