"""Figures 1, 5, 7, 8 and 12: creating N nodes as one OS::Savanna::Cluster
against OS::Heat::ResourceGroup (figure 12: two ResourceGroup member
shapes against each other).

Both stacks hold the same servers, ports, volumes (one per node) and
attachments, plus a keypair and a security group (templates/), and are
created on the same sandbox with the same injected boot latency, in
alternating order (see run.py). heat-savanna's side is the real resource
(vanilla plugin, hadoop-3.4 image, the stand-in Hadoop of stubhadoop.py),
timed twice:

* ``infra``: create request -> the cluster's nested stack
  CREATE_COMPLETE, i.e. every node set built, its nodes' addresses and
  host keys read: what the ResourceGroup's CREATE_COMPLETE stands for;
* ``done``: create request -> the cluster CREATE_COMPLETE (configured
  over SSH, services checked), which a ResourceGroup does not do at all.

Measured during each create (sandbox.py, procstat.py): the simulator's
request counters, CPU seconds of heat-engine, heat-api and MariaDB, and
heat-engine's peak RSS. The pure functions at the end turn the samples of
all repetitions into figures.
"""

import os
import time

from benchmarks import procstat
from benchmarks import results
from benchmarks import sandbox
from benchmarks import stubhadoop

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, 'templates')

SAVANNA, RG = 'savanna', 'resourcegroup'
#: the ResourceGroup's member: a node as heat-savanna builds one (server,
#: port, volume, attachment); figure 12's lean member has the port inline
#: in the server's networks and the volume mapped at boot
MEMBER, LEAN_MEMBER = 'member.yaml', 'member-lean.yaml'
SIDES = (SAVANNA, RG)
ENGINE, API, DB = procstat.FAMILIES


def read_template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return f.read()


class Bench(object):
    """What every measurement of one sandbox hold shares."""

    def __init__(self, log, boot_latency, stub_parent, settings=None):
        self.log = log
        self.boot_latency = boot_latency
        self.stub_parent = stub_parent
        self.settings = dict(settings or {})
        self.heat = sandbox.heat_client()
        self.db = sandbox.HeatDB()
        self.roots = procstat.part_pids(sandbox.run_dir())
        self.last_stack = None
        from heat_savanna import remote
        _private, self.public_key = remote.generate_keypair()

    def fresh_engine(self):
        """heat-engine restarted with this hold's settings: nothing an
        earlier stack left in its processes counts in the next figure."""
        sandbox.restart_engine(self.settings, self.log)
        self.refresh()

    def refresh(self):
        """After heat-engine restarted: its new pid, a new client."""
        self.roots = procstat.part_pids(sandbox.run_dir())
        self.heat = sandbox.heat_client()

    def close(self):
        self.db.close()

    def faults(self):
        sandbox.reset_faults()
        sandbox.set_faults({'boot_latency': self.boot_latency})


def stack_name(side, nodes, tag=''):
    return 'bench-%s-%d%s' % ('sav' if side == SAVANNA else 'rg', nodes, tag)


def create_request(bench, side, nodes, name, volumes=1, member=MEMBER):
    """The create call; ``member``: the ResourceGroup's member template
    (figure 12 compares two)."""
    if side == SAVANNA:
        home = stubhadoop.install(bench.stub_parent, name)
        return bench.heat.stacks.create(
            stack_name=name, template=read_template('savanna-infra.yaml'),
            parameters={'workers': nodes - 1, 'hadoop_home': home,
                        'volumes': volumes})
    return bench.heat.stacks.create(
        stack_name=name, template=read_template('baseline.yaml'),
        files={'member.yaml': read_template(member)},
        parameters={'count': nodes, 'public_key': bench.public_key,
                    'volumes': volumes})


