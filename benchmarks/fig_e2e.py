"""Figure 3: a Spark cluster from create request to a job result, against
the limit: the same for the smallest cluster (a master and one worker).

``contrib/templates/spark-cluster.yaml`` (without its own Pi job
resource, so the stack completes with the cluster) with N workers goes
through the real resource (boot with the injected latency, configure,
start), then
pyspark's pi.py runs through spark-submit on the master (as ``make demo``
does) with a FIXED number of slices, the same for every cluster size, so
the job's work does not grow with N. The limit is the same path with one
worker; a perfectly parallel system would build N workers in that time.

Two clocks from the create request: ``registered``, when the master's own
status page (``/json/`` on its web UI port) lists every worker ALIVE,
i.e. provisioning is over; and ``total``, when the job's result is in.
Repetitions alternate the two sizes; the clusters are deleted right after
their job (never more than N + 1 Spark daemons at once).
"""

import json
import os
import time
import urllib.request

from benchmarks import results
from benchmarks import sandbox

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(os.path.dirname(HERE), 'contrib', 'templates',
                        'spark-cluster.yaml')
KEYPAIR = 'bench-operator'
#: pi.py slices for every cluster size (fixed work)
SLICES = 4
WEBUI_PORT = 8080


def _nova():
    from novaclient import client as nova_client
    from savanna_sandbox.services import platform
    return nova_client.Client('2.1', session=platform.Platform().session(
        'demo'))


def alive_workers(status):
    """Workers ALIVE in a Spark master's ``/json/`` document."""
    return sum(1 for w in status.get('workers') or ()
               if w.get('state') == 'ALIVE')


def _master_status(address):
    url = 'http://%s:%d/json/' % (address, WEBUI_PORT)
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return json.loads(resp.read())
    except Exception:   # not up yet
        return None


def _master_address(old_servers):
    """The fixed address of the new cluster's master, once booted."""
    for s in sandbox.admin('GET', '/servers')['servers']:
        if s['id'] in old_servers or not s['name'].endswith('master-0'):
            continue
        for addr in s.get('addresses') or ():
            ip = addr.get('addr') if isinstance(addr, dict) else addr
            if ip:
                return ip
    return None


def cluster_only(path):
    """The example template without its jobs (OS::Savanna::Job) and the
    outputs and parameters only they use: the stack is complete when the
    cluster is, and the figure runs its own fixed-size job."""
    import yaml
    with open(path) as f:
        tmpl = yaml.safe_load(f)
    jobs = [n for n, r in tmpl['resources'].items()
            if r.get('type') == 'OS::Savanna::Job']
    for name in jobs:
        del tmpl['resources'][name]
    tmpl['outputs'] = {k: v for k, v in (tmpl.get('outputs') or {}).items()
                       if not any(repr(j) in repr(v) for j in jobs)}
    rest = repr(tmpl['resources']) + repr(tmpl['outputs'])
    tmpl['parameters'] = {k: v for k, v in tmpl['parameters'].items()
                          if repr(k) in rest}
    return tmpl


def one_cluster(heat, nova, db, workers, key_name, private, log, name):
    from savanna_sandbox import demo
    template = cluster_only(TEMPLATE)
    old = {s['id'] for s in sandbox.admin('GET', '/servers')['servers']}
    t0 = time.monotonic()
    t_registered = None
    try:
        stack_id = heat.stacks.create(
            stack_name=name, template=template,
            parameters={'workers': workers,
                        'worker_min_active': str(workers),
                        'key_name': key_name})['stack']['id']
        address = None
        while True:
            row = db.stack(stack_id)
            if row and row[1] == 'FAILED':
                raise sandbox.BenchError('%s: %s' % (name, row[2]))
            if t_registered is None:
                address = address or _master_address(old)
                status = _master_status(address) if address else None
                if status and alive_workers(status) >= workers:
                    t_registered = time.monotonic()
            if row and row[:2] == ('CREATE', 'COMPLETE') and \
                    t_registered is not None:
                break
            if time.monotonic() - t0 > 1800:
                raise sandbox.BenchError('%s: still %s' % (name, row))
            time.sleep(sandbox.POLL)
        t_created = db.wait(stack_id, 'CREATE')
        master, address = demo.master_server_id(heat, name)
        server_id = demo.server_id_of(heat, name, master)
        node = demo.node_remote(nova, server_id, address, private)
        try:
            value, _out = demo.run_pi(node, address, slices=SLICES)
        finally:
            node.close()
        t_done = time.monotonic()
    finally:
        sandbox.delete_stack(heat, name)
    sample = {'workers': workers, 'registered_s': t_registered - t0,
              'create_s': t_created - t0, 'total_s': t_done - t0,
              'job_s': t_done - t_created, 'pi': value}
    log('  %d workers: all registered %.1fs, CREATE_COMPLETE %.1fs, job '
        'result %.1fs (pi=%s)' % (workers, sample['registered_s'],
                                  sample['create_s'], sample['total_s'],
                                  value))
    return sample


def run_round(round_no, workers, boot_latency, log):
    """One repetition of both sizes (order alternating by round)."""
    from savanna_sandbox import demo
    from savanna_sandbox.services import platform
    heat = sandbox.heat_client()
    nova = _nova()
    db = sandbox.HeatDB()
    key_name, private = demo.operator_keypair(
        nova, platform.Platform().layout, name=KEYPAIR)
    sizes = (1, workers) if round_no % 2 == 0 else (workers, 1)
    log('figure 3, round %d: %s workers, boot latency %.1fs'
        % (round_no + 1, ' then '.join(map(str, sizes)), boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    samples = []
    try:
        for n in sizes:
            sample = one_cluster(heat, nova, db, n, key_name, private, log,
                                 'bench-e2e-%d' % n)
            sample.update(kind='e2e', round=round_no)
            samples.append(sample)
    finally:
        sandbox.reset_faults()
        db.close()
        # the operator's keypair is the benchmark's, not a leak
        nova.keypairs.delete(key_name)
    return samples


# -- figures (pure) -----------------------------------------------------------
def figures(samples, workers):
    full = [s for s in samples if s.get('kind') == 'e2e' and
            s['workers'] == workers]
    limit = [s for s in samples if s.get('kind') == 'e2e' and
             s['workers'] == 1]
    n = min(len(full), len(limit))
    full, limit = full[:n], limit[:n]
    return [
        results.Figure.of(
            '3 e2e %d workers vs limit' % workers,
            results.ratios([f['total_s'] for f in full],
                           [x['total_s'] for x in limit]), 1.5, unit='x',
            measured='create request -> pi.py result (%d slices for both); '
            'limit = the same for master + 1 worker' % SLICES,
            detail={'cluster_s': [f['total_s'] for f in full],
                    'limit_s': [x['total_s'] for x in limit],
                    'job_s': [f['job_s'] for f in full],
                    'limit_job_s': [x['job_s'] for x in limit]}),
        results.Figure.of(
            '3b workers registered vs limit',
            results.ratios([f['registered_s'] for f in full],
                           [x['registered_s'] for x in limit]), unit='x',
            measured='create request -> every worker ALIVE on the '
            'master\'s status page',
            detail={'cluster_s': [f['registered_s'] for f in full],
                    'limit_s': [x['registered_s'] for x in limit],
                    'cluster_create_s': [f['create_s'] for f in full],
                    'limit_create_s': [x['create_s'] for x in limit]}),
    ]
