"""Figure 6: parse + validate + lay out + generate the nested template of a
1000-node cluster, pure core (no sandbox). Median of several runs."""

import statistics
import time

from benchmarks import results


def cluster_props(nodes, volumes=1):
    """A vanilla cluster definition with ``nodes`` nodes in total."""
    return {
        'name': 'bench', 'plugin_name': 'vanilla',
        'plugin_version': '3.4.1', 'image': 'hadoop-3.4',
        'flavor': 'm1.small', 'management_network': 'private',
        'node_groups': [
            {'name': 'master', 'count': 1,
             'node_processes': ['namenode', 'resourcemanager',
                                'historyserver'],
             'volumes_per_node': volumes, 'volume_size': 1},
            {'name': 'worker', 'count': nodes - 1,
             'node_processes': ['datanode', 'nodemanager'],
             'volumes_per_node': volumes, 'volume_size': 1}],
        'anti_affinity': ['datanode'],
        'anti_affinity_policy': 'soft-anti-affinity',
    }


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


def run(nodes, log, repeat=5):
    props = cluster_props(nodes)
    generate_once(props)        # imports and plugin loading, not timed
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        tpl = generate_once(props)
        times.append(time.perf_counter() - t0)
    took = statistics.median(times)
    log('figure 6: %d nodes, %d resources, median %.3fs of %d'
        % (nodes, len(tpl['resources']), took, repeat))
    return [results.Figure(
        '6 generate+validate %d nodes' % nodes, took, 1.0, op=results.LT,
        unit='s', measured='validation.check + Layout.initial + '
        'template.generate, median of %d' % repeat,
        detail={'resources': len(tpl['resources']), 'runs_s': times})]
