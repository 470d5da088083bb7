"""Every phase of OS::Savanna::Cluster's actions on Heat's harness.

The nested stacks are simulated at the table level (see harness.py); the
resource, its phases, the plan, the health rules and the step runner are
the real code.
"""

from heat.common import exception

from heat_savanna.core import build
from heat_savanna.resources import phases
from heat_savanna.resources import state as state_mod
from tests.unit.resources import harness
from tests.unit.resources.harness import NESTED_ID

NODES = ['master-0', 'worker-0', 'worker-1', 'worker-2']


class CreateTest(harness.ClusterTestCase):

    def create(self, tmpl=None):
        _stack, rsrc = self.make_cluster(tmpl or harness.template())
        cookie = rsrc.handle_create()
        return rsrc, cookie

    def test_create_builds_node_sets_then_configures_every_node(self):
        rsrc, cookie = self.create()
        kind, tmpl = self.templates[0]
        self.assertEqual('create', kind)
        self.assertEqual({n: [n] for n in NODES}, self.node_sets(tmpl))
        # nothing configured while the nested stack is in progress
        self.tables.set_status(NESTED_ID, 'CREATE', 'IN_PROGRESS')
        self.assertFalse(rsrc._operation().advance(cookie))
        self.assertEqual([], self.plugin.calls)
        self.all_built(NODES)
        self.drive(rsrc, cookie)
        self.assertEqual([('create', tuple(NODES))], self.plugin.calls)
        self.assertEqual(dict.fromkeys(NODES, ('ACTIVE', '')),
                         self.node_states(rsrc))
        md = rsrc.metadata_get(refresh=True)
        self.assertEqual('ACTIVE', md['status'])
        self.assertEqual('ACTIVE: 4/4 nodes active', md['summary'])
        self.assertEqual('ACTIVE: 4/4 nodes active', rsrc.status_reason)
        nodes = {n['name']: n for n in rsrc.FnGetAtt('nodes')}
        self.assertEqual('srv-worker-1', nodes['worker-1']['server_id'])
        self.assertEqual('10.0.0.2', rsrc.FnGetAtt('master_address'))
        self.assertEqual(nodes['master-0']['server_id'],
                         rsrc.FnGetAtt('master_server'))
        # Heat's generic 'show' looks nothing up: a resource show then
        # resolves every attribute of the schema
        self.assertIsNone(rsrc.FnGetAtt('show'))
        self.assertEqual({'master': 'x://10.0.0.2'},
                         rsrc.FnGetAtt('endpoints'))
        self.assertEqual(4, rsrc.FnGetAtt('active_count'))
        private = state_mod.private_key(rsrc)
        self.assertIn('PRIVATE KEY', private)
        for name in ('nodes', 'info', 'failed_nodes', 'endpoints'):
            self.assertNotIn('PRIVATE KEY', str(rsrc.FnGetAtt(name)))
        self.assertNotIn('PRIVATE KEY', str(md))

    def test_a_node_failed_in_its_set_leaves_the_others_partially_active(
            self):
        rsrc, cookie = self.create(harness.template(min_active=2))
        self.all_built(NODES, **{'worker-1': {
            'state': build.FAILED, 'phase': 'volume',
            'reason': 'HTTP 500: injected'}})
        self.drive(rsrc, cookie)
        self.assertEqual(('FAILED', 'volume'),
                         self.node_states(rsrc)['worker-1'])
        ci = self.plugin.calls[0]
        self.assertEqual(('create', ('master-0', 'worker-0', 'worker-2')),
                         ci)
        md = rsrc.metadata_get(refresh=True)
        self.assertEqual('PARTIALLY_ACTIVE', md['status'])
        self.assertEqual([{'name': 'worker-1', 'group': 'worker',
                           'phase': 'volume',
                           'reason': 'HTTP 500: injected'}],
                         md['failed_nodes'])
        self.assertEqual('PARTIALLY_ACTIVE: worker 2/3 active (min 2); '
                         '1 node to rebuild', md['summary'])

    def test_configure_failure_rewrites_the_survivors_member_lists(self):
        rsrc, cookie = self.create(harness.template(min_active=2))
        self.plugin.fail = {'create one': {'worker-2': 'ssh refused'}}
        self.all_built(NODES)
        self.drive(rsrc, cookie)
        self.assertEqual(('FAILED', 'create one'),
                         self.node_states(rsrc)['worker-2'])
        self.assertEqual(('members', ('master-0', 'worker-0', 'worker-1')),
                         self.plugin.calls[1])
        self.assertEqual('PARTIALLY_ACTIVE',
                         rsrc.metadata_get(refresh=True)['status'])

    def test_a_failed_master_stops_configuration_at_once(self):
        rsrc, cookie = self.create()
        self.plugin.fail = {'create one': {'master-0': 'no java'}}
        self.all_built(NODES)
        error = self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        self.assertIn('node master-0 running master failed in create one: '
                      'RuntimeError: no java', str(error))
        # the later steps never ran
        self.assertEqual({'create one'}, {s for s, _n in self.plugin.ran})
        self.assertEqual('FAILED', rsrc.metadata_get(refresh=True)['status'])

    def test_below_min_active_at_build_fails_before_configuring(self):
        rsrc, cookie = self.create(harness.template(min_active=3))
        self.all_built(NODES, **{'worker-0': {
            'state': build.FAILED, 'phase': 'boot', 'reason': 'No valid '
            'host was found'}})
        error = self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        self.assertIn('group worker can have at most 2 of 3 nodes active, '
                      'below min_active 3', str(error))
        self.assertIn('first failure: worker-0 in boot', str(error))
        self.assertEqual([], self.plugin.calls)

    def test_shared_resource_failure_fails_the_cluster(self):
        rsrc, cookie = self.create()
        self.tables.set_status(NESTED_ID, 'CREATE', 'FAILED', 'keypair')
        self.tables.put(NESTED_ID, 'management-keypair', 'CREATE', 'FAILED',
                        'quota exceeded')
        error = self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        self.assertIn('cluster infrastructure failed: management-keypair: '
                      'quota exceeded', str(error))

    def test_sets_left_unfinished_are_finished_by_a_follow_up(self):
        rsrc, cookie = self.create(harness.template(min_active=2))
        # the nested stack failed: worker-1's set raised, worker-2's set
        # was never started
        self.tables.set_status(NESTED_ID, 'CREATE', 'FAILED', 'boom')
        for i, node in enumerate(('master-0', 'worker-0')):
            self.tables.built_set(NESTED_ID, node, '10.0.0.%d' % (i + 2))
        self.tables.put(NESTED_ID, 'worker-1', 'CREATE', 'FAILED',
                        'RPC timeout')
        self.tables.put(NESTED_ID, 'worker-2', 'INIT', 'COMPLETE')
        op = rsrc._operation()
        for _ in range(3):          # settling, then the follow-up
            op.advance(cookie)
        kind, tmpl = self.templates[-1]
        self.assertEqual('update', kind)
        self.assertNotIn('worker-1', self.node_sets(tmpl))
        self.assertIn('worker-2', self.node_sets(tmpl))
        self.assertEqual(('FAILED', 'boot'),
                         self.node_states(rsrc)['worker-1'])
        self.assertTrue(self.state(rsrc)['nodes']['worker-1']['removed'])
        # the follow-up finishes worker-2
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.tables.built_set(NESTED_ID, 'worker-2', '10.0.0.9')
        self.drive(rsrc, cookie)
        self.assertEqual(('ACTIVE', ''), self.node_states(rsrc)['worker-2'])
        self.assertEqual('PARTIALLY_ACTIVE',
                         rsrc.metadata_get(refresh=True)['status'])
        # a later template still leaves the removed node out
        self.assertNotIn('worker-1', self.node_sets(
            rsrc._operation().child_template()))

    def test_boot_progress_never_goes_backwards(self):
        rsrc, cookie = self.create()
        self.tables.set_status(NESTED_ID, 'CREATE', 'IN_PROGRESS')
        ups = iter([3, 2, 4])
        self.patchobject(phases.infra, 'servers_up',
                         side_effect=lambda *a: next(ups))
        reasons = []
        for _ in range(3):
            if cookie.progress is not None:
                cookie.boot_progress.at = cookie.progress.at = None
            rsrc._operation().advance(cookie)
            reasons.append(rsrc.status_reason)
        self.assertEqual(['booting: 3/4 servers up',
                          'booting: 3/4 servers up',
                          'booting: 4/4 servers up'], reasons)


