"""OS::Savanna::NodeSet on Heat's harness: the child stack it generates,
how it judges its nodes, finishes the unfinished, waits for host keys,
and records every node's outcome without ever failing for a node."""

import json
from unittest import mock

from heat.common import template_format
from heat.engine import resource
from heat.tests import utils

from heat_savanna.core import build
from heat_savanna.core import template as template_mod
from heat_savanna.resources import discovery
from tests.unit.resources import harness

CHILD = 'child-stack-id'
KEYS = ('-----BEGIN SSH HOST KEY KEYS-----\n'
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOQdb1Wmn2yQm8J3I4/Vk9K+2f'
        'nZ2S8Vb0qQm0Y7m0pW root@node\n'
        '-----END SSH HOST KEY KEYS-----\n')


def set_template(nodes, volumes=1, **extra):
    props = {'cluster_name': 'hc', 'group': 'workers',
             'node_processes': ['worker'], 'nodes': nodes,
             'image': 'img', 'flavor': 'm1.small', 'key_name': 'kp',
             'network': 'private', 'security_groups': ['sg-id'],
             'volumes': {'count': volumes, 'size': 1}}
    props.update(extra)
    return {'heat_template_version': '2021-04-16',
            'resources': {'workers-0': {'type': 'OS::Savanna::NodeSet',
                                        'properties': props}}}


def node_rows(tables, node, status='COMPLETE', failing=None, reason=''):
    for name in (node, node + '-port', node + '-volume-0',
                 node + '-attachment-0'):
        st = status
        if failing and name.endswith(failing):
            st = 'FAILED'
        tables.put(CHILD, name, 'CREATE', st,
                   reason if st == 'FAILED' else '')