def create(bench, side, nodes, name, volumes=1, timeout=1800,
           member=MEMBER):
    """Create one stack and wait for it; ``(sample, stack id)``. The stack
    is left in place (a scale-up may follow); the caller deletes it.
    ``volumes``: per node (1 or 0); ``member``: the ResourceGroup's member
    template. A create not built within ``timeout`` seconds raises
    sandbox.BenchError.

    Every create starts on a heat-engine started for it. Measured
    without: heat-savanna's 100-node create second in its round (after
    the ResourceGroup's create and delete on the same engine) cost 53
    and 55 engine CPU-s, first in its round 45 to 48; the order
    alternates, but with three rounds one side is second twice."""
    bench.fresh_engine()
    bench.faults()
    sandbox.reset_stats()
    meter = procstat.Meter(bench.roots).start()
    t0 = time.monotonic()
    try:
        stack_id = create_request(bench, side, nodes, name,
                                  volumes, member)['stack']['id']
        bench.last_stack = stack_id
        call_s = time.monotonic() - t0
        if side == SAVANNA:
            nested = bench.db.wait_child(stack_id)
            t_infra = bench.db.wait(nested, 'CREATE', timeout)
        else:
            t_infra = bench.db.wait(stack_id, 'CREATE', timeout)
        infra = meter.mark('infra')
        stats = sandbox.stats_total()
        t_done = bench.db.wait(stack_id, 'CREATE', timeout)
        done = meter.mark('done')
    finally:
        meter.stop()
        sandbox.reset_faults()
    sample = {
        'kind': 'create', 'side': side, 'nodes': nodes, 'stack': name,
        'volumes': volumes,
        'settings': dict(bench.settings), 'call_s': call_s,
        'infra_s': t_infra - t0, 'done_s': t_done - t0,
        'cpu_infra': procstat.cpu_of(infra), 'cpu_done': procstat.cpu_of(done),
        'engine_share': procstat.busiest_share(infra[ENGINE]['per_pid']),
        'engine_processes': len(infra[ENGINE]['per_pid']),
        'requests': stats['total'],
        'requests_by_service': {k: v['total'] for k, v in
                                stats['services'].items()},
        'requests_by_route': {k: v.get('requests', {}) for k, v in
                              stats['services'].items()},
        'engine_peak_rss_mib': meter.peak_kib / 1024.,
        'status': status_line(bench, stack_id, side)}
    bench.log('  %s: %d nodes, built in %.1fs, complete in %.1fs; engine '
              '%.1f, api %.1f, db %.1f CPU-s; %d API requests; %s'
              % (name, nodes, sample['infra_s'], sample['done_s'],
                 infra[ENGINE]['cpu_s'], infra[API]['cpu_s'],
                 infra[DB]['cpu_s'], stats['total'], sample['status']))
    return sample, stack_id


def status_line(bench, stack_id, side):
    if side != SAVANNA:
        return 'CREATE_COMPLETE'
    rows = bench.db.query('SELECT status_reason FROM resource WHERE '
                          'stack_id = %s AND name = %s', (stack_id, 'cluster'))
    return rows[0][0] if rows else None


def delete(bench, stack_id, timeout=1800):
    sandbox.delete_stack(bench.heat, stack_id, timeout)


# -- figures (pure) -----------------------------------------------------------
def pick(samples, kind='create', side=None, nodes=None, **settings):
    """The samples of one kind/side/size (and settings), in run order."""
    found = []
    for s in samples:
        if s.get('kind') != kind or (side and s.get('side') != side) or \
                (nodes is not None and s.get('nodes') != nodes):
            continue
        have = s.get('settings') or {}
        if any(have.get(k) != v for k, v in settings.items()):
            continue
        found.append(s)
    return found


def _cpu(sample, family, phase='infra'):
    return (sample.get('cpu_' + phase) or {}).get(family)


def _paired(samples, nodes, settings):
    """``(savanna, resourcegroup)`` create samples of ``nodes``, paired
    in run order (the i-th of each side ran in the same round)."""
    sav = pick(samples, side=SAVANNA, nodes=nodes, **settings)
    base = pick(samples, side=RG, nodes=nodes, **settings)
    n = min(len(sav), len(base))
    return sav[:n], base[:n]


