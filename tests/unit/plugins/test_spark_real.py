"""The Spark plugin for real: sshd hosts, paramiko, the pyspark wheel.

create_steps over 1 master + 2 workers, then pi.py through spark-submit
on the master node; then scale 2 -> 3 workers, reconfigure one worker in
place, and decommission one.
"""

import importlib.util
import os
import shutil
import sys

import pytest

from heat_savanna.common import config as savanna_config
from heat_savanna.plugins import base
from heat_savanna.plugins.spark import plugin as spark_plugin
from heat_savanna.plugins.spark import start
from heat_savanna.plugins.spark import status as spark_status
from tests.unit.plugins import fakes

SPEC = importlib.util.find_spec('pyspark')
PYSPARK = os.path.dirname(SPEC.origin) if SPEC else None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PYSPARK is None or shutil.which('java') is None,
                       reason='needs the pyspark wheel and java'),
]


def node(host, name, group, processes):
    return base.NodeInfo(name=name, group=group, processes=processes,
                         management_ip=host.address,
                         internal_ip=host.address)


def cluster(nodes, worker_memory='768m'):
    return base.ClusterInfo(
        name='pi', plugin_name='spark', plugin_version='4.3.0',
        cluster_configs={
            # the executors' and driver's Python must import pyspark
            'spark-env': {'PYSPARK_PYTHON': sys.executable,
                          'SPARK_WORKER_CORES': 1,
                          'SPARK_WORKER_MEMORY': worker_memory}},
        nodes=tuple(nodes))


@pytest.fixture
def fast_conf():
    conf = savanna_config.CONF
    conf.set_override('service_start_timeout', 90, 'savanna')
    conf.set_override('decommission_timeout', 90, 'savanna')
    conf.set_override('provisioning_poll_interval', 1, 'savanna')
    yield
    conf.clear_override('service_start_timeout', 'savanna')
    conf.clear_override('decommission_timeout', 'savanna')
    conf.clear_override('provisioning_poll_interval', 'savanna')


def master_status(remote, info):
    result = remote.run(start.master_status_command(info), check=False)
    assert result.exit_code == 0, result
    return spark_status.parse_master_json(result.stdout)


def test_create_run_pi_scale_and_decommission(hosts, fast_conf):
    binds = {'/opt/spark': PYSPARK}
    names = ('master-0', 'workers-0', 'workers-1', 'workers-2')
    h = [hosts.host(n, binds=binds) for n in names]
    nodes = [node(h[0], 'master-0', 'master', ('master',)),
             node(h[1], 'workers-0', 'workers', ('worker',)),
             node(h[2], 'workers-1', 'workers', ('worker',))]
    remotes = {x.name: hosts.remote(x, command_timeout=240) for x in h}
    plugin = spark_plugin.SparkPlugin()
    info = cluster(nodes)

    failed = fakes.drive(plugin.create_steps(info), remotes)
    assert failed == {}
    status = master_status(remotes['master-0'], info)
    alive = sorted(w['host'] for w in status['workers']
                   if w['state'] == 'ALIVE')
    assert alive == sorted([h[1].address, h[2].address])
    master_pid = remotes['master-0'].run(
        'cat /var/lib/spark/run/*Master*.pid', sudo=True).stdout

    # every node has the files, only member nodes in /etc/hosts
    hosts_file = remotes['workers-0'].get('/etc/hosts').decode()
    assert 'master-0' in hosts_file and 'workers-2' not in hosts_file
    env = remotes['workers-1'].get('/etc/spark/conf/spark-env.sh').decode()
    assert "SPARK_LOCAL_IP=%s" % h[2].address in env

    submit = ('/opt/spark/bin/spark-submit --master spark://%s:7077 '
              '/opt/spark/examples/src/main/python/pi.py 4'
              % h[0].address)
    # as root: this venv's python (PYSPARK_PYTHON) lives under /root
    result = remotes['master-0'].run(
        'SPARK_CONF_DIR=/etc/spark/conf ' + submit, timeout=240, sudo=True)
    assert 'Pi is roughly' in result.stdout

    # scale up: workers-2 joins the running master, nothing restarted
    new = node(h[3], 'workers-2', 'workers', ('worker',))
    info2 = cluster(nodes + [new])
    failed = fakes.drive(plugin.scale_up_steps(info2, [new]), remotes)
    assert failed == {}
    states = spark_status.worker_states(
        master_status(remotes['master-0'], info2))
    assert states[h[3].address] == 'ALIVE'
    assert remotes['master-0'].run(
        'cat /var/lib/spark/run/*Master*.pid', sudo=True).stdout == \
        master_pid
    assert 'workers-2' in remotes['workers-0'].get('/etc/hosts').decode()

    # reconfigure in place: workers-1 gets SPARK_WORKER_MEMORY 640m and
    # restarts; the master and workers-2 keep running as they were
    before = {w['host']: w for w in master_status(remotes['master-0'],
                                                  info2)['workers']
              if w['state'] == 'ALIVE'}
    info3 = cluster(nodes + [new], worker_memory='640m')
    failed = fakes.drive(plugin.reconfigure_steps(
        info3, [nodes[2]], {'workers-1': ('worker',)}), remotes)
    assert failed == {}
    after = {w['host']: w for w in master_status(remotes['master-0'],
                                                 info3)['workers']
             if w['state'] == 'ALIVE'}
    assert after[h[2].address]['memory'] == 640
    assert after[h[2].address]['id'] != before[h[2].address]['id']
    assert after[h[3].address]['id'] == before[h[3].address]['id']
    assert after[h[3].address]['memory'] == 768
    assert remotes['master-0'].run(
        'cat /var/lib/spark/run/*Master*.pid', sudo=True).stdout == \
        master_pid
    assert 'SPARK_WORKER_MEMORY=640m' in remotes['workers-1'].get(
        '/etc/spark/conf/spark-env.sh').decode()

    # decommission workers-0 gracefully
    leaving = [nodes[1]]
    failed = fakes.drive(
        plugin.decommission_steps(info2, leaving), remotes)
    assert failed == {}
    states = spark_status.worker_states(
        master_status(remotes['master-0'], info2))
    assert states[h[1].address] == 'DECOMMISSIONED'
    assert states[h[2].address] == 'ALIVE'
    assert remotes['workers-0'].run(
        start.daemon_command(info2, nodes[1], 'status',
                             'org.apache.spark.deploy.worker.Worker'),
        sudo=True, check=False).exit_code != 0
    assert 'workers-0' not in remotes['master-0'].get(
        '/etc/spark/conf/workers').decode()

    # health: every remaining daemon is up
    remaining = cluster([nodes[0], nodes[2], new])
    assert fakes.drive(plugin.health_steps(remaining), remotes) == {}
    for r in remotes.values():
        r.close()