class ActiveClusterTestCase(harness.ClusterTestCase):

    def active_cluster(self, workers=3, min_active=None, **built):
        stack, rsrc = self.make_cluster(harness.template(workers,
                                                         min_active))
        cookie = rsrc.handle_create()
        nodes = ['master-0'] + ['worker-%d' % i for i in range(workers)]
        self.all_built(nodes, **built)
        self.drive(rsrc, cookie)
        self.plugin.calls[:] = []
        self.plugin.ran[:] = []
        return stack, rsrc

    def update(self, rsrc, tmpl):
        props = tmpl['resources']['cluster']['properties']
        snippet = rsrc.t.freeze(properties=props)
        cookie = rsrc.handle_update(snippet, {}, {})
        rsrc.properties = snippet.properties(rsrc.properties_schema,
                                             rsrc.context)
        return cookie


class UpdateTest(ActiveClusterTestCase):

    def test_scale_up_adds_node_sets_and_leaves_the_others_alone(self):
        _stack, rsrc = self.active_cluster(3)
        before = self.node_sets()
        before_props = {n: r['properties'] for n, r in
                        self.last_template()['resources'].items()}
        cookie = self.update(rsrc, harness.template(5))
        after = self.last_template()
        self.assertEqual(dict(before, **{'worker-3': ['worker-3'],
                                         'worker-4': ['worker-4']}),
                         self.node_sets(after))
        for name, props in before_props.items():
            self.assertEqual(props, after['resources'][name]['properties'])
        self.all_built(['worker-3', 'worker-4'], action='UPDATE')
        self.drive(rsrc, cookie)
        self.assertEqual([('scale-up', ('master-0', 'worker-0', 'worker-1',
                                        'worker-2', 'worker-3', 'worker-4'),
                           ('worker-3', 'worker-4'))], self.plugin.calls)
        self.assertEqual('ACTIVE', rsrc.metadata_get(refresh=True)['status'])

    def test_heal_replaces_failed_nodes_under_new_names(self):
        _stack, rsrc = self.active_cluster(3, min_active=2, **{
            'worker-1': {'state': build.FAILED, 'phase': 'boot',
                         'reason': 'injected'}})
        self.assertTrue(rsrc._has_failed_nodes())
        cookie = self.update(rsrc, harness.template(3, min_active=2))
        sets = self.node_sets()
        self.assertNotIn('worker-1', sets)
        self.assertEqual(['worker-3'], sets['worker-3'])
        self.all_built(['worker-3'], action='UPDATE')
        self.drive(rsrc, cookie)
        self.assertNotIn('worker-1', self.state(rsrc)['nodes'])
        self.assertEqual('ACTIVE', rsrc.metadata_get(refresh=True)['status'])
        self.assertEqual(('worker-3',), self.plugin.calls[0][2])

    def test_scale_down_decommissions_then_removes_the_sets(self):
        _stack, rsrc = self.active_cluster(3)
        cookie = self.update(rsrc, harness.template(1))
        grow = self.node_sets()
        self.assertIn('worker-2', grow)      # kept until decommissioned
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.drive(rsrc, cookie)
        self.assertEqual('decommission', self.plugin.calls[0][0])
        self.assertEqual(('worker-1', 'worker-2'), self.plugin.calls[0][2])
        self.assertEqual({'master-0': ['master-0'],
                          'worker-0': ['worker-0']}, self.node_sets())
        self.assertEqual(['master-0', 'worker-0'],
                         sorted(self.state(rsrc)['nodes']))

    def test_stuck_decommission_removes_nothing(self):
        _stack, rsrc = self.active_cluster(3)
        cookie = self.update(rsrc, harness.template(2))
        self.plugin.fail = {'decommission two': {'worker-2': 'blocks left'}}
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        error = self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        self.assertIn('scale-down stopped, no node removed', str(error))
        self.assertIn('worker-2: RuntimeError: blocks left', str(error))
        self.assertIn('worker-2', self.state(rsrc)['nodes'])

    def test_fixed_group_keys_are_refused_naming_the_property(self):
        _stack, rsrc = self.active_cluster(2)
        tmpl = harness.template(2)
        tmpl['resources']['cluster']['properties']['node_groups'][1][
            'flavor'] = 'm1.large'
        error = self.assertRaises(exception.StackValidationFailed,
                                  self.update, rsrc, tmpl)
        self.assertIn('Property node_groups[1].flavor: changing flavor of '
                      'the existing node group', str(error))