def figures_create(samples, nodes, settings=None):
    """Figures 1 and 5 for ``nodes`` (and the given settings)."""
    settings = settings or {}
    sav, base = _paired(samples, nodes, settings)
    measured = ('%d nodes x (server, port, 1 volume, attachment), '
                'alternating rounds' % nodes)

    def per_node_ratio(family, phase='infra'):
        return results.ratios(
            [results.per_node(_cpu(s, family, phase), nodes) for s in sav],
            [results.per_node(_cpu(b, family), nodes) for b in base])

    def med(values):
        return results.median(values)
    figs = [
        results.Figure.of(
            '1 create %d nodes vs RG' % nodes,
            results.ratios([s['infra_s'] for s in sav],
                           [b['infra_s'] for b in base]), 1.0, unit='x',
            measured=measured + '; create request -> nested stack '
            'COMPLETE (nodes built and discovered) vs the RG stack '
            'COMPLETE',
            detail={'savanna_s': [s['infra_s'] for s in sav],
                    'resourcegroup_s': [b['infra_s'] for b in base],
                    'savanna_status': [s.get('status') for s in sav]}),
        results.Figure.of(
            '1b create+configure vs RG create',
            results.ratios([s['done_s'] for s in sav],
                           [b['infra_s'] for b in base]), unit='x',
            measured='create request -> cluster CREATE_COMPLETE '
            '(configured over SSH) vs the RG stack COMPLETE',
            detail={'savanna_done_s': [s['done_s'] for s in sav]}),
        results.Figure.of(
            '5a API requests/node vs RG',
            results.ratios([s['requests'] for s in sav],
                           [b['requests'] for b in base]), 1.1, unit='x',
            measured='simulator requests while the nodes are built',
            detail={'savanna': [s['requests'] for s in sav],
                    'resourcegroup': [b['requests'] for b in base],
                    'savanna_by_service': sav[-1]['requests_by_service']
                    if sav else None,
                    'resourcegroup_by_service':
                        base[-1]['requests_by_service'] if base else None}),
        results.Figure.of(
            '5b engine CPU s/node', [results.per_node(_cpu(s, ENGINE),
                                                      nodes) for s in sav],
            unit='s', measured='heat-engine (all processes) user+system '
            'CPU until the nodes are built',
            detail={'resourcegroup': [results.per_node(_cpu(b, ENGINE),
                                                       nodes) for b in base],
                    'savanna_with_configuration': [
                        results.per_node(_cpu(s, ENGINE, 'done'), nodes)
                        for s in sav]}),
        results.Figure.of(
            '5c engine CPU/node vs RG', per_node_ratio(ENGINE), 1.0,
            unit='x', measured='heat-engine CPU per node, ratio'),
        results.Figure.of(
            '5c2 with configuration vs RG', per_node_ratio(ENGINE, 'done'),
            unit='x', measured='heat-engine CPU per node to the cluster '
            'CREATE_COMPLETE (SSH configuration included) vs RG'),
        results.Figure.of(
            '5f heat-api CPU/node vs RG', per_node_ratio(API), unit='x',
            measured='heat-api CPU per node, ratio',
            detail={'savanna_s': [_cpu(s, API) for s in sav],
                    'resourcegroup_s': [_cpu(b, API) for b in base]}),
        results.Figure.of(
            '5g MariaDB CPU/node vs RG', per_node_ratio(DB), unit='x',
            measured='MariaDB CPU per node, ratio',
            detail={'savanna_s': [_cpu(s, DB) for s in sav],
                    'resourcegroup_s': [_cpu(b, DB) for b in base]}),
        results.Figure.of(
            '5d engine peak RSS', [s['engine_peak_rss_mib'] for s in sav],
            unit='MiB', measured='sum of heat-engine processes, sampled 4/s',
            detail={'resourcegroup_mib': med(
                [b['engine_peak_rss_mib'] for b in base])}),
        results.Figure.of(
            '6c create call (validation) %d nodes' % nodes,
            [s['call_s'] for s in sav], unit='s',
            measured='the create API call: Heat parses and validates the '
            'whole tree before it answers',
            detail={'resourcegroup_s': [b['call_s'] for b in base]}),
    ]
    return figs


def figure_linear(samples, nodes, small, settings=None):
    """5e: heat-engine CPU per node at ``nodes`` against ``small`` nodes,
    paired by run order."""
    settings = settings or {}
    big = pick(samples, side=SAVANNA, nodes=nodes, **settings)
    little = pick(samples, side=SAVANNA, nodes=small, **settings)
    n = min(len(big), len(little))
    big_pn = [results.per_node(_cpu(s, ENGINE), nodes) for s in big[:n]]
    small_pn = [results.per_node(_cpu(s, ENGINE), small)
                for s in little[:n]]
    rg_big = [results.per_node(_cpu(s, ENGINE), nodes) for s in pick(
        samples, side=RG, nodes=nodes, **settings)]
    rg_small = [results.per_node(_cpu(s, ENGINE), small) for s in pick(
        samples, side=RG, nodes=small, **settings)]
    return results.Figure.of(
        '5e engine CPU/node %d vs %d nodes' % (nodes, small),
        results.ratios(big_pn, small_pn), 1.15, unit='x',
        measured='heat-savanna, heat-engine CPU per node until built; '
        '1.0 = linear',
        detail={'per_node_%d' % nodes: big_pn, 'per_node_%d' % small:
                small_pn, 'resourcegroup_per_node_%d' % nodes: rg_big,
                'resourcegroup_per_node_%d' % small: rg_small})


