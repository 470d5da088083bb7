"""Figure 2: configuring N real SSH hosts against configuring one.

No Heat here: N sshd hosts (the sandbox's SSHHost, each with its own
hostname and filesystem view, on a private 127.x.y.0/24 block) are
configured with the vanilla plugin's first create step, "configure Hadoop
nodes" (volume preparation, the hadoop user, data dirs, then every Hadoop
config file uploaded over SFTP and installed in the same single sudo
session), run by the real
``heat_savanna.provisioning.driver.StepRunner`` over real paramiko
``NodeRemote``s with pinned host keys. Fresh connections each run, as a
new cluster has. The same step for a 1-node cluster is the baseline.
"""

import os
import random
import shutil
import sys
import tempfile
import time

from benchmarks import procstat
from benchmarks import results

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), 'contrib',
                                'sandbox'))

USER = 'savanna'


class Hosts(object):
    """N started SSHHosts in one temp dir (stopped by :meth:`close`)."""

    def __init__(self, count, public_key):
        from savanna_sandbox import sshhost
        self.workdir = tempfile.mkdtemp(prefix='savanna-bench-')
        os.chmod(self.workdir, 0o755)
        net = '127.%d.%d' % (random.randint(100, 250),
                             random.randint(1, 250))
        self.hosts = [sshhost.SSHHost(
            'node-%d' % i, '%s.%d' % (net, i + 2),
            os.path.join(self.workdir, 'node-%d' % i), [public_key], USER)
            for i in range(count)]
        try:
            from heat_savanna import remote
            remote.run_parallel(self.hosts, lambda h: h.start(),
                                max_workers=16)
            for h in self.hosts:
                if not h.running:
                    raise RuntimeError('sshd of %s did not start' % h.name)
        except Exception:
            self.close()
            raise

    def close(self):
        for h in self.hosts:
            try:
                h.stop()
            except Exception:   # keep stopping the others
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)


def _cluster(hosts):
    from heat_savanna.plugins import base
    # Node names are the hosts' own hostnames: the step rewrites
    # /etc/hosts from the node list, and a host whose own name is missing
    # there makes every later sudo wait for a DNS lookup.
    nodes = [base.NodeInfo(
        name=h.name, group='master' if i == 0 else 'worker',
        processes=(('namenode', 'resourcemanager') if i == 0 else
                   ('datanode', 'nodemanager')),
        management_ip=h.address, internal_ip=h.address)
        for i, h in enumerate(hosts)]
    return base.ClusterInfo(name='bench', plugin_name='vanilla',
                            plugin_version='3.4.1', cluster_configs={},
                            nodes=tuple(nodes)), nodes


def per_file_action(info):
    """The step as it was before the batched install (for comparison):
    the set-up command, then one sudo session per file, so a worker cost
    1 + 7 sudo sessions instead of 1."""
    from heat_savanna.plugins import utils
    from heat_savanna.plugins.vanilla import config
    from heat_savanna.plugins.vanilla import start

    def action(node_remote, node):
        node_remote.run(' && '.join(start.configure_commands(info, node)),
                        sudo=True)
        for path, content, mode in utils.file_entries(
                config.node_files(info, node)):
            node_remote.put(path, content, mode=mode, sudo=True)
    return action


