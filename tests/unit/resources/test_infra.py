"""resources.infra: the cluster's nested template as the resource makes
it, the deployments read back from a stored nested stack, and what the
nested stack built per node (Builds, servers up) read from Heat's own
tables."""

from heat.tests import utils

from heat_savanna.core import build
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import template as template_mod
from heat_savanna.resources import infra
from tests.unit.resources import harness
from tests.unit.resources import test_nested


class GenerateTest(harness.ClusterTestCase):

    def spec_and_layout(self, rsrc):
        spec = rsrc.cluster_spec()
        return spec, plan_mod.plan_create(spec, 1)

    def test_the_keypair_is_the_resources_own_with_the_states_key(self):
        _stack, rsrc = self.make_cluster(harness.template(1))
        spec, layout = self.spec_and_layout(rsrc)
        tmpl = infra.generate(rsrc, spec, layout,
                              {'public_key': 'ssh-ed25519 AAAAmine c'})
        props = tmpl['resources'][template_mod.KEYPAIR]['properties']
        self.assertEqual(
            {'name': rsrc.physical_resource_name() + '-mgmt',
             'public_key': 'ssh-ed25519 AAAAmine c'}, props)

    def test_before_the_cluster_has_a_key_a_placeholder_stands_in(self):
        _stack, rsrc = self.make_cluster(harness.template(1))
        spec, layout = self.spec_and_layout(rsrc)
        tmpl = infra.generate(rsrc, spec, layout, {})
        self.assertEqual(infra.PLACEHOLDER_KEY, tmpl['resources'][
            template_mod.KEYPAIR]['properties']['public_key'])

    def test_the_options_come_from_savanna_config(self):
        self.override(ssh_cidr='192.0.2.0/24', max_concurrent_node_sets=1)
        _stack, rsrc = self.make_cluster(harness.template(2))
        spec, layout = self.spec_and_layout(rsrc)
        tmpl = infra.generate(rsrc, spec, layout, {},
                              exclude=('worker-1',))
        rules = tmpl['resources'][template_mod.SECURITY_GROUP][
            'properties']['rules']
        ssh = [r for r in rules if r.get('port_range_min') == 22]
        self.assertEqual(['192.0.2.0/24'],
                         [r['remote_ip_prefix'] for r in ssh])
        sets = {n: r for n, r in tmpl['resources'].items()
                if r['type'] == template_mod.NODE_SET_TYPE}
        self.assertEqual(['master-0', 'worker-0'], sorted(sets))
        # one set at a time: each waits for the one before it
        self.assertEqual(['master-0'], sets['worker-0']['depends_on'])


class CurrentDeploymentsTest(harness.ClusterTestCase):

    def agent_cluster(self):
        return self.make_cluster(harness.template(1, transport='heat-agent'))

    def test_the_deployments_of_the_stored_nested_stack_are_read_back(self):
        _stack, rsrc = self.agent_cluster()
        spec = rsrc.cluster_spec()
        deployments = {'master-0': {'script': '#!/bin/sh\necho m\n',
                                    'round': 3},
                       'worker-0': {'script': '#!/bin/sh\necho w\n',
                                    'round': 4}}
        tmpl = infra.generate(rsrc, spec, plan_mod.plan_create(spec, 1), {},
                              deployments=deployments,
                              deployment_timeout=300)
        child = utils.parse_stack(tmpl)
        rsrc.resource_id_set(child.id)
        self.assertEqual(deployments, infra.current_deployments(rsrc))

    def test_no_nested_stack_no_deployments(self):
        _stack, rsrc = self.agent_cluster()
        self.assertIsNone(rsrc.resource_id)
        self.assertEqual({}, infra.current_deployments(rsrc))
        # an id whose stack is gone
        rsrc.resource_id_set('5c7d1ba5-0000-4000-8000-000000000000')
        self.assertEqual({}, infra.current_deployments(rsrc))

    def test_an_unreadable_nested_stack_counts_as_none(self):
        _stack, rsrc = self.agent_cluster()
        rsrc.resource_id_set('some-id')
        self.patchobject(rsrc, 'nested', side_effect=ValueError('bad row'))
        self.assertEqual({}, infra.current_deployments(rsrc))


def layout(sets, flat=()):
    """Workers ``worker-N``: ``sets`` ({set name: [nodes]}) and flat
    nodes (a cluster made before node sets)."""
    names = sorted([n for ns in sets.values() for n in ns] + list(flat))
    return layout_mod.Layout.from_dict({
        'groups': [{'name': 'worker', 'nodes': names,
                    'next_index': len(names)}],
        'sets': [{'name': s, 'group': 'worker', 'nodes': ns}
                 for s, ns in sets.items()]})


def built(node, **rec):
    record = {'state': build.BUILT, 'phase': '', 'reason': '',
              'server_id': 'srv-' + node, 'fixed_ip': '10.0.0.9',
              'floating_ip': None, 'host_keys': ['ssh-ed25519 AAAA']}
    record.update(rec)
    return record