def figures_workers(samples, nodes, workers=(1, 2, 4), node_set_size=1):
    """Figure 7: the create of ``nodes`` with 1, 2 and 4 engine workers
    (wall time and engine CPU), each against the ResourceGroup with the
    same workers, and against the same side with 1 worker."""
    figs = []
    one = {}
    for side in SIDES:
        one[side] = results.median([s['infra_s'] for s in pick(
            samples, side=side, nodes=nodes, engine_workers=1,
            node_set_size=node_set_size)])
    for w in workers:
        settings = {'engine_workers': w, 'node_set_size': node_set_size}
        sav, base = _paired(samples, nodes, settings)
        if not sav and not base:
            continue
        sav_s = [s['infra_s'] for s in sav]
        figs.append(results.Figure.of(
            '7 %d engine worker%s: create vs RG' % (w, 's' if w > 1 else ''),
            results.ratios(sav_s, [b['infra_s'] for b in base]), unit='x',
            measured='figure 1 (%d nodes) with num_engine_workers = %d'
            % (nodes, w),
            detail={'savanna_s': sav_s,
                    'resourcegroup_s': [b['infra_s'] for b in base],
                    'speedup_vs_1_worker': {
                        SAVANNA: results.ratio(one[SAVANNA],
                                               results.median(sav_s)),
                        RG: results.ratio(one[RG], results.median(
                            [b['infra_s'] for b in base]))},
                    'engine_cpu_s': [_cpu(s, ENGINE) for s in sav],
                    'resourcegroup_engine_cpu_s': [_cpu(b, ENGINE)
                                                   for b in base],
                    'busiest_engine_process_share': [
                        s.get('engine_share') for s in sav],
                    'engine_processes': [s.get('engine_processes')
                                         for s in sav]}))
    return figs


def figures_setting(samples, nodes, number, key, base_value, other_value,
                    fixed=None):
    """Figures 8 and 11: the same create (and scale-up) of heat-savanna
    with ``key`` = ``other_value`` against ``base_value``, paired in run
    order; ``fixed``: the other settings both sides ran with."""
    base_settings = dict(fixed or {}, **{key: base_value})
    other_settings = dict(fixed or {}, **{key: other_value})
    base = pick(samples, side=SAVANNA, nodes=nodes, **base_settings)
    other = pick(samples, side=SAVANNA, nodes=nodes, **other_settings)
    n = min(len(base), len(other))
    base, other = base[:n], other[:n]
    label = '%s %d vs %d' % (key, other_value, base_value)
    one, two = 'value_%d' % base_value, 'value_%d' % other_value
    figs = [
        results.Figure.of(
            '%s create %s' % (number, label),
            results.ratios([o['infra_s'] for o in other],
                           [b['infra_s'] for b in base]), unit='x',
            measured='%d nodes built, wall time ratio' % nodes,
            detail={one + '_s': [b['infra_s'] for b in base],
                    two + '_s': [o['infra_s'] for o in other]}),
        results.Figure.of(
            '%sb engine CPU %s' % (number, label),
            results.ratios([_cpu(o, ENGINE) for o in other],
                           [_cpu(b, ENGINE) for b in base]), unit='x',
            measured='heat-engine CPU until built, ratio',
            detail={one: [_cpu(b, ENGINE) for b in base],
                    two: [_cpu(o, ENGINE) for o in other]}),
    ]
    scale_base = pick(samples, 'scale', SAVANNA, **base_settings)
    scale_other = pick(samples, 'scale', SAVANNA, **other_settings)
    m = min(len(scale_base), len(scale_other))
    if m:
        figs.append(results.Figure.of(
            '%sc scale-up %s' % (number, label),
            results.ratios([o['seconds'] for o in scale_other[:m]],
                           [b['seconds'] for b in scale_base[:m]]),
            unit='x', measured='scale-up wall time ratio'))

        def engine(sample):
            return (sample.get('cpu') or {}).get(ENGINE)
        figs.append(results.Figure.of(
            '%sd scale-up engine CPU %s' % (number, label),
            results.ratios([engine(o) for o in scale_other[:m]],
                           [engine(b) for b in scale_base[:m]]),
            unit='x', measured='heat-engine CPU of the scale-up '
            '(update request -> UPDATE_COMPLETE), ratio',
            detail={one: [engine(b) for b in scale_base[:m]],
                    two: [engine(o) for o in scale_other[:m]]}))
    return figs