class NodeSetTest(harness.ClusterTestCase):

    def make_set(self, nodes, console=KEYS, **extra):
        stack = utils.parse_stack(template_format.parse(json.dumps(
            set_template(nodes, **extra))))
        self.stack = stack
        rsrc = stack['workers-0']
        rsrc.state_set(rsrc.CREATE, rsrc.IN_PROGRESS)
        self.child = []

        def create_with_template(child_template, user_params=None, **kw):
            self.child.append(('create', child_template))
            self.timeouts.append(kw.get('timeout_mins'))
            rsrc.resource_id_set(CHILD)

        def update_with_template(child_template, user_params=None, **kw):
            self.child.append(('update', child_template))
            self.timeouts.append(kw.get('timeout_mins'))
        self.timeouts = []
        self.patchobject(rsrc, 'create_with_template',
                         side_effect=create_with_template)
        self.patchobject(rsrc, 'update_with_template',
                         side_effect=update_with_template)
        self.patchobject(rsrc, 'get_output', side_effect=lambda key: {
            'server_id': 'srv-' + key.split('.', 1)[1],
            'fixed_ip': '10.0.0.5', 'floating_ip': None})
        self.consoles = console if isinstance(console, list) else None
        self.nova = self.patchobject(rsrc, 'client').return_value
        if self.consoles is None:
            self.nova.servers.get_console_output.return_value = console
        else:
            self.nova.servers.get_console_output.side_effect = \
                lambda sid: self.consoles.pop(0)
        self.patchobject(discovery, 'CONSOLE_INTERVAL', new=0)
        return rsrc

    def settle(self, rsrc, cookie):
        """The polls a FAILED child stack stays quiet for, each waiting;
        the follow-up (if any) starts at the last one."""
        for _ in range(SETTLE_CALLS):
            self.assertRaises(resource.PollDelay,
                              rsrc.check_create_complete, cookie)

    def advance(self, rsrc, cookie, limit=20):
        for _ in range(limit):
            try:
                if rsrc.check_create_complete(cookie):
                    return True
            except resource.PollDelay:
                continue
        return False

    def test_child_stack_holds_each_nodes_resources(self):
        rsrc = self.make_set(['workers-0', 'workers-1'])
        rsrc.handle_create()
        tmpl = self.child[0][1]
        self.assertEqual(
            sorted(['workers-0', 'workers-0-port', 'workers-0-volume-0',
                    'workers-0-attachment-0', 'workers-1', 'workers-1-port',
                    'workers-1-volume-0', 'workers-1-attachment-0']),
            sorted(tmpl['resources']))
        server = tmpl['resources']['workers-1']['properties']
        self.assertEqual('hc-workers-1', server['name'])
        self.assertEqual('kp', server['key_name'])
        self.assertEqual(['sg-id'], tmpl['resources']['workers-1-port'][
            'properties']['security_groups'])

    def test_built_nodes_are_recorded_with_addresses_and_host_keys(self):
        rsrc = self.make_set(['workers-0'])
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'IN_PROGRESS')
        self.assertRaises(resource.PollDelay, rsrc.check_create_complete,
                          cookie)
        self.tables.set_status(CHILD, 'CREATE', 'COMPLETE')
        node_rows(self.tables, 'workers-0')
        self.assertTrue(self.advance(rsrc, cookie))
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(build.BUILT, rec['state'])
        self.assertEqual('srv-workers-0', rec['server_id'])
        self.assertEqual('10.0.0.5', rec['fixed_ip'])
        self.assertEqual(1, len(rec['host_keys']))
        self.assertTrue(rec['host_keys'][0].startswith('ssh-ed25519 '))
        self.assertEqual(rec, rsrc.FnGetAtt('nodes')['workers-0'])
        self.assertEqual('1/1 nodes built',
                         rsrc.metadata_get()['summary'])

    def test_a_failed_volume_completes_the_set_with_the_node_failed(self):
        rsrc = self.make_set(['workers-0'])
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'FAILED', 'volume failed')
        node_rows(self.tables, 'workers-0', failing='-volume-0',
                  reason='HTTP 500: injected')
        self.assertTrue(self.advance(rsrc, cookie))
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(('FAILED', 'volume', 'HTTP 500: injected', False),
                         (rec['state'], rec['phase'], rec['reason'],
                          rec['removed']))
        self.assertEqual('0/1 nodes built; failed: workers-0 (volume)',
                         rsrc.metadata_get()['summary'])
        self.assertEqual([], [c for c in self.child if c[0] == 'update'])

    def test_siblings_left_unfinished_are_finished_without_the_failed(
            self):
        rsrc = self.make_set(['workers-0', 'workers-1'])
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'FAILED', 'port failed')
        node_rows(self.tables, 'workers-0', failing='-port',
                  reason='409 quota')
        # workers-1: server up, its attachment never started
        node_rows(self.tables, 'workers-1')
        self.tables.put(CHILD, 'workers-1-attachment-0', 'INIT', 'COMPLETE')
        self.settle(rsrc, cookie)
        kind, tmpl = self.child[-1]
        self.assertEqual('update', kind)
        self.assertNotIn('workers-0', tmpl['resources'])
        self.assertIn('workers-1-attachment-0', tmpl['resources'])
        self.tables.set_status(CHILD, 'UPDATE', 'COMPLETE')
        self.tables.rows[CHILD] = {}
        node_rows(self.tables, 'workers-1')
        self.assertTrue(self.advance(rsrc, cookie))
        nodes = rsrc.metadata_get(refresh=True)['nodes']
        self.assertEqual(build.BUILT, nodes['workers-1']['state'])
        self.assertEqual(('FAILED', 'network', True),
                         (nodes['workers-0']['state'],
                          nodes['workers-0']['phase'],
                          nodes['workers-0']['removed']))

    def test_a_resource_with_no_row_is_not_taken_as_built(self):
        # Heat lost workers-1's floating IP row (a failed replacement whose
        # traversal was superseded): workers-1 is finished by a follow-up,
        # not configured without its address
        rsrc = self.make_set(['workers-0', 'workers-1'], volumes=0,
                             floating_ip_pool='public')
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'UPDATE', 'FAILED',
                               'resource with id 200 not found')
        cookie['wait'].action = 'UPDATE'
        for name, status in (('workers-0', 'COMPLETE'),
                             ('workers-0-port', 'COMPLETE'),
                             ('workers-0-fip', 'FAILED'),
                             ('workers-1', 'COMPLETE'),
                             ('workers-1-port', 'COMPLETE')):
            self.tables.put(CHILD, name, 'CREATE', status, '409 pool')
        self.settle(rsrc, cookie)
        kind, tmpl = self.child[-1]
        self.assertEqual('update', kind)
        self.assertIn('workers-1-fip', tmpl['resources'])
        self.assertNotIn('workers-0', tmpl['resources'])

    def test_each_round_that_finds_a_failed_node_earns_another(self):
        # A set of four: each follow-up update ends at the next node's
        # failing resource, until the last node is built (three rounds,
        # more than the two a smaller set gets).
        nodes = ['workers-0', 'workers-1', 'workers-2', 'workers-3']
        rsrc = self.make_set(nodes)
        cookie = rsrc.handle_create()
        action = 'CREATE'
        for failing, suffix in (('workers-0', '-port'),
                                ('workers-1', '-volume-0'),
                                ('workers-2', '-attachment-0')):
            self.tables.set_status(CHILD, action, 'FAILED', 'stopped')
            self.tables.rows[CHILD] = {}
            node_rows(self.tables, failing, failing=suffix,
                      reason='%s failed' % suffix)
            for other in nodes[nodes.index(failing) + 1:]:
                # never started: Heat stopped at the failure
                self.tables.put(CHILD, other, 'INIT', 'COMPLETE')
            updates = len([c for c in self.child if c[0] == 'update'])
            self.settle(rsrc, cookie)
            kind, tmpl = self.child[-1]
            self.assertEqual(('update', updates + 1),
                             (kind, len([c for c in self.child
                                         if c[0] == 'update'])))
            self.assertNotIn(failing, tmpl['resources'])
            action = 'UPDATE'
        self.tables.set_status(CHILD, 'UPDATE', 'COMPLETE')
        self.tables.rows[CHILD] = {}
        node_rows(self.tables, 'workers-3')
        self.assertTrue(self.advance(rsrc, cookie))
        recs = rsrc.metadata_get(refresh=True)['nodes']
        self.assertEqual(
            {'workers-0': ('FAILED', 'network'),
             'workers-1': ('FAILED', 'volume'),
             'workers-2': ('FAILED', 'volume-attach'),
             'workers-3': ('BUILT', '')},
            {n: (r['state'], r['phase']) for n, r in recs.items()})

    def test_no_follow_up_without_a_new_failed_node(self):
        # The follow-up itself stopped with nothing of its own failed
        # (e.g. the child stack timed out): the unfinished fail, no loop.
        rsrc = self.make_set(['workers-0', 'workers-1'])
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'FAILED', 'port failed')
        node_rows(self.tables, 'workers-0', failing='-port', reason='409')
        self.tables.put(CHILD, 'workers-1', 'INIT', 'COMPLETE')
        self.settle(rsrc, cookie)
        self.tables.set_status(CHILD, 'UPDATE', 'FAILED', 'Timed out')
        self.tables.rows[CHILD] = {}
        self.tables.put(CHILD, 'workers-1', 'INIT', 'COMPLETE')
        self.assertTrue(self.advance(rsrc, cookie))
        self.assertEqual(1, len([c for c in self.child if c[0] == 'update']))
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-1']
        self.assertEqual('FAILED', rec['state'])
        self.assertIn('Timed out', rec['reason'])

    def test_host_keys_printed_late_are_waited_for(self):
        rsrc = self.make_set(['workers-0'], console=['', 'booting...',
                                                     KEYS])
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'COMPLETE')
        node_rows(self.tables, 'workers-0')
        self.assertTrue(self.advance(rsrc, cookie))
        self.assertEqual(3, self.nova.servers.get_console_output.call_count)
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(build.BUILT, rec['state'])

    def test_no_host_keys_within_the_timeout_fails_the_node(self):
        self.override(host_key_timeout=0)
        rsrc = self.make_set(['workers-0'], console='no keys here')
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'COMPLETE')
        node_rows(self.tables, 'workers-0')
        self.assertTrue(self.advance(rsrc, cookie))
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(('FAILED', 'host-key'), (rec['state'],
                                                  rec['phase']))
        self.assertIn('host_key_timeout', rec['reason'])

    def test_an_unchanged_set_is_not_updated(self):
        rsrc = self.make_set(['workers-0'])
        defn = rsrc.t
        props = rsrc.properties
        self.assertFalse(rsrc._needs_update(defn, defn, props, props, None))
        smaller = defn.freeze(properties=dict(
            set_template([])['resources']['workers-0']['properties']))
        self.assertTrue(rsrc._needs_update(
            smaller, defn, smaller.properties(rsrc.properties_schema,
                                              rsrc.context), props, None))

    def test_its_place_in_the_clusters_pacing_is_not_a_change(self):
        # depends_on moves when an earlier set of the cluster goes (see
        # max_concurrent_node_sets); the set itself is the same
        rsrc = self.make_set(['workers-0'])
        defn = rsrc.t
        props = rsrc.properties
        paced = defn.freeze(depends=['workers-5'])
        self.assertFalse(rsrc._needs_update(paced, defn, props, props, None))
        self.assertFalse(rsrc._needs_update(defn, paced, props, props, None))

    def test_new_security_groups_update_the_ports_in_place(self):
        # a group's security_groups change in place: the set is updated
        # (its ports take the groups), not replaced with new servers; an
        # image change would replace it (the cluster refuses that first)
        from heat.engine import resource as resource_mod
        rsrc = self.make_set(['workers-0'])
        defn = rsrc.t
        props = rsrc.properties

        def changed(**new):
            after = defn.freeze(properties=dict(
                set_template(['workers-0'], **new)['resources'][
                    'workers-0']['properties']))
            return after.properties(rsrc.properties_schema, rsrc.context)
        after = changed(security_groups=['sg-id', 'sg-2'])
        self.assertEqual({'security_groups': ['sg-id', 'sg-2']},
                         dict(rsrc.update_template_diff_properties(
                             after, props)))
        self.assertRaises(resource_mod.UpdateReplace,
                          rsrc.update_template_diff_properties,
                          changed(image='other'), props)
        rsrc.handle_create()
        self.with_cloud(rsrc, [])
        upd = defn.freeze(properties=dict(set_template(
            ['workers-0'], security_groups=['sg-id', 'sg-2'])['resources'][
                'workers-0']['properties']))
        rsrc.handle_update(upd, {}, {})
        kind, tmpl = self.child[-1]
        self.assertEqual(('update', ['sg-id', 'sg-2']),
                         (kind, tmpl['resources']['workers-0-port'][
                             'properties']['security_groups']))

    def test_properties_schema_matches_the_core(self):
        rsrc = self.make_set(['workers-0'])
        self.assertEqual(set(template_mod.NODE_SET_PROPERTIES),
                         set(rsrc.properties_schema))
        for name, schema in rsrc.properties_schema.items():
            self.assertTrue(schema.description, name)

    # -- the Heat agent transport ------------------------------------------

    def agent_set(self, outcome):
        deployments = {'workers-0': {'script': '#!/bin/bash\ntrue\n',
                                     'round': 5}}
        rsrc = self.make_set(['workers-0'], console='', volumes=0,
                             transport='heat-agent', deployments=deployments,
                             deployment_timeout=610)
        rpc = self.patchobject(rsrc, 'rpc_client').return_value
        rpc.show_software_deployment.return_value = outcome
        return rsrc, rpc

    def test_deployments_are_recorded_as_the_agent_signalled_them(self):
        rsrc, rpc = self.agent_set({
            'status': 'FAILED', 'status_reason': 'deploy_status_code : 1',
            'output_values': {'deploy_status_code': 1,
                              'deploy_stdout': 'x' * 5000 + 'out',
                              'deploy_stderr': 'err'}})
        cookie = rsrc.handle_create()
        self.assertEqual([11], self.timeouts)   # 610 s, in minutes
        tmpl = self.child[0][1]['resources']
        self.assertEqual('SOFTWARE_CONFIG',
                         tmpl['workers-0']['properties']['user_data_format'])
        self.assertIn('workers-0-deployment', tmpl)
        self.tables.set_status(CHILD, 'CREATE', 'FAILED', 'deploy failed')
        for name in ('workers-0', 'workers-0-port', 'workers-0-config'):
            self.tables.put(CHILD, name, 'CREATE', 'COMPLETE')
        self.tables.put(CHILD, 'workers-0-deployment', 'CREATE', 'FAILED',
                        'Error: Deployment to server failed',
                        physical_id='sd-1')
        self.assertTrue(self.advance(rsrc, cookie))
        rpc.show_software_deployment.assert_called_with(rsrc.context,
                                                        'sd-1')
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(('FAILED', 'deploy'), (rec['state'], rec['phase']))
        dep = rec['deployment']
        self.assertEqual((5, 'FAILED', 1, 'err'),
                         (dep['round'], dep['status'], dep['status_code'],
                          dep['stderr']))
        self.assertTrue(dep['stdout'].endswith('out'))
        self.assertEqual(4000, len(dep['stdout']))
        # nothing connects to an agent's node: no console was read
        self.assertEqual(0, self.nova.servers.get_console_output.call_count)

    def test_a_timed_out_deployment_is_not_waited_for(self):
        rsrc, _rpc = self.agent_set({'status': 'IN_PROGRESS',
                                     'output_values': {}})
        cookie = rsrc.handle_create()
        self.tables.set_status(CHILD, 'CREATE', 'FAILED', 'Timed out')
        for name in ('workers-0', 'workers-0-port', 'workers-0-config'):
            self.tables.put(CHILD, name, 'CREATE', 'COMPLETE')
        self.tables.put(CHILD, 'workers-0-deployment', 'CREATE',
                        'IN_PROGRESS', physical_id='sd-1')
        self.assertTrue(self.advance(rsrc, cookie))
        rec = rsrc.metadata_get(refresh=True)['nodes']['workers-0']
        self.assertEqual(('FAILED', 'IN_PROGRESS'),
                         (rec['state'], rec['deployment']['status']))
        self.assertIn('Timed out', rec['reason'])

    # -- strays: made for a node, never known to Heat ----------------------
    def with_cloud(self, rsrc, servers, volumes=(), ports=()):
        """Nova, Cinder and Neutron answer ``servers`` / ``volumes`` /
        ``ports`` ((id, node, owner) each; a port's name is the one the
        set gives its node's port, its description ``description`` when
        given as a fourth item) until the set deletes them."""
        live = {'servers': {i: (n, o) for i, n, o in servers},
                'volumes': {i: (n, o) for i, n, o in volumes},
                'ports': {p[0]: p[1:] for p in ports}}
        self.port_queries = []

        def list_ports(**query):
            self.port_queries.append(query)
            found = []
            for ident, rec in sorted(live['ports'].items()):
                node, owner = rec[:2]
                name = 'hc-%s-port' % node
                text = rec[2] if len(rec) > 2 else \
                    template_mod.port_marks_text(owner, node)
                if name in query['name']:
                    found.append({'id': ident, 'description': text})
            return {'ports': found}
        self.nova.list_ports.side_effect = list_ports

        def lister(kind):
            def list_(search_opts=None):
                return [mock.Mock(id=i, metadata={
                    template_mod.OWNER_KEY: o, template_mod.NODE_KEY: n})
                    for i, (n, o) in sorted(live[kind].items())]
            return list_
        self.nova.servers.list.side_effect = lister('servers')
        self.nova.volumes.list.side_effect = lister('volumes')
        self.deleted = []

        def deleter(kind):
            def delete(ident):
                self.deleted.append((kind, ident))
                live[kind].pop(ident)
            return delete
        self.nova.servers.delete.side_effect = deleter('servers')
        self.nova.volumes.delete.side_effect = deleter('volumes')
        self.nova.delete_port.side_effect = deleter('ports')
        return live

    def test_the_servers_and_volumes_carry_the_owner_and_the_node(self):
        rsrc = self.make_set(['workers-0'])
        rsrc.handle_create()
        res = self.child[0][1]['resources']
        owner = rsrc.stack.id
        self.assertIsNotNone(owner)
        self.assertEqual(
            (owner, 'workers-0'),
            (res['workers-0']['properties']['metadata'][
                template_mod.OWNER_KEY],
             res['workers-0']['properties']['metadata'][
                 template_mod.NODE_KEY]))
        self.assertEqual({template_mod.OWNER_KEY: owner,
                          template_mod.NODE_KEY: 'workers-0'},
                         res['workers-0-volume-0']['properties'][
                             'metadata'])
        # a port has no metadata: the marks are words of its description,
        # sent with the create request
        self.assertEqual(
            {template_mod.OWNER_KEY: owner,
             template_mod.NODE_KEY: 'workers-0'},
            template_mod.port_marks(res['workers-0-port']['properties'][
                'value_specs']['description']))

    def test_an_update_deletes_the_strays_first_then_updates(self):
        # workers-1's create went through in Nova but its answer was lost:
        # its server holds workers-1's port, so it goes before the update
        rsrc = self.make_set(['workers-0', 'workers-1'])
        rsrc.handle_create()
        owner = rsrc.stack.id
        node_rows(self.tables, 'workers-0')
        self.tables.put(CHILD, 'workers-0', 'CREATE', 'COMPLETE',
                        physical_id='srv-0')
        self.tables.put(CHILD, 'workers-1', 'CREATE', 'FAILED',
                        'Gateway Timeout')
        live = self.with_cloud(
            rsrc, [('srv-0', 'workers-0', owner),
                   ('stray-1', 'workers-1', owner),
                   ('theirs', 'workers-1', 'another-cluster'),
                   ('other-node', 'masters-0', owner)],
            [('vol-stray', 'workers-1', owner)])
        self.nova.servers.delete.side_effect = (
            lambda ident: self.deleted.append(('servers', ident)))
        cookie = rsrc.handle_update(rsrc.t, {}, {})
        self.assertEqual([('servers', 'stray-1'), ('volumes', 'vol-stray')],
                         self.deleted)
        self.assertEqual(['create'], [c[0] for c in self.child])
        # the server is still going: no update yet, and it is asked again
        self.assertRaises(resource.PollDelay, rsrc.check_update_complete,
                          cookie)
        self.assertEqual(['create'], [c[0] for c in self.child])
        self.assertIn(('servers', 'stray-1'), self.deleted[2:])
        del live['servers']['stray-1']
        self.assertRaises(resource.PollDelay, rsrc.check_update_complete,
                          cookie)
        self.assertEqual(['create', 'update'], [c[0] for c in self.child])
        self.assertEqual({'srv-0', 'theirs', 'other-node'},
                         set(live['servers']))

    def test_an_update_with_no_strays_updates_at_once(self):
        rsrc = self.make_set(['workers-0'])
        rsrc.handle_create()
        self.with_cloud(rsrc, [])
        rsrc.handle_update(rsrc.t, {}, {})
        self.assertEqual(['create', 'update'], [c[0] for c in self.child])
        self.assertEqual([], self.deleted)
        # Nova filters by name (a regular expression): this cluster's
        self.assertEqual({'name': '^hc-'}, self.nova.servers.list.call_args[
            1]['search_opts'])

    def test_a_stray_port_goes_and_a_known_or_unmarked_one_stays(self):
        # the engine died between Neutron making workers-1's port and Heat
        # storing its id: the port would keep the cluster's security
        # group, and the cluster's delete would fail on it
        rsrc = self.make_set(['workers-0', 'workers-1'], volumes=0)
        rsrc.handle_create()
        owner = rsrc.stack.id
        self.tables.put(CHILD, 'workers-0-port', 'CREATE', 'COMPLETE',
                        physical_id='port-0')
        self.tables.put(CHILD, 'workers-1-port', 'CREATE', 'FAILED',
                        'Gateway Timeout')
        live = self.with_cloud(
            rsrc, [], ports=[
                ('port-0', 'workers-0', owner),
                ('stray-1', 'workers-1', owner),
                ('theirs', 'workers-1', 'another-cluster'),
                # made by a release that did not mark ports
                ('unmarked', 'workers-1', owner, ''),
                ('hand-made', 'workers-1', owner, 'my port')])
        self.assertEqual(['stray-1'], rsrc.sweep_strays(['workers-0',
                                                         'workers-1']))
        self.assertEqual([('ports', 'stray-1')], self.deleted)
        self.assertEqual({'port-0', 'theirs', 'unmarked', 'hand-made'},
                         set(live['ports']))
        # one question to Neutron, for the nodes' port names exactly
        self.assertEqual([{'name': ['hc-workers-0-port', 'hc-workers-1-port'],
                           'fields': ['id', 'description']}],
                         self.port_queries)

    def test_delete_removes_the_strays_after_the_child_stack(self):
        from heat.engine.resources import stack_resource
        rsrc = self.make_set(['workers-0'])
        rsrc.handle_create()
        owner = rsrc.stack.id
        self.with_cloud(rsrc, [('stray-0', 'workers-0', owner)],
                        [('vol-0', 'workers-0', owner)],
                        [('port-0', 'workers-0', owner)])
        gone = self.patchobject(stack_resource.StackResource,
                                'check_delete_complete',
                                side_effect=[False, True, True])
        self.patchobject(stack_resource.StackResource, 'handle_delete',
                         return_value=None)
        cookie = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(cookie))
        self.assertEqual([], self.deleted)     # the child stack first
        # asked to go; done once they are not listed any more
        self.assertFalse(rsrc.check_delete_complete(cookie))
        self.assertEqual([('servers', 'stray-0'), ('ports', 'port-0'),
                          ('volumes', 'vol-0')], self.deleted)
        self.assertTrue(rsrc.check_delete_complete(cookie))
        self.assertEqual(2, gone.call_count)

    def test_what_a_replacement_set_built_is_not_a_stray(self):
        # a set replaced by one for the same nodes is deleted after its
        # replacement built them: their servers carry the same marks
        from heat.engine.resources import stack_resource
        rsrc = self.make_set(['workers-0'])
        rsrc.handle_create()
        owner = rsrc.stack.id
        self.tables.put('replacement-child', 'workers-0', 'CREATE',
                        'COMPLETE', physical_id='new-0')
        self.tables.put('replacement-child', 'workers-0-volume-0',
                        'CREATE', 'COMPLETE', physical_id='new-vol-0')
        self.with_cloud(rsrc, [('new-0', 'workers-0', owner)],
                        [('new-vol-0', 'workers-0', owner)])
        self.patchobject(stack_resource.StackResource,
                         'check_delete_complete', return_value=True)
        self.patchobject(stack_resource.StackResource, 'handle_delete',
                         return_value=None)
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))
        self.assertEqual([], self.deleted)

    def test_delete_fails_naming_strays_that_do_not_go(self):
        from heat.engine.resources import stack_resource
        from heat_savanna.resources import node_set
        rsrc = self.make_set(['workers-0'], volumes=0)
        rsrc.handle_create()
        self.with_cloud(rsrc, [('stuck', 'workers-0', rsrc.stack.id)])
        self.nova.servers.delete.side_effect = Exception('409 busy')
        self.patchobject(stack_resource.StackResource,
                         'check_delete_complete', return_value=True)
        self.patchobject(stack_resource.StackResource, 'handle_delete',
                         return_value=None)
        cookie = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(cookie))
        self.patchobject(node_set, 'STRAY_WAIT', new=-1)
        cookie['until'] = 0
        err = self.assertRaises(Exception, rsrc.check_delete_complete,
                                cookie)
        self.assertIn('stuck', str(err))
        self.assertIn('delete again', str(err))
        # no volumes in this set: Cinder is not asked
        self.assertEqual(0, self.nova.volumes.list.call_count)


#: polls of a FAILED child: SETTLE_POLLS quiet ones, then the follow-up
SETTLE_CALLS = 2
