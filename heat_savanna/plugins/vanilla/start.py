"""Start order, commands and readiness of a vanilla Hadoop 3 cluster.

Order: configure every node; format the namenode once (guarded by a
marker file: never reformat a live filesystem); start namenode,
secondarynamenode, resourcemanager; then datanodes and nodemanagers in
parallel; wait until ``hdfs dfsadmin -report`` lists every datanode live
and ``yarn node -list`` every nodemanager RUNNING; create the HDFS
directories MapReduce needs; start the job history server.

Daemons are started by root with ``hdfs|yarn|mapred --daemon start``;
hadoop-env.sh sets ``HDFS_*_USER`` / ``YARN_*_USER`` so Hadoop switches
to the ``hadoop`` user itself. Admin commands run as that user (the HDFS
superuser) through ``runuser``.
"""

import dataclasses
import shlex

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import reports
from heat_savanna.plugins import watch as watch_mod
from heat_savanna.remote import volumes

# process -> (command, daemon name)
DAEMONS = {
    'namenode': ('hdfs', 'namenode'),
    'secondarynamenode': ('hdfs', 'secondarynamenode'),
    'datanode': ('hdfs', 'datanode'),
    'resourcemanager': ('yarn', 'resourcemanager'),
    'nodemanager': ('yarn', 'nodemanager'),
    'historyserver': ('mapred', 'historyserver'),
}
FORMATTED_MARKER = '.savanna-namenode-formatted'


def _general_settings(cluster_info, node=None):
    return config.settings(cluster_info, node)['general']


def hadoop(cluster_info, node, tool, args):
    """``tool`` (hdfs/yarn/mapred) command line with the cluster env;
    ``args`` is a constant of this module (never a template value)."""
    g = _general_settings(cluster_info, node)
    q = shlex.quote
    return 'HADOOP_HOME=%s HADOOP_CONF_DIR=%s %s %s' % (
        q(g['hadoop_home']), q(g['conf_dir']),
        q('%s/bin/%s' % (g['hadoop_home'], tool)), args)


def as_hadoop_user(cluster_info, node, tool, args):
    """An admin command run as the Hadoop user (HDFS superuser)."""
    user = _general_settings(cluster_info, node)['hadoop_user']
    return 'runuser -u %s -- env %s' % (
        shlex.quote(user), hadoop(cluster_info, node, tool, args))


def daemon_command(cluster_info, node, process, action):
    tool, daemon = DAEMONS[process]
    return hadoop(cluster_info, node, tool, '--daemon %s %s'
                  % (action, daemon))


def start_command(cluster_info, node, process):
    """Idempotent start: nothing if the daemon already runs."""
    status = daemon_command(cluster_info, node, process, 'status')
    return '%s >/dev/null 2>&1 || %s' % (
        status, daemon_command(cluster_info, node, process, 'start'))


def configure_commands(cluster_info, node):
    """Shell run before the files are written: volumes, user, dirs."""
    g = _general_settings(cluster_info, node)
    user = shlex.quote(g['hadoop_user'])
    dirs = config.data_dirs(cluster_info, node)
    owned = [d for d in dirs if d != g['conf_dir']]
    return [
        volumes.prepare_volumes_script(node.volumes).rstrip('\n'),
        # idempotent under any interleaving: a useradd that lost a race
        # ("already exists") is fine once the user is there
        'id -u %s >/dev/null 2>&1 || useradd --system --create-home '
        '--shell /bin/bash %s || id -u %s >/dev/null 2>&1'
        % (user, user, user),
        'mkdir -p %s' % ' '.join(shlex.quote(d) for d in dirs),
        'chown -R %s:%s %s' % (user, user,
                               ' '.join(shlex.quote(d) for d in owned)),
    ]


def format_command(cluster_info, node):
    g = _general_settings(cluster_info, node)
    marker = shlex.quote('%s/%s' % (g['data_dir'], FORMATTED_MARKER))
    fmt = as_hadoop_user(cluster_info, node, 'hdfs',
                         'namenode -format -nonInteractive -clusterId %s'
                         % shlex.quote('CID-%s' % cluster_info.name))
    return 'test -e %s || { %s && touch %s; }' % (marker, fmt, marker)


def hdfs_dirs_command(cluster_info, node):
    return as_hadoop_user(
        cluster_info, node, 'hdfs',
        'dfs -mkdir -p /tmp /user /mr-history/tmp /mr-history/done '
        '/app-logs') + ' && ' + as_hadoop_user(
        cluster_info, node, 'hdfs', 'dfs -chmod 1777 /tmp /app-logs')


def report_command(cluster_info, node):
    return as_hadoop_user(cluster_info, node, 'hdfs', 'dfsadmin -report')


def node_list_command(cluster_info, node):
    return as_hadoop_user(cluster_info, node, 'yarn', 'node -list -all')


def refresh_command(cluster_info, node):
    """Re-read include/exclude files on whichever master ``node`` is."""
    cmds = []
    if node.has('namenode'):
        cmds.append(as_hadoop_user(cluster_info, node, 'hdfs',
                                   'dfsadmin -refreshNodes'))
    if node.has('resourcemanager'):
        cmds.append(as_hadoop_user(cluster_info, node, 'yarn',
                                   'rmadmin -refreshNodes'))
    return ' && '.join(cmds)