def figures_set_size(samples, nodes, sizes, engine_workers=2):
    """Figure 8: node sets of ``sizes[1]`` nodes against ``sizes[0]``."""
    return figures_setting(samples, nodes, '8', 'node_set_size', sizes[0],
                           sizes[1], {'engine_workers': engine_workers})


# -- figure 10: a size only the node sets fit ---------------------------------
#: figure 10's size: more nodes than a ResourceGroup of nodes with volumes
#: (199) or node sets of 5 with one volume (237) fit under Heat's default
#: max_resources_per_stack; without volumes both fit (about 665 and 903)
HUGE = 300
#: seconds either side may take to build figure 10's nodes
HUGE_TIMEOUT = 600


def create_huge(bench, side, nodes, name):
    """Figure 10's create (no volumes): the sample; one that was not
    built within HUGE_TIMEOUT is a sample too (``infra_s`` None, what
    the stack and its members were doing in ``stuck``)."""
    try:
        sample, stack_id = create(bench, side, nodes, name, volumes=0,
                                  timeout=HUGE_TIMEOUT)
    except sandbox.BenchError as exc:
        stack_id = bench.last_stack
        stuck = bench.db.status_counts(stack_id) if stack_id else {}
        bench.log('  %s: NOT built: %s; %s' % (name, exc, stuck))
        sample = {'kind': 'create', 'side': side, 'nodes': nodes,
                  'stack': name, 'volumes': 0,
                  'settings': dict(bench.settings), 'infra_s': None,
                  'error': str(exc), 'stuck': stuck}
    return sample, stack_id


def figures_huge(samples, nodes=HUGE):
    """Figure 10: ``nodes`` without volumes, both sides, paired."""
    sav = [s for s in pick(samples, side=SAVANNA, nodes=nodes)
           if s.get('volumes') == 0]
    base = [s for s in pick(samples, side=RG, nodes=nodes)
            if s.get('volumes') == 0]
    if not sav and not base:
        return []

    def built(side_samples):
        return ['%s' % ('built in %.0fs' % s['infra_s']
                        if s.get('infra_s') is not None else
                        'NOT built: %s' % s.get('error', '')[:200])
                for s in side_samples]

    def cpu_per_node(side_samples):
        return [results.per_node(_cpu(s, ENGINE), nodes)
                if s.get('infra_s') is not None else None
                for s in side_samples]
    n = min(len(sav), len(base)) or max(len(sav), len(base))
    measured = ('%d nodes x (server, port), no volumes; create request -> '
                'nodes built; either side given %ds' % (nodes, HUGE_TIMEOUT))
    detail = {'savanna': built(sav), 'resourcegroup': built(base),
              'savanna_s': [s.get('infra_s') for s in sav],
              'resourcegroup_s': [b.get('infra_s') for b in base],
              'savanna_engine_cpu_per_node': cpu_per_node(sav),
              'resourcegroup_engine_cpu_per_node': cpu_per_node(base),
              'resourcegroup_stuck': [b.get('stuck') for b in base
                                      if b.get('stuck')],
              'savanna_stuck': [s.get('stuck') for s in sav
                                if s.get('stuck')],
              'savanna_status': [s.get('status') for s in sav]}
    figs = [results.Figure.of(
        '10 create %d nodes, no volumes' % nodes,
        [s.get('infra_s') for s in sav], unit='s', measured=measured,
        detail=detail)]
    if all(b.get('infra_s') is not None for b in base[:n]) and base:
        figs.append(results.Figure.of(
            '10b create %d nodes vs RG' % nodes,
            results.ratios([s.get('infra_s') for s in sav[:n]],
                           [b.get('infra_s') for b in base[:n]]),
            unit='x', measured=measured))
        figs.append(results.Figure.of(
            '10c engine CPU/node %d nodes vs RG' % nodes,
            results.ratios(cpu_per_node(sav[:n]), cpu_per_node(base[:n])),
            unit='x', measured='heat-engine CPU per node until built'))
    return figs


