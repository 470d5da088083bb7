"""Starting Spark daemons and telling when they are ready.

Daemons are started with ``sbin/spark-daemon.sh`` (the pyspark wheel has
it, but not start-master.sh / start-worker.sh). Every start is
idempotent (``status || start``) so a step retried after an engine
restart does not fail on an already running daemon. Readiness is read
from the master's ``/json/`` status page, fetched on the master node
itself (the engine may not reach port 8080).
"""

import dataclasses
import shlex

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import status
from heat_savanna.plugins import watch as watch_mod
from heat_savanna.remote import volumes


def daemon_command(cluster_info, node, action, cls, *args):
    """A ``spark-daemon.sh`` command line for ``node``."""
    g = config.settings(cluster_info, node)['general']
    q = shlex.quote
    return ('SPARK_HOME={home} SPARK_CONF_DIR={conf} '
            'bash {home}/sbin/spark-daemon.sh --config {conf} {action} '
            '{cls} 1{args}').format(
                home=q(g['spark_home']), conf=q(g['conf_dir']),
                action=action, cls=cls,
                args=''.join(' ' + q(str(a)) for a in args))


def ensure_running_command(cluster_info, node, cls, *args):
    """Start ``cls`` unless running, then fail unless it runs."""
    status = daemon_command(cluster_info, node, 'status', cls)
    start = daemon_command(cluster_info, node, 'start', cls, *args)
    return '%s >/dev/null 2>&1 || { %s && sleep 1 && %s; }' % (
        status, start, status)


def master_command(cluster_info, node):
    g = config.settings(cluster_info, node)['general']
    return ensure_running_command(
        cluster_info, node, config.MASTER_CLASS, '--host', node.internal_ip,
        '--port', g['master_port'], '--webui-port', g['master_webui_port'])


def worker_command(cluster_info, node):
    g = config.settings(cluster_info, node)['general']
    return ensure_running_command(
        cluster_info, node, config.WORKER_CLASS, '--host', node.internal_ip,
        '--webui-port', g['worker_webui_port'],
        config.master_url(cluster_info))


def history_command(cluster_info, node):
    return ensure_running_command(cluster_info, node, config.HISTORY_CLASS)


def fetch_command(url):
    """Print ``url`` from the node: curl, or python3 if curl is absent."""
    py = ('import sys,urllib.request;sys.stdout.write(urllib.request.'
          'urlopen(sys.argv[1],timeout=5).read().decode())')
    return 'curl -sf -m 5 %s 2>/dev/null || python3 -c %s %s' % (
        shlex.quote(url), shlex.quote(py), shlex.quote(url))


# -- the master's status page (judged by status.py) ---------------------------
def master_status_command(cluster_info):
    """Prints the master's /json/ page; runs on any node of the cluster
    (the engine may not reach port 8080, the nodes do)."""
    return fetch_command(config.master_json_url(cluster_info))


def master_probe(cluster_info, judge, args=(), awaiting='not ready'):
    """A :class:`~heat_savanna.plugins.base.Probe` judging the master's
    status page with ``judge(page, *args)`` (a function of status.py);
    over SSH the page is fetched on the master."""
    return base.Probe(master_status_command(cluster_info), judge,
                      tuple(args), at=cluster_info.node_running('master'),
                      awaiting=awaiting, fetch_timeout=15)


# -- the image ----------------------------------------------------------------
def image_requirements(cluster_info, node):
    """What ``node``'s image must have: Spark's launcher and daemon
    script under spark_home, the Spark jars of plugin_version, Java."""
    g = config.settings(cluster_info, node)['general']
    home, q = g['spark_home'], shlex.quote
    jars = home + '/jars'
    version = cluster_info.plugin_version
    reqs = [utils.Requirement(path, 'test -x %s' % q(path))
            for path in (home + '/bin/spark-class',
                         home + '/sbin/spark-daemon.sh')]
    reqs.append(utils.Requirement(
        '%s/spark-core_*-%s.jar' % (jars, version),
        'ls %s/spark-core_*-%s.jar >/dev/null 2>&1' % (q(jars), q(version)),
        found='ls %s | grep "^spark-core_"' % q(jars)))
    reqs.append(utils.java_requirement(g.get('java_home')))
    return reqs


def check_image_step(cluster_info, nodes):
    """The first step: every node's image has Spark plugin_version."""
    return utils.image_check_step(cluster_info, nodes, 'Spark',
                                  image_requirements, 'general.spark_home')


# -- steps ------------------------------------------------------------------
def configure_work(cluster_info, files=config.node_files):
    """Work writing the directories (and preparing the volumes) and the
    files of each node, in one root session."""
    def work(node):
        dirs = ' '.join(shlex.quote(d)
                        for d in config.directories(cluster_info, node))
        script = volumes.prepare_volumes_script(node.volumes)
        return base.NodeWork(
            setup='%smkdir -p %s' % (script, dirs),
            files=tuple(utils.file_entries(files(cluster_info, node))))
    return work


def files_work(cluster_info, files):
    """Work rewriting ``files(cluster_info, node)`` only (member lists)."""
    def work(node):
        return base.NodeWork(files=tuple(utils.file_entries(
            files(cluster_info, node))))
    return work


def command_work(cluster_info, make_command, timeout=120):
    """Work running ``make_command(cluster_info, node)`` as root."""
    def work(node):
        return base.NodeWork(commands=(make_command(cluster_info, node),),
                             timeout=timeout)
    return work


