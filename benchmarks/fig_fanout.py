"""Figure 2: what configuring N hosts costs the engine, and what that
means for a real cloud.

No Heat here: N sshd hosts (the sandbox's SSHHost, each with its own
hostname and filesystem view, on a private 127.x.y.0/24 block) are
configured with the vanilla plugin's first create step, "configure Hadoop
nodes" (volume preparation, the hadoop user, data dirs and every config
file in one sudo session per node), run by the real
``heat_savanna.provisioning.driver.StepRunner`` over real paramiko
``NodeRemote``s with pinned host keys, fresh connections each run, as a
new cluster has; and the same step on one host. Repetitions alternate.

The simulated hosts' sshd, PAM and sudo share this machine's CPUs, so "N
hosts against one" measured here says how busy the machine was, not what
heat-savanna does. The figures are what heat-savanna controls:

* 2a: the engine's CPU per host (the configuring process's own CPU);
* 2b: the ratio predicted for a real cloud, where only the engine's CPUs
  are shared: ``1 + max(ceil(N/P) - 1, N x e / t1)``;
* 2c: the sandbox's wall time against the fastest this machine allows,
  ``max(CPU floor, ceil(N/P) x t1)``.
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


def configure(hosts, pkey, pool_size):
    """Seconds to run "configure Hadoop nodes" over ``hosts``."""
    from heat_savanna.plugins.vanilla import start
    from heat_savanna.provisioning import driver
    from heat_savanna import remote
    info, nodes = _cluster(hosts)
    # the step that writes every node's files (the image check before it
    # looks for a Hadoop these hosts do not have)
    step, = [s for s in start.create_steps(info)
             if s.name == 'configure Hadoop nodes']
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


def run(nodes, log, repeat=3, pool_size=None):
    """``repeat`` alternating runs of 1 host and ``nodes`` hosts; the
    samples (pure figures below)."""
    from heat_savanna.common import config
    from heat_savanna import remote
    if os.geteuid() != 0:
        raise RuntimeError('needs root (sshd hosts, sudo user)')
    pool = pool_size or config.CONF.savanna.ssh_pool_size
    private, public = remote.generate_keypair()
    pkey = remote.load_private_key(private)
    log('figure 2: starting %d sshd hosts' % (nodes + 1))
    hosts = Hosts(nodes + 1, public)
    samples = []
    try:
        # a first, untimed run: sudo, PAM and the page cache warm up
        configure(hosts.hosts[:1], pkey, pool)
        for rep in range(repeat):
            sizes = (1, nodes) if rep % 2 == 0 else (nodes, 1)
            for n in sizes:
                chosen = hosts.hosts[:1] if n == 1 else hosts.hosts[1:]
                took, cpu = configure(chosen, pkey, pool)
                cpu.update(kind='fanout', hosts=n, pool=pool, round=rep)
                samples.append(cpu)
                log('  %d host%s: %.2fs, engine side %.2f CPU-s, machine '
                    'busy %.1f CPU-s' % (n, 's' if n > 1 else '', took,
                                         cpu['engine_side_cpu_s'],
                                         cpu['machine_busy_s']))
    finally:
        hosts.close()
    return samples


# -- figures (pure) -----------------------------------------------------------
def predicted_ratio(nodes, pool, engine_cpu_per_host, one_host_s):
    """N hosts against one on a real cloud, where every host has its own
    CPUs and only the engine's are shared: ``ceil(N/P)`` waves of one
    host's time, unless the engine's CPU for all hosts takes longer:
    ``1 + max(ceil(N/P) - 1, N x e / t1)``."""
    if not one_host_s:
        return None
    waves = -(-nodes // pool)
    return 1 + max(waves - 1, nodes * engine_cpu_per_host / one_host_s)


def sandbox_bound(nodes, pool, one_host_s, machine_busy_s, cpus):
    """The fastest the N-host run could be on this machine: all of the
    CPU work it needed spread over every CPU, or its waves of one host's
    time, whichever is longer."""
    return max(machine_busy_s / float(cpus), -(-nodes // pool) * one_host_s)


def figures(samples, nodes, e_target=0.004):
    one = [s for s in samples if s.get('kind') == 'fanout' and
           s['hosts'] == 1]
    many = [s for s in samples if s.get('kind') == 'fanout' and
            s['hosts'] == nodes]
    n = min(len(one), len(many))
    one, many = one[:n], many[:n]
    pool = many[0]['pool'] if many else None
    per_host = [m['engine_side_cpu_s'] / nodes for m in many]
    t1 = [o['wall_s'] for o in one]
    predicted = [predicted_ratio(nodes, pool, e, t)
                 for e, t in zip(per_host, t1)]
    bound = [sandbox_bound(nodes, pool, t, m['machine_busy_s'], m['cpus'])
             for t, m in zip(t1, many)]
    return [
        results.Figure.of(
            '2a engine CPU per host', per_host, e_target, unit='s',
            measured='CPU of the configuring process (StepRunner, '
            'paramiko) / hosts, vanilla "configure Hadoop nodes", %d '
            'hosts' % nodes,
            detail={'engine_side_cpu_s': [m['engine_side_cpu_s']
                                          for m in many]}),
        results.Figure.of(
            '2b predicted %d hosts vs 1, real cloud' % nodes, predicted,
            4.0, unit='x',
            measured='1 + max(ceil(N/P) - 1, N x e / t1), P = '
            'ssh_pool_size %s, e and t1 measured here' % pool,
            detail={'one_host_s': t1, 'pool': pool,
                    'waves': -(-nodes // pool) if pool else None}),
        results.Figure.of(
            '2c sandbox %d hosts vs its bound' % nodes,
            results.ratios([m['wall_s'] for m in many], bound), 1.15,
            unit='x', measured='wall time / max(machine CPU-s busy / CPUs, '
            'ceil(N/P) x t1)',
            detail={'many_s': [m['wall_s'] for m in many],
                    'bound_s': bound,
                    'machine_busy_s': [m['machine_busy_s'] for m in many],
                    'measured_ratio_vs_one_host': results.ratios(
                        [m['wall_s'] for m in many], t1)}),
    ]