# -- figure 12: fewer resources per node --------------------------------------
#: figure 12's two ResourceGroup members, by label
SHAPES = {'full': MEMBER, 'lean': LEAN_MEMBER}
#: resources of baseline.yaml outside the group's members: the keypair,
#: the security group and the ResourceGroup itself
RG_SHARED = 3


def tree_count(bench, stack_id):
    """Resource rows under the top-level stack ``stack_id``: every
    resource Heat checks for it (the member stack resources included) and
    counts against max_resources_per_stack."""
    return int(bench.db.query('SELECT COUNT(*) FROM resource WHERE '
                              'root_stack_id = %s', (stack_id,))[0][0])


def create_shape(bench, shape, nodes):
    """Figure 12: a ResourceGroup of ``nodes`` members of ``shape`` (a
    key of SHAPES) with one volume each, created on a fresh engine, its
    rows counted, then deleted (timed). One sample, kind ``shape``."""
    name = stack_name(RG, nodes, '-' + shape)
    sample, stack_id = create(bench, RG, nodes, name,
                              member=SHAPES[shape])
    sample.update(kind='shape', shape=shape,
                  resources=tree_count(bench, stack_id))
    t0 = time.monotonic()
    delete(bench, stack_id)
    sample['delete_s'] = time.monotonic() - t0
    bench.log('  %s: %d resources in the tree, deleted in %.1fs'
              % (name, sample['resources'], sample['delete_s']))
    return sample


def per_node_resources(sample):
    """A member's share of the tree: its resources and its member stack
    resource (what a node costs under max_resources_per_stack)."""
    return results.ratio(sample['resources'] - RG_SHARED, sample['nodes'])


def fit_under(per_node, limit=1000):
    """Nodes whose ResourceGroup tree fits ``limit``: ``RG_SHARED +
    n x per_node <= limit``."""
    if not per_node:
        return None
    return int((limit - RG_SHARED) // per_node)


def figures_shapes(samples, nodes, limit=1000):
    """Figure 12: the lean member against the full one, paired in run
    order (the i-th of each ran in the same round)."""
    def of(shape):
        return [s for s in pick(samples, 'shape', RG, nodes)
                if s.get('shape') == shape]
    full, lean = of('full'), of('lean')
    n = min(len(full), len(lean))
    full, lean = full[:n], lean[:n]

    def values(side, key):
        return [s.get(key) for s in side]

    def cpu(side):
        return [_cpu(s, ENGINE) for s in side]

    def cpu_node(side):
        return [results.per_node(_cpu(s, ENGINE), nodes) for s in side]
    measured = ('%d nodes with one volume as OS::Heat::ResourceGroup '
                'members: lean (port inline, volume mapped at boot) vs '
                'full (port, server, volume, attachment), alternating '
                'rounds, each create on a fresh engine' % nodes)
    figs = []

    def pair(number, label, key_values, unit, what):
        f, ln = key_values(full), key_values(lean)
        figs.append(results.Figure.of(
            '%s %s lean vs full' % (number, label), results.ratios(ln, f),
            unit='x', measured=measured + '; ' + what,
            detail={'full': f, 'lean': ln}))
        for shape, vals in (('full', f), ('lean', ln)):
            figs.append(results.Figure.of(
                '%s %s, %s' % (number, label, shape), vals, unit=unit,
                measured=what))
    pair('12', 'create %d nodes' % nodes, lambda side: values(
        side, 'infra_s'), 's', 'create request -> RG stack COMPLETE')
    pair('12b', 'engine CPU', cpu, 's', 'heat-engine (all processes) '
         'user+system CPU of the create')
    pair('12c', 'engine CPU/node', cpu_node, 's', 'heat-engine CPU of '
         'the create per node')
    pair('12d', 'delete', lambda side: values(side, 'delete_s'), 's',
         'delete request -> stack gone')
    pair('12e', 'resources in the tree', lambda side: values(
        side, 'resources'), '', 'resource rows under the stack: what '
         'Heat checks and counts against max_resources_per_stack')
    for shape, side in (('full', full), ('lean', lean)):
        per = results.median([per_node_resources(s) for s in side])
        figs.append(results.Figure(
            '12f nodes fit: 1 volume, %s members' % shape,
            None if per is None else float(fit_under(per, limit)),
            measured='max_resources_per_stack = %d; %s resources a node '
            '(its resources + its member stack resource)' % (limit, per),
            detail={'resources_per_node': per},
            error='' if per else 'no sample'))
    return figs