class ReadTest(test_nested.TablesTestCase):
    """infra.read and servers_up over rows the way Heat stores them: the
    cluster's nested stack (``self.root``) holds a NodeSet row per set,
    whose metadata records its nodes."""

    def set_row(self, name, status='COMPLETE', reason='', nodes=None,
                action='CREATE', child=None):
        return self.row(self.root, name, action, status, reason,
                        rsrc_metadata={'nodes': nodes or {}},
                        physical_resource_id=(None if child is None
                                              else child.id))

    def test_a_finished_set_gives_the_records_its_nodes_hold(self):
        self.set_row('set-a', nodes={'worker-0': built('worker-0'),
                                     'worker-1': built(
                                         'worker-1', state=build.FAILED,
                                         phase='volume', reason='500')})
        builds = infra.read(self.ctx, self.root.id,
                            layout({'set-a': ['worker-0', 'worker-1']}),
                            ['worker-0', 'worker-1'])
        self.assertEqual({'worker-0': built('worker-0'),
                          'worker-1': built('worker-1', state=build.FAILED,
                                            phase='volume', reason='500')},
                         builds.records)
        self.assertEqual(([], []), (builds.flat, builds.shared_failures))

    def test_a_failed_set_fails_its_nodes_in_boot_with_its_reason(self):
        self.set_row('set-a', 'FAILED', 'Resource CREATE failed: quota')
        builds = infra.read(self.ctx, self.root.id,
                            layout({'set-a': ['worker-0']}), ['worker-0'])
        self.assertEqual(
            {'state': build.FAILED, 'phase': 'boot',
             'reason': 'node set set-a: Resource CREATE failed: quota'},
            builds.records['worker-0'])

    def test_a_set_not_done_or_not_made_leaves_its_nodes_unfinished(self):
        self.set_row('set-a', 'IN_PROGRESS')
        # set-b finished without a record of worker-2
        self.set_row('set-b', nodes={'worker-3': built('worker-3')})
        builds = infra.read(
            self.ctx, self.root.id,
            layout({'set-a': ['worker-0'], 'set-b': ['worker-2', 'worker-3'],
                    'set-c': ['worker-4']}),
            ['worker-0', 'worker-2', 'worker-3', 'worker-4'])
        self.assertEqual(
            {'worker-0': (build.UNFINISHED, 'node set set-a is CREATE '
                          'IN_PROGRESS'),
             'worker-2': (build.UNFINISHED, 'node set set-b is CREATE '
                          'COMPLETE'),
             'worker-3': (build.BUILT, ''),
             'worker-4': (build.UNFINISHED, 'node set set-c is not '
                          'created')},
            {n: (r['state'], r['reason'])
             for n, r in builds.records.items()})

    def test_only_the_nodes_asked_for_are_read(self):
        self.set_row('set-a', nodes={'worker-0': built('worker-0'),
                                     'worker-1': built('worker-1')})
        builds = infra.read(self.ctx, self.root.id,
                            layout({'set-a': ['worker-0', 'worker-1']}),
                            ['worker-1'])
        self.assertEqual(['worker-1'], list(builds.records))

    def test_flat_nodes_are_judged_by_their_own_rows(self):
        # a cluster created before node sets: each node's resources are
        # rows of the cluster's nested stack itself
        for name in ('worker-0', 'worker-0-port', 'worker-1-port'):
            self.row(self.root, name)
        self.row(self.root, 'worker-1', 'CREATE', 'FAILED', 'No valid host')
        builds = infra.read(self.ctx, self.root.id,
                            layout({}, flat=['worker-0', 'worker-1']),
                            ['worker-0', 'worker-1'])
        self.assertEqual(['worker-0'], builds.flat)
        self.assertEqual(
            {'worker-0': {'state': build.BUILT, 'phase': '', 'reason': ''},
             'worker-1': {'state': build.FAILED, 'phase': 'boot',
                          'reason': 'No valid host'}}, builds.records)

    def test_a_failed_shared_resource_is_no_nodes_failure(self):
        self.row(self.root, template_mod.KEYPAIR, 'CREATE', 'FAILED',
                 'quota exceeded')
        self.row(self.root, template_mod.SECURITY_GROUP)
        self.set_row('set-a', 'FAILED', 'depends on a failed resource')
        builds = infra.read(self.ctx, self.root.id,
                            layout({'set-a': ['worker-0']}), ['worker-0'])
        self.assertEqual(['management-keypair: quota exceeded'],
                         builds.shared_failures)

    def test_servers_up_counts_servers_created_in_the_sets_and_flat(self):
        child_a = self.stored_stack(owner=self.root)
        child_b = self.stored_stack(owner=self.root)
        self.set_row('set-a', 'IN_PROGRESS', child=child_a)
        self.set_row('set-b', 'IN_PROGRESS', child=child_b)
        self.row(child_a, 'worker-0')
        self.row(child_a, 'worker-0-port')
        self.row(child_a, 'worker-1', 'CREATE', 'IN_PROGRESS')
        self.row(child_b, 'worker-2')
        self.row(child_b, 'worker-3', 'INIT', 'COMPLETE')  # not started
        self.row(self.root, 'worker-4')              # a flat node
        nodes = ['worker-0', 'worker-1', 'worker-2', 'worker-3', 'worker-4']
        lay = layout({'set-a': ['worker-0', 'worker-1'],
                      'set-b': ['worker-2', 'worker-3']},
                     flat=['worker-4'])
        self.assertEqual(3, infra.servers_up(self.ctx, self.root.id,
                                             self.root.id, lay, nodes))
        # only the nodes asked about count
        self.assertEqual(1, infra.servers_up(self.ctx, self.root.id,
                                             self.root.id, lay,
                                             ['worker-1', 'worker-2']))