class AccessUpdateTest(ActiveClusterTestCase):

    def rules(self):
        return self.last_template()['resources']['security-group'][
            'properties']['rules']

    def test_access_cidrs_change_the_rules_in_place(self):
        from heat_savanna.plugins import base
        self.plugin.get_ports = lambda cluster: [
            base.PortRule(7077), base.PortRule(8080, public=True)]
        _stack, rsrc = self.active_cluster(2)
        sets = self.node_sets()
        # created before access_cidrs: the web UI between members only
        self.assertEqual([], [r for r in self.rules()
                              if r.get('port_range_min') == 8080 and
                              'remote_ip_prefix' in r])
        tmpl = harness.template(2, access_cidrs={
            'web_ui': ['203.0.113.0/24'], 'ssh': ['192.0.2.0/24']})
        props = tmpl['resources']['cluster']['properties']
        # an allowed update: Heat does not replace the cluster for it
        rsrc.update_template_diff_properties(
            rsrc.t.freeze(properties=props).properties(
                rsrc.properties_schema, rsrc.context), rsrc.properties)
        cookie = self.update(rsrc, tmpl)
        self.assertEqual(['192.0.2.0/24'],
                         [r['remote_ip_prefix'] for r in self.rules()
                          if r.get('port_range_min') == 22])
        self.assertEqual(['203.0.113.0/24'],
                         [r['remote_ip_prefix'] for r in self.rules()
                          if r.get('port_range_min') == 8080 and
                          'remote_ip_prefix' in r])
        # the same node sets: no server replaced, nothing reconfigured
        self.assertEqual(sets, self.node_sets())
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.drive(rsrc, cookie)
        self.assertEqual([], self.plugin.calls)
        # an update without access_cidrs: the defaults again, web UIs
        # closed from outside
        cookie = self.update(rsrc, harness.template(2))
        self.assertEqual(['0.0.0.0/0'],
                         [r['remote_ip_prefix'] for r in self.rules()
                          if r.get('port_range_min') == 22])
        self.assertEqual([{'direction': 'ingress', 'protocol': 'tcp',
                           'port_range_min': 8080, 'port_range_max': 8080,
                           'remote_mode': 'remote_group_id'}],
                         [r for r in self.rules()
                          if r.get('port_range_min') == 8080])
        self.assertEqual(sets, self.node_sets())


