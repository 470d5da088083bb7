"""resources.context: one look at a cluster on Heat's harness - its state
read once, the spec it means now (signal counts, the kept plugin
version), the nested template made in one place, and the verdict
stored where the operator sees it."""

import dataclasses
import json
from unittest import mock

from heat.common import exception
from heat.common import template_format
from heat.tests import utils

from heat_savanna.core import lifecycle
from heat_savanna.core import template as template_mod
from heat_savanna.plugins import sizing
from heat_savanna.resources import context as context_mod
from heat_savanna.resources import infra
from heat_savanna.resources import state as state_mod
from tests.unit.resources import harness
from tests.unit.resources import test_operation


def group(spec, name):
    return {g.name: g for g in spec.node_groups}[name]


class ContextTest(test_operation.ActiveClusterTestCase):

    # -- stored state ----------------------------------------------------
    def test_the_state_is_read_once_per_look(self):
        _stack, rsrc = self.active_cluster(1)
        ctx = context_mod.ClusterContext(rsrc)
        seen = ctx.state
        stored = state_mod.load(rsrc)
        stored['summary'] = 'changed by another look'
        state_mod.save(rsrc, stored)
        self.assertIs(seen, ctx.state)
        self.assertNotEqual('changed by another look', ctx.state['summary'])
        self.assertEqual('changed by another look', context_mod.
                         ClusterContext(rsrc).state['summary'])
        # and what this look saves is its own state
        ctx.state['summary'] = 'this look'
        ctx.save()
        self.assertEqual('this look', state_mod.load(rsrc)['summary'])

    def test_a_resource_not_stored_has_no_state(self):
        stack = utils.parse_stack(template_format.parse(json.dumps(
            harness.template(1))))
        self.stack = stack
        rsrc = stack['cluster']
        self.assertIsNone(rsrc.id)
        data = self.patchobject(rsrc, 'data')
        ctx = context_mod.ClusterContext(rsrc)
        self.assertEqual({}, ctx.state)
        self.assertFalse(data.called)
        # its template still plans from the spec
        self.assertEqual({'master-0': ['master-0'], 'worker-0': ['worker-0']},
                         self.node_sets(ctx.child_template()))

    # -- the spec --------------------------------------------------------
    def test_the_counts_signals_set_are_in_the_spec(self):
        _stack, rsrc = self.active_cluster(3, min_active=2)
        state = state_mod.load(rsrc)
        state['overrides'] = {'worker': 1, 'gone-group': 4}
        state_mod.save(rsrc, state)
        spec = context_mod.ClusterContext(rsrc).spec
        worker = group(spec, 'worker')
        # min_active never above the count
        self.assertEqual((1, 1), (worker.count, worker.min_active))
        self.assertEqual(1, group(spec, 'master').count)
        self.assertEqual(3, group(rsrc.cluster_spec(), 'worker').count)

    def test_an_actions_spec_is_the_one_it_sees(self):
        _stack, rsrc = self.active_cluster(1)
        state = state_mod.load(rsrc)
        state['overrides'] = {'worker': 5}
        state_mod.save(rsrc, state)
        spec = rsrc.cluster_spec()
        self.assertIs(spec, context_mod.ClusterContext(rsrc, spec).spec)

    def test_the_plugin_version_built_with_is_kept_unless_named(self):
        tmpl = harness.template(1)
        del tmpl['resources']['cluster']['properties']['plugin_version']
        _stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0'])
        self.drive(rsrc, cookie)
        # the plugin's default moves on
        self.plugin.get_versions = lambda: ['2.0', '1.0']
        self.assertEqual('2.0', rsrc.cluster_spec().plugin_version)
        ctx = context_mod.ClusterContext(rsrc)
        self.assertEqual('1.0', ctx.spec.plugin_version)
        named = dict(rsrc.properties, plugin_version='2.0')
        self.assertEqual('2.0', ctx.template_spec(named).plugin_version)

    # -- the nested stack ------------------------------------------------
    def test_the_template_leaves_removed_nodes_out(self):
        _stack, rsrc = self.active_cluster(2)
        state = state_mod.load(rsrc)
        state['nodes']['worker-1']['removed'] = True
        state_mod.save(rsrc, state)
        ctx = context_mod.ClusterContext(rsrc)
        self.assertEqual(['master-0', 'worker-0'],
                         sorted(self.node_sets(ctx.template(ctx.layout))))
        self.assertEqual(['master-0', 'worker-0'],
                         sorted(self.node_sets(ctx.child_template())))

    def test_an_agent_clusters_template_keeps_the_sets_deployments(self):
        _stack, rsrc = self.make_cluster(harness.template(
            1, transport='heat-agent'))
        rsrc.handle_create()
        ctx = context_mod.ClusterContext(rsrc)
        deployments = {'worker-0': {'script': '#!/bin/sh\ntrue\n',
                                    'round': 2}}
        child = utils.parse_stack(infra.generate(
            rsrc, ctx.spec, ctx.layout, ctx.state, deployments=deployments))
        rsrc.resource_id_set(child.id)
        self.assertEqual(deployments, ctx.current_deployments())
        tmpl = ctx.template(ctx.layout)
        self.assertEqual(deployments['worker-0'], tmpl['resources'][
            'worker-0']['properties'][template_mod.NS_DEPLOYMENTS][
                'worker-0'])
        self.assertNotIn(template_mod.NS_DEPLOYMENTS, tmpl['resources'][
            'master-0']['properties'])

    def test_a_deploy_round_describes_leaving_nodes_of_a_dropped_group(self):
        tmpl = harness.template(1)
        tmpl['resources']['cluster']['properties']['node_groups'].append(
            {'name': 'extra', 'count': 1, 'node_processes': ['worker']})
        _stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'extra-0'])
        self.drive(rsrc, cookie)
        # an update dropping the group: extra-0 stays until decommissioned
        before = rsrc.cluster_spec()
        spec = dataclasses.replace(before, node_groups=tuple(
            g for g in before.node_groups if g.name != 'extra'))
        ctx = context_mod.ClusterContext(rsrc, spec)
        self.assertRaises(KeyError, ctx.deploy_template, {}, 300)
        ctx.state['pending'] = {'leaving': ['extra-0']}
        tmpl = ctx.deploy_template({}, 300)
        self.assertEqual(['extra'], [
            tmpl['resources']['extra-0']['properties'][template_mod.NS_GROUP]
        ])

    def test_the_child_template_of_a_new_cluster_is_planned(self):
        self.override(node_set_size=2)
        _stack, rsrc = self.make_cluster(harness.template(3))
        ctx = context_mod.ClusterContext(rsrc)
        ctx.use_state({})
        self.assertEqual({'master-0': ['master-0'],
                          'worker-0': ['worker-0', 'worker-1'],
                          'worker-2': ['worker-2']},
                         self.node_sets(ctx.child_template()))

    # -- what the operator sees ------------------------------------------
    def test_finish_stores_the_verdict_where_the_operator_sees_it(self):
        _stack, rsrc = self.active_cluster(1)
        ctx = context_mod.ClusterContext(rsrc)
        verdict = dataclasses.replace(
            ctx.evaluate(), status='PARTIALLY_ACTIVE',
            summary='PARTIALLY_ACTIVE: worker 0/1 active')
        ctx.finish(verdict)
        self.assertEqual('PARTIALLY_ACTIVE: worker 0/1 active',
                         rsrc.status_reason)
        state = state_mod.load(rsrc)
        self.assertEqual(('PARTIALLY_ACTIVE',
                          'PARTIALLY_ACTIVE: worker 0/1 active'),
                         (state['status'], state['summary']))
        self.assertEqual(lifecycle.metadata(verdict),
                         rsrc.metadata_get(refresh=True))

    def test_finish_without_metadata_still_stores_the_state(self):
        _stack, rsrc = self.active_cluster(1)
        self.patchobject(rsrc, 'metadata_set',
                         side_effect=exception.ResourceNotAvailable(
                             resource_name='cluster'))
        ctx = context_mod.ClusterContext(rsrc)
        verdict = dataclasses.replace(ctx.evaluate(), summary='stored')
        ctx.finish(verdict)
        self.assertEqual('stored', state_mod.load(rsrc)['summary'])

    # -- cloud look-ups --------------------------------------------------
    def test_the_login_user_is_the_templates_then_the_images(self):
        _stack, rsrc = self.make_cluster(harness.template(1))
        self.assertEqual('savanna',
                         context_mod.ClusterContext(rsrc).ssh_user())
        tmpl = harness.template(1)
        del tmpl['resources']['cluster']['properties']['ssh_user']
        _stack, rsrc = self.make_cluster(tmpl)
        glance = self.patchobject(rsrc, 'client_plugin').return_value
        glance.find_image_by_name_or_id.return_value = 'image-id'
        images = self.patchobject(rsrc, 'client').return_value.images
        images.get.return_value = {'os_admin_user': 'centos'}
        self.assertEqual('centos',
                         context_mod.ClusterContext(rsrc).ssh_user())
        images.get.assert_called_once_with('image-id')
        images.get.return_value = {}
        self.assertEqual('ubuntu',
                         context_mod.ClusterContext(rsrc).ssh_user())
        images.get.side_effect = RuntimeError('glance down')
        self.assertEqual('ubuntu',
                         context_mod.ClusterContext(rsrc).ssh_user())

    def test_the_operator_key_is_the_key_names_public_key(self):
        _stack, rsrc = self.make_cluster(harness.template(1))
        nova = self.patchobject(rsrc, 'client').return_value
        self.assertIsNone(context_mod.ClusterContext(rsrc).operator_key())
        self.assertFalse(nova.keypairs.get.called)
        _stack, rsrc = self.make_cluster(harness.template(1, key_name='op'))
        nova = self.patchobject(rsrc, 'client').return_value
        nova.keypairs.get.return_value.public_key = 'ssh-ed25519 AAAAop'
        self.assertEqual('ssh-ed25519 AAAAop',
                         context_mod.ClusterContext(rsrc).operator_key())
        nova.keypairs.get.assert_called_once_with('op')

    def test_flavors_are_read_from_nova_once_and_kept(self):
        _stack, rsrc = self.active_cluster(1)
        nova = self.patchobject(rsrc, 'client_plugin').return_value
        nova.get_flavor.return_value = mock.Mock(ram=4096, vcpus=2, disk=40)
        ctx = context_mod.ClusterContext(rsrc)
        ctx.learn_flavors()
        flavor = ctx.spec.node_groups[0].flavor
        self.assertEqual({flavor: {'ram': 4096, 'vcpus': 2, 'disk': 40}},
                         state_mod.load(rsrc)['flavors'])
        self.assertEqual(
            {sizing.Flavor(4096, 2, 40)},
            {n.flavor for n in context_mod.ClusterContext(rsrc)
             .info().nodes})
        # known: not asked again
        context_mod.ClusterContext(rsrc).learn_flavors()
        nova.get_flavor.assert_called_once_with(flavor)

    def test_a_flavor_nova_does_not_show_leaves_the_defaults(self):
        _stack, rsrc = self.active_cluster(1)
        nova = self.patchobject(rsrc, 'client_plugin').return_value
        nova.get_flavor.side_effect = RuntimeError('nova down')
        ctx = context_mod.ClusterContext(rsrc)
        ctx.learn_flavors()
        self.assertEqual({}, ctx.state['flavors'])
        self.assertEqual({None}, {n.flavor for n in ctx.info().nodes})