def configure(hosts, pkey, pool_size, per_file=False):
    """Seconds to run "configure Hadoop nodes" over ``hosts``."""
    from heat_savanna.plugins.base import Step
    from heat_savanna.plugins.vanilla import start
    from heat_savanna.provisioning import driver
    from heat_savanna import remote
    info, nodes = _cluster(hosts)
    step = start.create_steps(info)[0]
    if per_file:
        step = Step(step.name + ' (one sudo per file)', nodes=step.nodes,
                    action=per_file_action(info))
    by_name = {n.name: h for n, h in zip(nodes, hosts)}
    remotes = {}

    def remote_for(node):
        if node.name not in remotes:
            h = by_name[node.name]
            remotes[node.name] = remote.NodeRemote(
                node.name, h.address, USER, pkey,
                remote.parse_console_host_keys(h.console_output()),
                connect_timeout=10, connect_retries=3)
        return remotes[node.name]

    runner = driver.StepRunner([step], remote_for, pool_size=pool_size)
    busy0, own0 = procstat.machine_busy_seconds(), _own_cpu()
    t0 = time.monotonic()
    while not runner.advance():
        pass
    took = time.monotonic() - t0
    cpu = {'machine_busy_s': procstat.machine_busy_seconds() - busy0,
           'engine_side_cpu_s': _own_cpu() - own0, 'wall_s': took,
           'cpus': os.cpu_count()}
    for r in remotes.values():
        r.close()
    if runner.failures:
        name, failure = sorted(runner.failures.items())[0]
        raise RuntimeError('%d nodes failed, e.g. %s: %s' % (
            len(runner.failures), name, failure.reason))
    return took, cpu


def _own_cpu():
    t = os.times()
    return t.user + t.system


def best_of(fn, repeat):
    """The fastest of ``repeat`` runs: ``(seconds, cpu detail)``."""
    return min((fn() for _ in range(max(1, repeat))), key=lambda r: r[0])


def run(nodes, log, repeat=2, pool_size=None, compare=True):
    from heat_savanna.common import config
    from heat_savanna import remote
    if os.geteuid() != 0:
        raise RuntimeError('needs root (sshd hosts, sudo user)')
    pool = pool_size or config.CONF.savanna.ssh_pool_size
    private, public = remote.generate_keypair()
    pkey = remote.load_private_key(private)
    log('figure 2: starting %d sshd hosts' % (nodes + 1))
    hosts = Hosts(nodes + 1, public)
    try:
        one, one_cpu = best_of(
            lambda: configure(hosts.hosts[:1], pkey, pool), repeat)
        many, many_cpu = best_of(
            lambda: configure(hosts.hosts[1:], pkey, pool), repeat)
        before = {}
        if compare:
            p_one, _ = best_of(lambda: configure(
                hosts.hosts[:1], pkey, pool, per_file=True), repeat)
            p_many, p_cpu = best_of(lambda: configure(
                hosts.hosts[1:], pkey, pool, per_file=True), repeat)
            before = {'one_s': p_one, 'many_s': p_many,
                      'ratio': results.ratio(p_many, p_one),
                      'many_cpu': p_cpu}
            log('  for comparison, one sudo per file (before): 1 host '
                '%.2fs, %d hosts %.2fs (%.1fx)'
                % (p_one, nodes, p_many, before['ratio']))
    finally:
        hosts.close()
    log('  1 host %.2fs, %d hosts %.2fs (pool %d); machine CPU busy '
        '%.1fs of %.1fs available, engine side %.1fs'
        % (one, nodes, many, pool, many_cpu['machine_busy_s'],
           many * (os.cpu_count() or 1), many_cpu['engine_side_cpu_s']))
    floor = many_cpu['machine_busy_s'] / (os.cpu_count() or 1)
    fanout = results.Figure(
        '2 fan-out %d hosts vs 1' % nodes, results.ratio(many, one), 4.0,
        unit='x', measured='vanilla "configure Hadoop nodes" step over '
        'real sshd hosts (best of %d)' % repeat,
        detail={'one_s': one, 'many_s': many, 'nodes': nodes,
                'ssh_pool_size': pool, 'one_cpu': one_cpu,
                'many_cpu': many_cpu, 'one_sudo_per_file': before,
                'cpu_bound_ratio': results.ratio(
                    many_cpu['machine_busy_s'], one_cpu['machine_busy_s'])})
    # The simulated hosts' sshd/sudo/tar run on this machine's few CPUs:
    # the CPU-seconds the N-host run needed, spread over every CPU, is the
    # fastest it could have been here, whatever the engine does.
    against_floor = results.Figure(
        '2b fan-out vs this machine\'s CPU floor', results.ratio(many, floor),
        unit='x', measured='wall time / (machine CPU-s busy / CPUs); 1.0 = '
        'every CPU busy the whole run', detail={'cpu_floor_s': floor})
    return [fanout, against_floor]
