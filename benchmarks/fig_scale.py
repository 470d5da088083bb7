"""Figure 4: scale-up N -> N + 10% through the real resource, against
creating a cluster of the added size; the ResourceGroup does the same.

heat-savanna's side is a stack update of the cluster stack figure 1 just
created (``workers`` + 10%, the template unchanged): the real
OS::Savanna::Cluster update, i.e. validation, a new node set for the new
nodes, discovery, configuration of the new nodes and the masters.
Timed: update request -> the cluster UPDATE_COMPLETE; against a fresh
cluster of the added size, create request -> CREATE_COMPLETE, in the same
round. The ResourceGroup's stack gets ``count`` + 10% the same way.

Counted from Heat's resource table before and after the update (rows of
the whole tree, by nested depth: 0 the top stack, 1 the cluster's nested
stack or the ResourceGroup's, 2 the node sets' and members' own stacks):
the rows of the existing nodes' stacks the update stored again
("touched"), and the servers whose id changed (replaced), from the
simulator.
"""

import math
import time

from benchmarks import fig_infra
from benchmarks import procstat
from benchmarks import results
from benchmarks import sandbox

SAVANNA, RG = fig_infra.SAVANNA, fig_infra.RG
#: nested depth of the stacks that hold the nodes' own resources
NODE_DEPTH = 2


def added_count(nodes, percent=10):
    return max(1, int(math.ceil(nodes * percent / 100.0)))


def scale(bench, side, stack_id, name, nodes, grown):
    """Update ``stack_id`` from ``nodes`` to ``grown`` nodes; a sample."""
    db = bench.db
    before = db.tree_rows(stack_id)
    servers = sandbox.server_ids(name + '-')
    params = ({'workers': grown - 1} if side == SAVANNA
              else {'count': grown})
    bench.faults()
    meter = procstat.Meter(bench.roots).start()
    t0 = time.monotonic()
    try:
        bench.heat.stacks.update(stack_id, existing=True, parameters=params)
        t1 = db.wait(stack_id, 'UPDATE')
        mark = meter.mark('done')
    finally:
        meter.stop()
        sandbox.reset_faults()
    after = db.tree_rows(stack_id)
    now = sandbox.server_ids(name + '-')
    touched, replaced_rows = sandbox.touched(before, after, NODE_DEPTH)
    level1, _ = sandbox.touched(
        {k: v for k, v in before.items() if v['depth'] == NODE_DEPTH - 1},
        after, NODE_DEPTH - 1)
    replaced = sorted(n for n, sid in servers.items() if now.get(n) != sid)
    sample = {
        'kind': 'scale', 'side': side, 'nodes': nodes, 'grown': grown,
        'stack': name, 'settings': dict(bench.settings),
        'seconds': t1 - t0, 'cpu': procstat.cpu_of(mark),
        'servers_before': len(servers),
        'servers_added': len(set(now) - set(servers)),
        'servers_replaced': replaced,
        'rows_before': len(before), 'rows_after': len(after),
        'node_rows_touched': touched, 'node_rows_replaced': replaced_rows,
        'level1_rows_touched': len(level1),
        'status': fig_infra.status_line(bench, stack_id, side)}
    bench.log('  %s: %d -> %d in %.1fs, engine %.1f CPU-s; %d servers '
              'replaced, %d of %d existing node rows touched, %d level-1 '
              'rows stored again; %s'
              % (name, nodes, grown, sample['seconds'],
                 sample['cpu'][fig_infra.ENGINE], len(replaced),
                 len(touched), sum(1 for r in before.values()
                                   if r['depth'] >= NODE_DEPTH),
                 len(level1), sample['status']))
    return sample


# -- figures (pure) -----------------------------------------------------------
def figures(samples, nodes, grown, settings=None, fresh_size=None):
    """Figure 4 from the scale-up samples and the creates of
    ``fresh_size`` nodes (default: the added count)."""
    settings = settings or {}
    small = fresh_size or grown - nodes
    figs = []
    for side, label in ((SAVANNA, ''), (RG, 'RG ')):
        ups = fig_infra.pick(samples, 'scale', side, nodes=nodes,
                             **settings)
        fresh = fig_infra.pick(samples, 'create', side, nodes=small,
                               **settings)
        n = min(len(ups), len(fresh))
        # the reference is the whole create through the resource: the
        # scale-up also configures its nodes
        fresh_s = [f['done_s'] for f in fresh[:n]]
        up_s = [u['seconds'] for u in ups[:n]]
        target = 1.3 if side == SAVANNA else None
        figs.append(results.Figure.of(
            '4%s %sscale-up %d->%d vs create %d' % (
                '' if side == SAVANNA else 'd', label, nodes, grown, small),
            results.ratios(up_s, fresh_s), target, unit='x',
            measured='update request -> UPDATE_COMPLETE vs create request '
            '-> CREATE_COMPLETE of %d nodes, same round' % small,
            detail={'scale_up_s': up_s, 'create_s': fresh_s,
                    'engine_cpu_s': [u['cpu'].get(fig_infra.ENGINE)
                                     for u in ups],
                    'status': [u.get('status') for u in ups]}))
        replaced = [float(len(u['servers_replaced'])) for u in ups]
        touched = [float(len(u['node_rows_touched'])) for u in ups]
        figs.append(results.Figure.of(
            '4%s %sexisting servers replaced' % (
                'b' if side == SAVANNA else 'e', label), replaced,
            0.0 if side == SAVANNA else None,
            measured='server ids before/after, from the simulator',
            detail={'replaced': [u['servers_replaced'] for u in ups]}))
        figs.append(results.Figure.of(
            '4%s %sexisting nested rows touched' % (
                'c' if side == SAVANNA else 'f', label), touched,
            0.0 if side == SAVANNA else None,
            measured='rows of the existing nodes\' stacks stored again '
            '(updated_at, current template, atomic key)',
            detail={'rows_before': [u['rows_before'] for u in ups],
                    'examples': [u['node_rows_touched'][:5] for u in ups],
                    'level1_rows_stored_again': [u['level1_rows_touched']
                                                 for u in ups]}))
    return figs
