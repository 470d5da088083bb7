"""Signals to OS::Savanna::Cluster on Heat's harness: refused while busy
or malformed, run as an action of the cluster's own stack, and the counts
they set kept by the next update unless it changes them."""

import copy
from unittest import mock

from heat.common import exception
from heat.engine.resources import stack_resource

from heat_savanna.resources import state as state_mod
from tests.unit.resources import harness
from tests.unit.resources import test_operation


class SignalTest(test_operation.ActiveClusterTestCase):

    def cluster(self, **worker):
        tmpl = harness.template(3)
        tmpl['resources']['cluster']['properties']['node_groups'][1].update(
            worker)
        stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'worker-1', 'worker-2'])
        self.drive(rsrc, cookie)
        rsrc.state_set(rsrc.CREATE, rsrc.COMPLETE)
        self.stack.state_set(self.stack.CREATE, self.stack.COMPLETE, 'ok')
        self.rpc = self.patchobject(rsrc, 'rpc_client').return_value
        self.plugin.calls[:] = []
        return tmpl, rsrc

    def test_malformed_signals_are_refused_in_the_request(self):
        _t, rsrc = self.cluster()
        for data, needle in (
                ({'action': 'grow'}, "signal.action: unknown action"),
                ({'action': 'resize', 'group': 'worker', 'count': 9},
                 'outside its bounds 3..3'),
                ({'action': 'resize', 'group': 'x', 'count': 1},
                 "no node group 'x'")):
            error = self.assertRaises(exception.StackValidationFailed,
                                      rsrc._signal_check_hook, data)
            self.assertIn(needle, str(error))
        self.assertFalse(self.rpc.update_stack.called)

    def test_a_signal_while_anything_runs_is_refused_with_what_runs(self):
        _t, rsrc = self.cluster()
        rsrc.state_set(rsrc.UPDATE, rsrc.IN_PROGRESS, 'configuring: x')
        error = self.assertRaises(exception.ActionInProgress,
                                  rsrc._signal_check_action)
        self.assertIn('UPDATE of cluster: configuring: x', str(error))
        rsrc.state_set(rsrc.UPDATE, rsrc.COMPLETE, 'ok')
        rsrc._signal_check_action()
        # a heal accepted but not started yet also counts
        rsrc.handle_signal({'action': 'heal'})
        error = self.assertRaises(exception.ActionInProgress,
                                  rsrc._signal_check_action)
        self.assertIn('signal heal, not yet started', str(error))

    def test_heal_and_resize_run_as_a_stack_update_check_as_a_check(self):
        _t, rsrc = self.cluster(max_count=5)
        self.assertEqual('resize worker by +2 started', rsrc.handle_signal(
            {'action': 'resize', 'group': 'worker', 'adjustment': 2}))
        args = self.rpc.update_stack.call_args[0]
        self.assertEqual(dict(self.stack.identifier()), args[1])
        self.assertEqual({'existing': True}, args[5])
        self.assertEqual({'action': 'resize', 'group': 'worker',
                          'adjustment': 2},
                         state_mod.load(rsrc)['signal'])
        # the update Heat runs: the cluster applies the pending request
        self.assertTrue(rsrc._needs_update(rsrc.t, rsrc.t, rsrc.properties,
                                           rsrc.properties, None))
        cookie = rsrc.handle_update(rsrc.t, {}, {})
        self.assertEqual(['worker-3', 'worker-4'],
                         [n for n in self.node_sets()
                          if n not in ('master-0', 'worker-0', 'worker-1',
                                       'worker-2')])
        self.all_built(['worker-3', 'worker-4'], action='UPDATE')
        self.drive(rsrc, cookie)
        state = state_mod.load(rsrc)
        self.assertNotIn('signal', state)
        self.assertEqual({'worker': 5}, state['overrides'])
        self.assertEqual(6, rsrc.FnGetAtt('desired_count'))
        self.assertEqual('ACTIVE', rsrc.metadata_get(refresh=True)['status'])
        rsrc.handle_signal({'action': 'check'})
        self.assertTrue(self.rpc.stack_check.called)

    def test_the_next_update_keeps_the_signal_count_unless_count_changes(
            self):
        tmpl, rsrc = self.cluster(max_count=6)
        state = state_mod.load(rsrc)
        state['overrides'] = {'worker': 5}
        state_mod.save(rsrc, state)
        # min_active changed, count not: the signal's 5 stays
        tmpl['resources']['cluster']['properties']['node_groups'][1][
            'min_active'] = '2'
        self.update(rsrc, tmpl)
        self.assertEqual({'worker': 5}, state_mod.load(rsrc)['overrides'])
        self.assertEqual(5, len([n for n in self.node_sets()
                                 if n.startswith('worker')]))
        # count changed in the template: the template wins
        self.tables.set_status(harness.NESTED_ID, 'UPDATE', 'COMPLETE')
        tmpl = copy.deepcopy(tmpl)
        tmpl['resources']['cluster']['properties']['node_groups'][1][
            'count'] = 4
        with mock.patch.object(rsrc, '_has_failed_nodes',
                               return_value=False):
            self.update(rsrc, tmpl)
        self.assertEqual({}, state_mod.load(rsrc)['overrides'])

    def test_alarm_url_is_a_presigned_signal_url(self):
        _t, rsrc = self.cluster()
        signed = self.patchobject(
            rsrc, '_get_ec2_signed_url',
            return_value='http://cfn/v1/signal/arn?Signature=x')
        self.assertEqual('http://cfn/v1/signal/arn?Signature=x',
                         rsrc.FnGetAtt('alarm_url'))
        signed.assert_called_once_with(never_expire=True)

    def test_an_alarm_body_does_the_alarm_action(self):
        tmpl = harness.template(3)
        tmpl['resources']['cluster']['properties'].update(
            alarm_action={'action': 'heal'})
        _stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'worker-1', 'worker-2'])
        self.drive(rsrc, cookie)
        self.patchobject(rsrc, 'rpc_client')
        self.assertEqual('heal started', rsrc.handle_signal(
            {'alarm_name': 'x', 'current': 'alarm', 'previous': 'ok',
             'reason': 'cpu'}))

    def test_suspend_and_resume_reach_the_nested_stack_without_a_user(
            self):
        _t, rsrc = self.cluster()
        suspend = self.patchobject(stack_resource.StackResource,
                                   'handle_suspend', return_value=None)
        resume = self.patchobject(stack_resource.StackResource,
                                  'handle_resume', return_value=None)
        keystone = self.patchobject(rsrc, 'keystone')
        rsrc.handle_suspend()
        cookie = rsrc.handle_resume()
        self.assertEqual(1, suspend.call_count)
        self.assertEqual(1, resume.call_count)
        self.assertEqual('resume', cookie.kind)
        self.assertFalse(keystone.called)