# -- the image ----------------------------------------------------------------
def image_requirements(cluster_info, node):
    """What ``node``'s image must have: the hdfs/yarn/mapred launchers
    its processes need under hadoop_home, Hadoop's common jar of
    plugin_version, Java, and runuser (admin commands run through it)."""
    g = _general_settings(cluster_info, node)
    home, q = g['hadoop_home'], shlex.quote
    tools = ['hdfs']
    if node.has('resourcemanager') or node.has('nodemanager'):
        tools.append('yarn')
    if node.has('historyserver'):
        tools.append('mapred')
    reqs = [utils.Requirement('%s/bin/%s' % (home, tool),
                              'test -x %s' % q('%s/bin/%s' % (home, tool)))
            for tool in tools]
    common = home + '/share/hadoop/common'
    version = cluster_info.plugin_version
    reqs.append(utils.Requirement(
        '%s/hadoop-common-%s.jar' % (common, version),
        'test -e %s' % q('%s/hadoop-common-%s.jar' % (common, version)),
        found='ls %s | grep "^hadoop-common-[0-9]"' % q(common)))
    reqs.append(utils.java_requirement(g.get('java_home')))
    reqs.append(utils.Requirement('runuser', 'command -v runuser '
                                             '>/dev/null 2>&1'))
    return reqs


def check_image_step(cluster_info, nodes):
    """The first step: every node's image has Hadoop plugin_version."""
    return utils.image_check_step(cluster_info, nodes, 'Hadoop',
                                  image_requirements, 'general.hadoop_home')


# -- work -------------------------------------------------------------------
def configure_work(cluster_info, files=config.node_files):
    def work(node):
        setup = ''
        if files is config.node_files:
            setup = ' && '.join(configure_commands(cluster_info, node))
        # one root session per node: set-up and every file together
        return base.NodeWork(setup=setup, files=tuple(utils.file_entries(
            files(cluster_info, node))))
    return work


def command_work(cluster_info, make_command, timeout=300):
    def work(node):
        cmd = make_command(cluster_info, node)
        return base.NodeWork(commands=(cmd,) if cmd else (),
                             timeout=timeout)
    return work


def start_work(cluster_info, processes):
    """Start, on each node, those of ``processes`` it runs (in order)."""
    def make(ci, node):
        return ' && '.join('{ %s; }' % start_command(ci, node, p)
                           for p in processes if node.has(p))
    return command_work(cluster_info, make)


# -- readiness -------------------------------------------------------------
# Over SSH the admin command runs on the master that answers it (the
# namenode, the resourcemanager); with the agent every node runs it
# itself (each has Hadoop and the cluster's configuration).
#: the admin command and judge of each member process
MEMBER_SOURCES = {
    'datanode': ('namenode', report_command, reports.report_says),
    'nodemanager': ('resourcemanager', node_list_command,
                    reports.node_list_says),
}


def service_up_wait(cluster_info, process):
    """Wait: the namenode / resourcemanager answers its admin command."""
    node = cluster_info.node_running(process)
    make = report_command if process == 'namenode' else node_list_command
    probe = base.Probe(make(cluster_info, node), at=node,
                       awaiting='%s does not answer' % process,
                       fetch_timeout=60)
    return lambda _node: (probe,)


def member_probe(cluster_info, process, judge, awaiting):
    """``node`` -> a Probe: ``judge`` (a reports.datanode_* /
    nodemanager_* name) holds for the node in the namenode's report /
    resourcemanager's list."""
    master_process, fetch, says = MEMBER_SOURCES[process]
    master = cluster_info.node_running(master_process)

    def probe(node):
        return base.Probe(fetch(cluster_info, master), says,
                          (judge, node.name, node.internal_ip,
                           node.fqdn or ''), at=master, awaiting=awaiting,
                          fetch_timeout=60)
    return probe


def service_wait_step(cluster_info, process):
    conf = savanna_config.CONF.savanna
    return base.Step('wait for %s' % process,
                     nodes=(cluster_info.node_running(process),),
                     wait=service_up_wait(cluster_info, process),
                     timeout=conf.service_start_timeout,
                     poll_interval=conf.provisioning_poll_interval)


def members_wait(cluster_info, process):
    """Wait: the node is a live datanode / RUNNING nodemanager."""
    judge = 'datanode_ready' if process == 'datanode' else \
        'nodemanager_ready'
    probe = member_probe(cluster_info, process, judge,
                         '%s not ready' % process)
    return lambda node: (probe(node),)


def members_wait_step(cluster_info, process, nodes):
    conf = savanna_config.CONF.savanna
    return base.Step('wait for %ss' % process, nodes=tuple(nodes),
                     wait=members_wait(cluster_info, process),
                     timeout=conf.service_start_timeout,
                     poll_interval=conf.provisioning_poll_interval)


