"""Scale-up and decommission of Hadoop datanodes / nodemanagers.

Scale-up: new nodes are configured, added to the include files on the
namenode and resourcemanager, the masters re-read them
(``-refreshNodes``), then the new daemons start and must register.

Decommission (HDFS re-replicates the leaving nodes' blocks first): the
leaving nodes go into the exclude files, both masters ``-refreshNodes``,
we wait until ``dfsadmin -report`` says ``Decommissioned`` (and YARN
DECOMMISSIONED) for each (bounded by ``[savanna] decommission_timeout``;
on timeout the step fails and nothing is removed), then their daemons
stop, and the include/exclude files are rewritten without them.
"""

import dataclasses

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import start


def _masters(cluster_info):
    seen = {}
    for process in ('namenode', 'resourcemanager'):
        node = cluster_info.node_running(process)
        if node is not None:
            seen[node.name] = node
    return tuple(seen.values())


def _files_work(cluster_info, excluded=(), refresh=False):
    """Work rewriting the member lists; with ``refresh``, the masters
    re-read their include/exclude files afterwards."""
    def work(node):
        cmd = start.refresh_command(cluster_info, node) if refresh else ''
        return base.NodeWork(
            files=tuple(utils.file_entries(config.shared_files(
                cluster_info, node, excluded))),
            commands=(cmd,) if cmd else (), timeout=120)
    return work


def scale_up_steps(cluster_info, new_nodes):
    new = {n.name for n in new_nodes}
    old = tuple(n for n in cluster_info.nodes if n.name not in new)
    masters = {n.name for n in _masters(cluster_info)}
    steps = [start.check_image_step(cluster_info, new_nodes),
             base.Step('configure new Hadoop nodes', nodes=tuple(new_nodes),
                       work=start.configure_work(cluster_info))]
    others = tuple(n for n in old if n.name not in masters)
    if others:
        steps.append(base.Step('update cluster files', nodes=others,
                               work=_files_work(cluster_info)))
    steps.append(base.Step(
        'include new nodes', nodes=tuple(n for n in old
                                         if n.name in masters),
        work=_files_work(cluster_info, refresh=True)))
    steps += start.member_start_steps(cluster_info, list(new_nodes))
    return steps


def membership_steps(cluster_info):
    """/etc/hosts, workers and include files rewritten from
    ``cluster_info``; the namenode and resourcemanager re-read their
    include files (``-refreshNodes``), so a node left out is no longer
    expected by either."""
    masters = {n.name for n in _masters(cluster_info)}
    others = tuple(n for n in cluster_info.nodes if n.name not in masters)
    steps = []
    if others:
        steps.append(base.Step('update member lists', nodes=others,
                               work=_files_work(cluster_info)))
    if masters:
        steps.append(base.Step(
            'update member lists on the masters',
            nodes=tuple(n for n in cluster_info.nodes if n.name in masters),
            work=_files_work(cluster_info, refresh=True)))
    return steps


def decommissioned_wait(cluster_info):
    """Wait: the node is decommissioned in HDFS and YARN (what it runs of
    them)."""
    datanode = start.member_probe(
        cluster_info, 'datanode', 'datanode_decommissioned',
        'HDFS decommission not finished')
    nodemanager = start.member_probe(
        cluster_info, 'nodemanager', 'nodemanager_decommissioned',
        'YARN decommission not finished')
    has_rm = cluster_info.node_running('resourcemanager') is not None

    def wait(node):
        probes = []
        if node.has('datanode'):
            probes.append(datanode(node))
        if node.has('nodemanager') and has_rm:
            probes.append(nodemanager(node))
        return tuple(probes)
    return wait


def stop_command(cluster_info, node):
    return ' ; '.join(start.daemon_command(cluster_info, node, p, 'stop')
                      for p in ('nodemanager', 'datanode') if node.has(p))


def decommission_steps(cluster_info, leaving_nodes):
    conf = savanna_config.CONF.savanna
    leaving = tuple(leaving_nodes)
    names = {n.name for n in leaving}
    masters = tuple(m for m in _masters(cluster_info) if m.name not in names)
    staying = tuple(n for n in cluster_info.nodes if n.name not in names)
    remaining = dataclasses.replace(cluster_info, nodes=staying)
    steps = [
        base.Step('exclude leaving nodes', nodes=masters,
                  work=_files_work(cluster_info, excluded=names,
                                   refresh=True)),
        # On timeout the nodes still decommissioning are marked failed
        # (phase 'wait for decommission') and are NOT stopped by the next
        # step: their blocks may have no other replica yet.
        base.Step('wait for decommission', nodes=leaving,
                  wait=decommissioned_wait(cluster_info),
                  timeout=conf.decommission_timeout,
                  poll_interval=conf.provisioning_poll_interval),
        base.Step('stop decommissioned daemons', nodes=leaving,
                  work=start.command_work(cluster_info, stop_command)),
        base.Step('update cluster files', nodes=tuple(
            n for n in staying if n.name not in {m.name for m in masters}),
            work=_files_work(remaining)),
        base.Step('forget removed nodes', nodes=masters,
                  work=_files_work(remaining, refresh=True)),
    ]
    return [s for s in steps if s.nodes]
