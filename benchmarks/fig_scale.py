"""Figure 4: scale-up N -> N + 10% against creating a 10%-size cluster.

Memory rules out 110 Spark daemons (about 210 MiB each), and the sandbox
has no Hadoop daemons, so this figure times the infrastructure part of a
scale-up, exactly as figure 1 does for create: heat-savanna's own core
(validation, stable layout, ``Layout.resize``, template generation)
produces the nested template for N nodes, Heat creates it as a stack, then
the template for N + 10% is applied with a stack update, which is what the
cluster resource's "grow" phase sends Heat. Timed: update request ->
UPDATE_COMPLETE, against a fresh stack of the 10% size (create request ->
CREATE_COMPLETE), same boot latency. Server ids of the N existing nodes
are compared before and after: none may be replaced.
"""

import math
import time

from benchmarks import fig_template
from benchmarks import results
from benchmarks import sandbox


def _templates(nodes, grown):
    from heat_savanna.core import layout as layout_mod
    from heat_savanna.core import template
    from heat_savanna.core import validation
    from heat_savanna import plugins
    from heat_savanna import remote
    _private, public = remote.generate_keypair()

    def spec_of(n):
        props = fig_template.cluster_props(n)
        props.pop('anti_affinity')      # as in figure 1: no server group
        return validation.check(props)
    spec = spec_of(nodes)
    plugin = plugins.get_plugin('vanilla')
    layout = layout_mod.Layout.initial(spec)
    big = spec_of(grown)
    change = layout.resize(big)

    def gen(s, lay, name):
        return template.generate(s, lay, plugin.get_ports(s),
                                 name + '-mgmt', public)
    return gen, spec, layout, big, change


def added_count(nodes, percent=10):
    return max(1, int(math.ceil(nodes * percent / 100.0)))


def run(nodes, boot_latency, log):
    heat = sandbox.heat_client()
    grown = nodes + added_count(nodes)
    # the fresh cluster has the added count of nodes (at least a master
    # and one worker, the smallest valid vanilla cluster)
    small = max(2, grown - nodes)
    gen, spec, layout, big, change = _templates(nodes, grown)
    log('figure 4: %d -> %d nodes vs create %d, boot latency %.1fs'
        % (nodes, grown, small, boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    name, fresh = 'bench-scale', 'bench-fresh'
    try:
        heat.stacks.create(stack_name=name,
                           template=gen(spec, layout, name))
        sandbox.wait_stack(heat, name, 'CREATE_COMPLETE')
        before = sandbox.servers(heat, name)
        t0 = time.monotonic()
        heat.stacks.update(name, template=gen(
            big, change.new_layout, name))
        time.sleep(1)
        t1 = sandbox.wait_stack(heat, name, 'UPDATE_COMPLETE')
        grow_s = t1 - t0
        after = sandbox.servers(heat, name)
        replaced = sorted(n for n, sid in before.items()
                          if after.get(n) != sid)
        log('  scale-up %d -> %d: %.1fs, %d existing servers replaced, '
            '%d added' % (nodes, grown, grow_s, len(replaced),
                          len(after) - len(before)))
        sandbox.delete_stack(heat, name)

        small_spec = fig_template.cluster_props(small)
        small_spec.pop('anti_affinity')
        from heat_savanna.core import layout as layout_mod
        from heat_savanna.core import validation
        s = validation.check(small_spec)
        t0 = time.monotonic()
        heat.stacks.create(stack_name=fresh, template=gen(
            s, layout_mod.Layout.initial(s), fresh))
        t1 = sandbox.wait_stack(heat, fresh, 'CREATE_COMPLETE')
        create_s = t1 - t0
        log('  create %d nodes: %.1fs' % (small, create_s))
    finally:
        sandbox.reset_faults()
        sandbox.delete_stack(heat, name)
        sandbox.delete_stack(heat, fresh)
    measured = ('nested template of heat-savanna\'s core, %d -> %d by '
                'stack update vs %d-node create (infrastructure only)'
                % (nodes, grown, small))
    return [
        results.Figure('4 scale-up +10%% vs create %d' % small,
                       results.ratio(grow_s, create_s), 1.3, unit='x',
                       measured=measured,
                       detail={'scale_up_s': grow_s, 'create_s': create_s,
                               'from': nodes, 'to': grown,
                               'added': list(change.added)}),
        results.Figure('4b existing servers replaced', float(len(replaced)),
                       0.0, measured='server ids before/after the update',
                       detail={'replaced': replaced}),
    ]