def start_steps(cluster_info, members):
    """Steps from the namenode format to the history server; ``members``
    are the datanode/nodemanager nodes to start."""
    nn = cluster_info.node_running('namenode')
    snn = cluster_info.node_running('secondarynamenode')
    rm = cluster_info.node_running('resourcemanager')
    hs = cluster_info.node_running('historyserver')
    steps = [
        base.Step('format HDFS namenode', nodes=(nn,),
                  work=command_work(cluster_info, format_command)),
        base.Step('start namenode', nodes=(nn,),
                  work=start_work(cluster_info, ['namenode'])),
        service_wait_step(cluster_info, 'namenode'),
    ]
    if snn is not None:
        steps.append(base.Step('start secondarynamenode', nodes=(snn,),
                               work=start_work(cluster_info,
                                               ['secondarynamenode'])))
    if rm is not None:
        steps += [
            base.Step('start resourcemanager', nodes=(rm,),
                      work=start_work(cluster_info, ['resourcemanager'])),
            service_wait_step(cluster_info, 'resourcemanager'),
        ]
    steps += member_start_steps(cluster_info, members)
    steps.append(base.Step('create HDFS directories', nodes=(nn,),
                           work=command_work(cluster_info,
                                             hdfs_dirs_command)))
    if hs is not None:
        steps.append(base.Step('start job history server', nodes=(hs,),
                               work=start_work(cluster_info,
                                               ['historyserver'])))
    return steps


def member_start_steps(cluster_info, members):
    datanodes = tuple(n for n in members if n.has('datanode'))
    nms = tuple(n for n in members if n.has('nodemanager'))
    steps = []
    if datanodes or nms:
        steps.append(base.Step(
            'start datanodes and nodemanagers',
            nodes=tuple(n for n in members
                        if n.has('datanode') or n.has('nodemanager')),
            work=start_work(cluster_info, ['datanode', 'nodemanager'])))
    if datanodes:
        steps.append(members_wait_step(cluster_info, 'datanode', datanodes))
    if nms and cluster_info.node_running('resourcemanager') is not None:
        steps.append(members_wait_step(cluster_info, 'nodemanager', nms))
    return steps


def create_steps(cluster_info):
    members = [n for n in cluster_info.nodes
               if n.has('datanode') or n.has('nodemanager')]
    return [check_image_step(cluster_info, cluster_info.nodes),
            base.Step('configure Hadoop nodes', nodes=tuple(
                cluster_info.nodes), work=configure_work(cluster_info))
            ] + start_steps(cluster_info, members)


# -- health -------------------------------------------------------------------
def health_steps(cluster_info):
    def alive(node):
        processes = [p for p in DAEMONS if node.has(p)]
        # one status command per daemon, each reporting its own name
        script = '; '.join(
            '%s >/dev/null 2>&1 || echo %s' % (
                daemon_command(cluster_info, node, p, 'status'), p)
            for p in processes)
        check = 'down=$( %s ); [ -z "$down" ] || { echo $down; exit 1; }' \
            % script if processes else 'true'

        def explain(exit_code, stdout):
            return 'not running: %s' % ', '.join(
                (stdout or '').split()) if exit_code == 1 else None
        return base.NodeWork(commands=(check,), timeout=60,
                             explain=explain)

    conf = savanna_config.CONF.savanna
    steps = [base.Step('check Hadoop daemons',
                       nodes=tuple(cluster_info.nodes), work=alive)]
    datanodes = tuple(cluster_info.nodes_with('datanode'))
    if datanodes and cluster_info.node_running('namenode') is not None:
        # the engine judges the namenode's report over SSH, each
        # datanode's agent the report it reads itself: the same judge
        steps.append(base.Step(
            'check datanodes live', nodes=datanodes,
            wait=members_wait(cluster_info, 'datanode'),
            timeout=30, poll_interval=conf.provisioning_poll_interval))
    return steps


def watch(cluster_info):
    """The auto-heal watchdog's rules: the namenode's report shows each
    datanode live, the resourcemanager's list each nodemanager RUNNING
    (both as Hadoop's own liveness rules say: a lost datanode shows dead
    only after ``dfs.namenode.heartbeat.recheck-interval`` and the
    heartbeats, 10.5 minutes by default), and the first worker sees the
    namenode and the resourcemanager answer."""
    watches = []
    for process, judge in (('datanode', 'datanode_ready'),
                           ('nodemanager', 'nodemanager_ready')):
        master = cluster_info.node_running(MEMBER_SOURCES[process][0])
        if master is None:
            continue
        probe = member_probe(cluster_info, process, judge,
                             '%s not live' % process)
        watches += [watch_mod.Watch(n, probe(n))
                    for n in cluster_info.nodes_with(process)
                    if n.name != master.name]
    watcher = next((w.node for w in watches), None)
    for process in ('namenode', 'resourcemanager'):
        node = cluster_info.node_running(process)
        if node is None or watcher is None or node.name == watcher.name:
            continue
        answer = service_up_wait(cluster_info, process)(node)[0]
        watches.append(watch_mod.Watch(
            node, dataclasses.replace(answer, at=watcher)))
    return watches
