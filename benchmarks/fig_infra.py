"""Figures 1 and 5: the nested stack of N nodes against ResourceGroup.

Both stacks hold the same servers, ports, volumes (one per node) and
attachments, plus a keypair and a security group, and are created on the
same sandbox with the same injected boot latency, one after the other in
the same run. heat-savanna's side is an OS::Savanna::Cluster with the
vanilla plugin on the hadoop-3.4 image; what is timed is the creation of
its nested stack (create request -> nested stack CREATE_COMPLETE), not the
configuration: the stack is deleted as soon as the nested stack is
complete (Hadoop's daemons are absent from the sandbox, and 100 Spark
daemons would not fit in memory).

During each create the simulator's request counters and heat-engine's
CPU time and RSS are taken (figure 5).
"""

import os
import time

from benchmarks import procstat
from benchmarks import results
from benchmarks import sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, 'templates')


def _read(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return f.read()


def _measure(heat, engine, stack, create, wait_done, boot_latency, log):
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    sandbox.reset_stats()
    meter = procstat.EngineMeter(engine).start()
    t0 = time.monotonic()
    try:
        create()
        t1 = wait_done()
    finally:
        meter.stop()
        stats = sandbox.stats_total()
        sandbox.reset_faults()
    took = t1 - t0
    log('  %s: infrastructure complete in %.1fs, %d API requests, '
        'engine %.1f CPU s, peak RSS %.0f MiB'
        % (stack, took, stats['total'], meter.cpu, meter.peak_kib / 1024.))
    return {'seconds': took, 'requests': stats['total'],
            'requests_by_service': {k: v['total'] for k, v in
                                    stats['services'].items()},
            'engine_cpu_s': meter.cpu,
            'engine_peak_rss_mib': meter.peak_kib / 1024.}


def savanna_run(heat, engine, nodes, boot_latency, log, name):
    def create():
        heat.stacks.create(stack_name=name,
                           template=_read('savanna-infra.yaml'),
                           parameters={'workers': nodes - 1})

    def wait_done():
        nested = sandbox.nested_id(heat, name, 'cluster')
        return sandbox.wait_stack(heat, nested, 'CREATE_COMPLETE')
    try:
        return _measure(heat, engine, name, create, wait_done,
                        boot_latency, log)
    finally:
        sandbox.delete_stack(heat, name)


def baseline_run(heat, engine, nodes, boot_latency, log, name):
    from heat_savanna import remote
    _private, public = remote.generate_keypair()

    def create():
        heat.stacks.create(stack_name=name, template=_read('baseline.yaml'),
                           files={'member.yaml': _read('member.yaml')},
                           parameters={'count': nodes,
                                       'public_key': public})

    def wait_done():
        return sandbox.wait_stack(heat, name, 'CREATE_COMPLETE')
    try:
        return _measure(heat, engine, name, create, wait_done,
                        boot_latency, log)
    finally:
        sandbox.delete_stack(heat, name)


def figures(savanna, baseline, nodes):
    """Figures 1 and 5 from the two runs' measurements (pure)."""
    measured = ('%d nodes x (server, port, 1 volume, attachment); '
                'time to the nested stack CREATE_COMPLETE' % nodes)
    figs = [results.Figure(
        '1 infra vs ResourceGroup', results.ratio(
            savanna['seconds'], baseline['seconds']), 1.1, unit='x',
        measured=measured,
        detail={'savanna_s': savanna['seconds'],
                'resourcegroup_s': baseline['seconds'], 'nodes': nodes})]
    sav_req = results.per_node(savanna['requests'], nodes)
    base_req = results.per_node(baseline['requests'], nodes)
    figs.append(results.Figure(
        '5a API requests/node vs RG', results.ratio(sav_req, base_req),
        1.1, unit='x', measured='simulator requests during create',
        detail={'savanna_per_node': sav_req,
                'resourcegroup_per_node': base_req,
                'savanna_by_service': savanna['requests_by_service'],
                'resourcegroup_by_service':
                    baseline['requests_by_service']}))
    sav_cpu = results.per_node(savanna['engine_cpu_s'], nodes)
    base_cpu = results.per_node(baseline['engine_cpu_s'], nodes)
    figs.append(results.Figure(
        '5b engine CPU s/node', sav_cpu, None, unit='s',
        measured='heat-engine (all processes) user+system CPU',
        detail={'resourcegroup_per_node': base_cpu,
                'ratio_vs_resourcegroup': results.ratio(sav_cpu,
                                                        base_cpu)}))
    figs.append(results.Figure(
        '5c engine CPU/node vs RG', results.ratio(sav_cpu, base_cpu), 1.1,
        unit='x', measured='heat-engine CPU seconds per node, ratio'))
    figs.append(results.Figure(
        '5d engine peak RSS', savanna['engine_peak_rss_mib'], None,
        unit='MiB', measured='sum of heat-engine processes, sampled 4/s',
        detail={'resourcegroup_mib': baseline['engine_peak_rss_mib']}))
    return figs


def run(nodes, boot_latency, log):
    heat = sandbox.heat_client()
    engine = procstat.engine_pid(sandbox.run_dir())
    log('figure 1/5: %d nodes, boot latency %.1fs' % (nodes, boot_latency))
    sav = savanna_run(heat, engine, nodes, boot_latency, log, 'bench-sav')
    base = baseline_run(heat, engine, nodes, boot_latency, log,
                        'bench-rg')
    leaked = sandbox.leftovers('bench-')
    figs = figures(sav, base, nodes)
    figs[0].detail['leaked'] = leaked
    return figs
