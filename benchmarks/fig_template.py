"""Figure 6: the cost of the generated templates, and how many nodes fit.

6   heat-savanna's own work before Heat gets the template (validation,
    layout, the cluster's nested template and every node set's child
    template), pure core, no sandbox, for the largest cluster that fits
    Heat's default ``max_resources_per_stack``;
6b  Heat's own parse and validation of those templates, on the sandbox:
    a stack *preview* of that cluster, which parses and validates the
    whole tree exactly as a create does before it answers (and then
    builds the preview, so it is an upper bound);
6d  the nodes that fit under the default limit (computed by the core's
    ``resource_count``, which a unit test holds to the generated
    templates).
"""

import statistics
import time

from benchmarks import fig_infra
from benchmarks import procstat
from benchmarks import results

#: Heat's default [DEFAULT] max_resources_per_stack
DEFAULT_LIMIT = 1000


def cluster_props(nodes, volumes=1, anti_affinity=False):
    """A vanilla cluster definition with ``nodes`` nodes in total, as
    templates/savanna-infra.yaml has (no anti-affinity there)."""
    props = {
        'name': 'bench', 'plugin_name': 'vanilla',
        'plugin_version': '3.4.1', 'image': 'hadoop-3.4',
        'flavor': 'm1.small', 'management_network': 'private',
        'node_groups': [
            {'name': 'master', 'count': 1,
             'node_processes': ['namenode', 'resourcemanager'],
             'volumes_per_node': volumes, 'volume_size': 1},
            {'name': 'worker', 'count': nodes - 1,
             'node_processes': ['datanode', 'nodemanager'],
             'volumes_per_node': volumes, 'volume_size': 1}],
    }
    if anti_affinity:
        props['anti_affinity'] = ['datanode']
        props['anti_affinity_policy'] = 'soft-anti-affinity'
    return props


def tree_resources(nodes, set_size=None, volumes=1, anti_affinity=False):
    """Resources Heat counts for a stack holding one such cluster: the
    cluster resource itself and everything under it (node sets of
    ``set_size``, default the plugin's)."""
    from heat_savanna.core import layout
    from heat_savanna.core import template
    from heat_savanna.core import validation
    set_size = set_size or layout.DEFAULT_SET_SIZE
    spec = validation.check(cluster_props(nodes, volumes, anti_affinity))
    return 1 + template.resource_count(spec, set_size=set_size)


def resourcegroup_resources(nodes, volumes=1, lean=False):
    """The same nodes as baseline.yaml: keypair, security group, the
    group, one member resource per node and the member's resources
    (member.yaml: server, port, a volume and its attachment per volume;
    ``lean``, member-lean.yaml: server, a volume per volume)."""
    per_node = 1 + (1 if lean else 2)      # member resource, server, port
    per_volume = 1 if lean else 2         # volume, attachment
    return fig_infra.RG_SHARED + nodes * (per_node + per_volume * volumes)


def nodes_fit(count, limit=DEFAULT_LIMIT):
    """The largest N with ``count(N) <= limit`` (count grows with N)."""
    n = 2
    if count(n) > limit:
        return 0
    while count(n + 1) <= limit:
        n += 1
    return n


def generate_once(props):
    """Everything the resource does before handing Heat the template."""
    from heat_savanna.core import layout
    from heat_savanna.core import template
    from heat_savanna.core import validation
    from heat_savanna import plugins
    spec = validation.check(props)
    plugin = plugins.get_plugin(spec.plugin_name)
    cluster = template.generate(spec, layout.Layout.initial(spec),
                                plugin.get_ports(spec), 'bench-mgmt',
                                'ssh-ed25519 AAAA bench')
    # and each node set's child stack, as the node sets generate them
    for res in cluster['resources'].values():
        if res['type'] == template.NODE_SET_TYPE:
            template.node_set_template(res['properties'])
    return cluster


def largest():
    """The largest cluster of figure 1's shape under the default limit."""
    return nodes_fit(tree_resources)


def run(log, repeat=5):
    nodes = largest()
    props = cluster_props(nodes)
    generate_once(props)        # imports and plugin loading, not timed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        tpl = generate_once(props)
        times.append(time.perf_counter() - t0)
    log('figure 6: %d nodes, %d resources in the nested stack, median '
        '%.3fs of %d' % (nodes, len(tpl['resources']),
                         statistics.median(times), repeat))
    return [results.Figure.of(
        '6 generate+validate %d nodes' % nodes, times, 1.0, op=results.LT,
        unit='s', measured='validation.check + Layout.initial + the nested '
        'and every node set\'s template, pure core',
        detail={'resources': tree_resources(nodes)})] + figures_fit()


def figures_fit():
    """6d: how many nodes fit under the default limit (pure)."""
    shapes = (
        ('1 volume, node sets of 5', lambda n: tree_resources(n, 5)),
        ('1 volume, node sets of 1', lambda n: tree_resources(n, 1)),
        ('no volume, node sets of 5', lambda n: tree_resources(n, 5, 0)),
        ('2 volumes, node sets of 5', lambda n: tree_resources(n, 5, 2)),
        ('1 volume, ResourceGroup', lambda n: resourcegroup_resources(n)),
        ('1 volume, ResourceGroup of lean members',
         lambda n: resourcegroup_resources(n, lean=True)),
    )
    return [results.Figure('6d nodes fit: %s' % label,
                           float(nodes_fit(count)),
                           measured='max_resources_per_stack = %d'
                           % DEFAULT_LIMIT)
            for label, count in shapes]


def preview(bench, nodes):
    """6b: one stack preview of a ``nodes`` cluster; a sample."""
    meter = procstat.Meter(bench.roots).start()
    t0 = time.monotonic()
    try:
        bench.heat.stacks.preview(
            stack_name='bench-preview',
            template=fig_infra.read_template('savanna-infra.yaml'),
            parameters={'workers': nodes - 1,
                        'hadoop_home': '/opt/hadoop'})
        took = time.monotonic() - t0
        mark = meter.mark('done')
    finally:
        meter.stop()
    cpu = procstat.cpu_of(mark)
    bench.log('  preview of %d nodes: %.2fs, engine %.2f CPU-s'
              % (nodes, took, cpu[fig_infra.ENGINE]))
    return {'kind': 'preview', 'nodes': nodes, 'seconds': took, 'cpu': cpu,
            'settings': dict(bench.settings)}


def figure_preview(samples, nodes):
    found = [s for s in samples if s.get('kind') == 'preview' and
             s['nodes'] == nodes]
    return results.Figure.of(
        '6b Heat parse+validate %d nodes' % nodes,
        [s['seconds'] for s in found], 1.0, op=results.LT, unit='s',
        measured='stack preview (create\'s parse and validation of the '
        'whole tree, plus building the preview)',
        detail={'engine_cpu_s': [s['cpu'].get(fig_infra.ENGINE)
                                 for s in found],
                'resources': tree_resources(nodes)})
