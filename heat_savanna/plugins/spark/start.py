"""Starting Spark daemons and telling when they are ready.

Daemons are started with ``sbin/spark-daemon.sh`` (the pyspark wheel has
it, but not start-master.sh / start-worker.sh). Every start is
idempotent (``status || start``) so a step retried after an engine
restart does not fail on an already running daemon. Readiness is read
from the master's ``/json/`` status page, fetched on the master node
itself (the engine may not reach port 8080).
"""

import shlex

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.spark import config
from heat_savanna.plugins.spark import status
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
parse_master_json = status.parse_master_json
worker_states = status.worker_states


def master_status_command(cluster_info):
    """Prints the master's /json/ page; runs on any node of the cluster
    (the engine may not reach port 8080, the nodes do)."""
    return fetch_command(config.master_json_url(cluster_info))


def read_master_status(remote, cluster_info):
    master = cluster_info.node_running('master')
    result = utils.probe(remote, master_status_command(cluster_info),
                         timeout=15)
    if result.exit_code != 0:
        return None, 'master status page not answering (exit %d)' % (
            result.exit_code)
    try:
        return parse_master_json(result.stdout), None
    except ValueError as exc:
        return None, 'bad master status on %s: %s' % (master.name, exc)


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


def master_alive_check(cluster_info):
    master = cluster_info.node_running('master')

    def check(remotes):
        page, error = read_master_status(remotes(master), cluster_info)
        if page is None:
            return False, error
        if not status.master_alive(page):
            return False, 'Spark master is %s' % page.get('status')
        return True, 'Spark master ALIVE at %s' % page.get('url')
    return check


def master_alive_probe(cluster_info):
    def probe(node):
        return utils.judge_command(master_status_command(cluster_info),
                                   status.master_alive)
    return probe


def workers_alive_check(cluster_info, workers, deadline_seconds,
                        want_alive=True, started=None):
    """Wait-step check: every node of ``workers`` (only those in the
    ``started`` set, if given) registered ALIVE with the master
    (``want_alive=False``: none is ALIVE any more). Not done yet, it names
    the nodes still awaited; after ``deadline_seconds`` it returns done
    and names the laggards as failed."""
    master = cluster_info.node_running('master')

    def read(remotes):
        return read_master_status(remotes(master), cluster_info)

    def awaited(page, workers):
        states = status.worker_states(page)
        if want_alive:
            pending = [n for n in workers
                       if not status.worker_alive(page, n.internal_ip)]
            done = len(workers) - len(pending)
            detail = '%d/%d Spark workers alive' % (done, len(workers))
            reason = 'worker not registered ALIVE with the master ' \
                     'after %ss (state: %s)'
        else:
            pending = [n for n in workers
                       if not status.worker_gone(page, n.internal_ip)]
            detail = '%d/%d Spark workers decommissioned' % (
                len(workers) - len(pending), len(workers))
            reason = 'worker still ALIVE at the master after %ss (%s)'
        return detail, {n.name: reason % (deadline_seconds, states.get(
            n.internal_ip, 'absent')) for n in pending}
    # a drain that never ends must not block the scale-down: the workers
    # are stopped anyway (Spark recomputes lost work)
    return utils.members_check(
        workers, deadline_seconds, read, awaited,
        'no Spark worker to wait for', started=started,
        on_timeout=None if want_alive else 'drain timed out, stopping')


def worker_probe(cluster_info, judge=status.worker_alive, *extra):
    """Probe: ``judge(master page, worker address, *extra)`` holds."""
    def probe(node):
        return utils.judge_command(master_status_command(cluster_info),
                                   judge, node.internal_ip, *extra)
    return probe


def wait_workers_step(cluster_info, name, workers, started=None):
    """Wait until ``workers`` (those ``started``) are ALIVE at the
    master."""
    conf = savanna_config.CONF.savanna
    ready = conf.service_start_timeout
    return base.Step(name, nodes=tuple(workers),
                     check=workers_alive_check(cluster_info, tuple(workers),
                                               ready, started=started),
                     probe=worker_probe(cluster_info),
                     timeout=ready + 60,
                     poll_interval=conf.provisioning_poll_interval)


def start_workers_step(cluster_info, name, workers, started):
    return base.Step(name, nodes=tuple(workers),
                     work=command_work(cluster_info, worker_command),
                     succeeded=started)


def master_steps(cluster_info):
    """Start the master (if not running) and wait until it is ALIVE."""
    conf = savanna_config.CONF.savanna
    master = cluster_info.node_running('master')
    return [
        base.Step('start Spark master', nodes=(master,),
                  work=command_work(cluster_info, master_command)),
        base.Step('wait for Spark master', nodes=(master,),
                  check=master_alive_check(cluster_info),
                  probe=master_alive_probe(cluster_info),
                  timeout=conf.service_start_timeout,
                  poll_interval=conf.provisioning_poll_interval),
    ]


def start_steps(cluster_info, workers):
    """Steps starting the master (if not running), ``workers`` and the
    history server, with their readiness waits."""
    history = cluster_info.nodes_with('historyserver')
    steps = master_steps(cluster_info)
    if workers:
        started = set()
        steps += [
            start_workers_step(cluster_info, 'start Spark workers', workers,
                               started),
            wait_workers_step(cluster_info, 'wait for Spark workers',
                              workers, started),
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
            commands.append(utils.judge_command(
                master_status_command(cluster_info), status.master_alive))

        def explain(exit_code, stdout):
            if not (stdout or '').strip() and alive_judge:
                return 'Spark master on %s does not report ALIVE' % (
                    node.name)
            return '%s is not running on %s: %s' % (
                _short(cls), node.name, (stdout or '').strip()[-200:])
        return base.NodeWork(commands=tuple(commands), timeout=60,
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