class CheckTest(ActiveClusterTestCase):

    def test_check_marks_a_dead_service_failed(self):
        _stack, rsrc = self.active_cluster(2, min_active=1)
        self.plugin.fail = {'health one': {'worker-1': 'Worker not running'}}
        fake_server = type('S', (), {'status': 'ACTIVE'})()
        nova = self.patchobject(rsrc, 'client').return_value
        nova.servers.get.return_value = fake_server
        cookie = rsrc.handle_check()
        self.drive(rsrc, cookie)
        self.assertEqual(('FAILED', 'health one'),
                         self.node_states(rsrc)['worker-1'])
        md = rsrc.metadata_get(refresh=True)
        self.assertEqual('PARTIALLY_ACTIVE', md['status'])

    def test_check_finds_a_deleted_server(self):
        _stack, rsrc = self.active_cluster(2)
        nova = self.patchobject(rsrc, 'client').return_value
        nova.servers.get.side_effect = KeyError('gone')
        cookie = rsrc.handle_check()
        self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        self.assertEqual(('FAILED', 'check'),
                         self.node_states(rsrc)['master-0'])
        self.assertIn('server not found',
                      self.state(rsrc)['nodes']['master-0']['reason'])


class VersionTest(harness.ClusterTestCase):

    def test_a_cluster_keeps_its_version_when_the_default_moves_on(self):
        tmpl = harness.template(1)
        del tmpl['resources']['cluster']['properties']['plugin_version']
        _stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0'])
        self.drive(rsrc, cookie)
        self.assertEqual('1.0', rsrc.FnGetAtt('info')['version'])
        self.plugin.get_versions = lambda: ['2.0', '1.0']
        self.assertEqual('1.0', rsrc.FnGetAtt('info')['version'])
        self.assertEqual('1.0', state_mod.load(rsrc)['plugin_version'])