def master_alive_wait(cluster_info):
    """Wait: the master's status page says ALIVE."""
    probe = master_probe(cluster_info, status.master_alive,
                         awaiting='Spark master not ALIVE')
    return lambda node: (probe,)


#: what a worker wait awaits, by judge
AWAITING = {
    status.worker_alive: 'worker not registered ALIVE with the master',
    status.worker_gone: 'worker still ALIVE at the master',
}


def worker_wait(cluster_info, judge=status.worker_alive, *extra):
    """Wait: ``judge(master page, worker address, *extra)`` holds for
    each worker (``extra`` may hold :data:`base.MARK`)."""
    awaiting = AWAITING.get(judge, 'not ready')
    if extra:
        awaiting = 'worker not registered again with the master'

    def wait(node):
        return (master_probe(cluster_info, judge,
                             (node.internal_ip,) + extra, awaiting),)
    return wait


def wait_workers_step(cluster_info, name, workers):
    """Wait until ``workers`` (those still in the run) are ALIVE at the
    master."""
    conf = savanna_config.CONF.savanna
    return base.Step(name, nodes=tuple(workers),
                     wait=worker_wait(cluster_info),
                     timeout=conf.service_start_timeout,
                     poll_interval=conf.provisioning_poll_interval)


def start_workers_step(cluster_info, name, workers):
    return base.Step(name, nodes=tuple(workers),
                     work=command_work(cluster_info, worker_command))


def master_steps(cluster_info):
    """Start the master (if not running) and wait until it is ALIVE."""
    conf = savanna_config.CONF.savanna
    master = cluster_info.node_running('master')
    return [
        base.Step('start Spark master', nodes=(master,),
                  work=command_work(cluster_info, master_command)),
        base.Step('wait for Spark master', nodes=(master,),
                  wait=master_alive_wait(cluster_info),
                  timeout=conf.service_start_timeout,
                  poll_interval=conf.provisioning_poll_interval),
    ]


def start_steps(cluster_info, workers):
    """Steps starting the master (if not running), ``workers`` and the
    history server, with their readiness waits."""
    history = cluster_info.nodes_with('historyserver')
    steps = master_steps(cluster_info)
    if workers:
        steps += [
            start_workers_step(cluster_info, 'start Spark workers', workers),
            wait_workers_step(cluster_info, 'wait for Spark workers',
                              workers),
        ]
    if history:
        steps.append(base.Step(
            'start Spark history server', nodes=tuple(history),
            work=command_work(cluster_info, history_command)))
    return steps


def create_steps(cluster_info):
    return [check_image_step(cluster_info, cluster_info.nodes),
            base.Step('configure Spark nodes', nodes=tuple(
                cluster_info.nodes), work=configure_work(cluster_info))
            ] + start_steps(cluster_info, cluster_info.nodes_with('worker'))


# -- health -------------------------------------------------------------------
def _short(cls):
    return cls.rsplit('.', 1)[-1]


def status_work(cluster_info, cls, alive_judge=False):
    """Work failing unless ``cls`` runs on the node (and, for the master,
    its status page says ALIVE)."""
    def work(node):
        commands = [daemon_command(cluster_info, node, 'status', cls)]
        if alive_judge:
            commands.append(master_probe(
                cluster_info, status.master_alive).command())

        def explain(exit_code, stdout):
            if not (stdout or '').strip() and alive_judge:
                return 'Spark master on %s does not report ALIVE' % (
                    node.name)
            return '%s is not running on %s: %s' % (
                _short(cls), node.name, (stdout or '').strip()[-200:])
        # status reads answer in seconds; a short limit also bounds how
        # long a check (an automatic heal's re-check) waits on a silent
        # node's agent
        return base.NodeWork(commands=tuple(commands), timeout=30,
                             explain=explain)
    return work


def health_steps(cluster_info):
    master = cluster_info.node_running('master')
    workers = tuple(cluster_info.nodes_with('worker'))
    history = tuple(cluster_info.nodes_with('historyserver'))
    steps = []
    if master is not None:
        steps.append(base.Step('check Spark master', nodes=(master,),
                               work=status_work(cluster_info,
                                                config.MASTER_CLASS, True)))
    if workers:
        steps.append(base.Step('check Spark workers', nodes=workers,
                               work=status_work(cluster_info,
                                                config.WORKER_CLASS)))
    if history:
        steps.append(base.Step('check Spark history server', nodes=history,
                               work=status_work(cluster_info,
                                                config.HISTORY_CLASS)))
    return steps


def watch(cluster_info):
    """The auto-heal watchdog's rules: the master sees each worker ALIVE
    (Spark drops a worker whose connection is lost), and the first
    worker sees the master ALIVE (so losing the master is seen too)."""
    master = cluster_info.node_running('master')
    if master is None:
        return []
    workers = [w for w in cluster_info.nodes_with('worker')
               if w.name != master.name]
    watches = [watch_mod.Watch(w, master_probe(
        cluster_info, status.worker_alive, (w.internal_ip,),
        AWAITING[status.worker_alive])) for w in workers]
    if workers:
        seen = master_probe(cluster_info, status.master_alive,
                            awaiting='Spark master not ALIVE')
        watches.append(watch_mod.Watch(
            master, dataclasses.replace(seen, at=workers[0])))
    return watches