class ReconfigureTest(ActiveClusterTestCase):

    def test_a_config_change_rolls_through_the_nodes_replacing_nothing(self):
        _stack, rsrc = self.active_cluster(3, min_active=2)
        sets_before = self.node_sets()
        tmpl = harness.template(3, min_active=2,
                                cluster_configs={'general': {'x': '1'}})
        cookie = self.update(rsrc, tmpl)
        self.assertEqual(sets_before, self.node_sets())
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.drive(rsrc, cookie)
        calls = [c for c in self.plugin.calls if c[0] == 'reconfigure']
        # 3 workers, min_active 2: one at a time, the master last; the
        # recording plugin has no catalog: every process restarts
        self.assertEqual([('worker-0',), ('worker-1',), ('worker-2',),
                          ('master-0',)], [c[2] for c in calls])
        self.assertEqual((('worker-0', ('worker',)),), calls[0][3])
        self.assertEqual((('master-0', ('master',)),), calls[3][3])
        self.assertEqual('ACTIVE', rsrc.metadata_get(refresh=True)['status'])

    def test_a_node_config_change_reaches_only_its_group(self):
        _stack, rsrc = self.active_cluster(2, min_active=1)
        tmpl = harness.template(2, min_active=1)
        tmpl['resources']['cluster']['properties']['node_groups'][1][
            'node_configs'] = {'general': {'y': '2'}}
        cookie = self.update(rsrc, tmpl)
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.drive(rsrc, cookie)
        batches = [c[2] for c in self.plugin.calls if c[0] == 'reconfigure']
        self.assertEqual([('worker-0',), ('worker-1',)], batches)

    def test_a_failed_restart_below_min_active_stops_the_rollout(self):
        _stack, rsrc = self.active_cluster(3, min_active=3)
        self.plugin.fail = {'reconfigure one': {'worker-0': 'no restart'}}
        tmpl = harness.template(3, min_active=3,
                                cluster_configs={'general': {'x': '1'}})
        cookie = self.update(rsrc, tmpl)
        self.tables.set_status(NESTED_ID, 'UPDATE', 'COMPLETE')
        self.assertRaises(exception.Error, self.drive, rsrc, cookie)
        ran = {n for s, n in self.plugin.ran if s.startswith('reconfigure')}
        self.assertEqual({'worker-0'}, ran)
