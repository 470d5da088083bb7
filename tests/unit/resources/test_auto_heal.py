"""Automatic heals of OS::Savanna::Cluster on Heat's harness: a watchdog's
report is refused unless auto-heal is on and out of its cool-down and
cap, re-checked before anything is rebuilt, and told in events and the
status reason."""

from heat.common import exception

from tests.unit.resources import harness
from tests.unit.resources import test_operation

REPORT = {'action': 'auto-heal', 'lost': ['worker-1'],
          'since': {'worker-1': '2026-12-07T19:40:02Z'},
          'reporter': 'master-0'}


class AutoHealTest(test_operation.ActiveClusterTestCase):

    def cluster(self, **auto_heal):
        tmpl = harness.template(3, min_active=2, auto_heal=dict(
            {'enabled': True}, **auto_heal))
        stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'worker-1', 'worker-2'])
        self.drive(rsrc, cookie)
        self.plugin.calls[:] = []
        self.events = []
        self.patchobject(rsrc, 'report_event',
                         side_effect=lambda r, s=None: self.events.append(r))
        nova = self.patchobject(rsrc, 'client').return_value
        nova.servers.get.return_value = type('S', (), {'status': 'ACTIVE'})()
        return tmpl, rsrc

    def report(self, rsrc, tmpl, report=REPORT):
        """What the engine does with a report: the request checked in the
        API, then the update it starts (its cookie)."""
        rsrc._signal_check_hook(report)
        self.patchobject(rsrc, 'rpc_client')
        rsrc.handle_signal(report)
        return self.update(rsrc, tmpl)

    def until_rebuild(self, rsrc, cookie, templates):
        """Look at the action until it updates the nested stack."""
        for _ in range(100):
            if len(self.templates) > templates:
                return
            self.assertFalse(rsrc._operation().advance(cookie))
        self.fail('no nested update: %s' % cookie.phase)

    def test_a_lost_node_is_re_checked_then_rebuilt_and_told(self):
        tmpl, rsrc = self.cluster()
        self.plugin.fail = {'health one': {'worker-1': 'Worker not running'}}
        templates = len(self.templates)
        cookie = self.report(rsrc, tmpl)
        # nothing is rebuilt before every node was re-checked
        self.assertEqual(templates, len(self.templates))
        self.assertIn('auto-heal: worker-1 (lost since 19:40:02) reported '
                      'lost by master-0; re-checking', self.events[0])
        self.until_rebuild(rsrc, cookie, templates)
        self.assertEqual('health', self.plugin.calls[0][0])
        self.assertEqual(['master-0', 'worker-0', 'worker-2', 'worker-3'],
                         sorted(self.node_sets()))
        self.assertIn('auto-heal: rebuilding worker-1 (lost since '
                      '19:40:02)', self.events)
        self.plugin.fail = {}
        self.all_built(['worker-3'], action='UPDATE')
        self.drive(rsrc, cookie)
        told = 'auto-heal: worker-1 lost at 19:40:02, rebuilt as worker-3'
        self.assertEqual(told, self.events[-1])
        self.assertEqual('ACTIVE: 4/4 nodes active (%s)' % told,
                         rsrc.status_reason)
        state = self.state(rsrc)
        self.assertNotIn('worker-1', state['nodes'])
        self.assertEqual(['worker-1'],
                         [n for _at, n in state['auto_heal']['rebuilt']])

    def test_a_wrong_report_replaces_nothing(self):
        tmpl, rsrc = self.cluster()
        templates = len(self.templates)
        cookie = self.report(rsrc, tmpl)
        self.drive(rsrc, cookie)
        self.assertEqual(templates, len(self.templates))
        self.assertIn('auto-heal: the re-check found no failed node '
                      '(reported lost: worker-1): nothing rebuilt',
                      self.events)
        self.assertEqual('ACTIVE: 4/4 nodes active', rsrc.status_reason)

    def test_reports_are_refused_when_off_in_cool_down_or_past_the_cap(self):
        tmpl, rsrc = self.cluster(enabled=False)
        error = self.assertRaises(exception.StackValidationFailed,
                                  rsrc._signal_check_hook, REPORT)
        self.assertIn('auto-heal is not enabled on this cluster',
                      str(error))
        tmpl, rsrc = self.cluster(cooldown=600)
        self.drive(rsrc, self.report(rsrc, tmpl))
        error = self.assertRaises(exception.StackValidationFailed,
                                  rsrc._signal_check_hook, REPORT)
        self.assertIn('auto-heal cool-down', str(error))
        self.assertIn('auto_heal.cooldown 600 s', str(error))

    def test_the_cap_holds_the_second_rebuild(self):
        tmpl, rsrc = self.cluster(cooldown=0, max_rebuilds_per_hour=1)
        self.plugin.fail = {'health one': {'worker-1': 'gone'}}
        templates = len(self.templates)
        cookie = self.report(rsrc, tmpl)
        self.until_rebuild(rsrc, cookie, templates)
        self.plugin.fail = {}
        self.all_built(['worker-3'], action='UPDATE')
        self.drive(rsrc, cookie)
        # past the cap: worker-0 is re-checked, found failed, not rebuilt
        self.plugin.fail = {'health one': {'worker-0': 'gone'}}
        lost = dict(REPORT, lost=['worker-0'], since={})
        templates = len(self.templates)
        self.drive(rsrc, self.report(rsrc, tmpl, lost))
        self.assertEqual(templates, len(self.templates))
        self.assertIn('auto-heal: not rebuilding worker-0: 1 more would '
                      'pass auto_heal.max_rebuilds_per_hour 1',
                      self.events[-1])
        self.assertEqual('PARTIALLY_ACTIVE',
                         rsrc.metadata_get(refresh=True)['status'])
        # and its next report is refused in the API
        error = self.assertRaises(exception.StackValidationFailed,
                                  rsrc._signal_check_hook, lost)
        self.assertIn('auto-heal cap reached: 1 nodes rebuilt', str(error))
        self.assertIn('(worker-1; auto_heal.max_rebuilds_per_hour 1) and '
                      'worker-0 already known failed', str(error))

    def test_report_keys_are_checked(self):
        _tmpl, rsrc = self.cluster()
        for data, needle in (
                (dict(REPORT, lost='worker-1'),
                 'signal.lost: must be a list of node names'),
                (dict(REPORT, count=2), 'only resize takes count'),
                ({'action': 'heal', 'lost': ['worker-1']},
                 'only auto-heal takes lost')):
            error = self.assertRaises(exception.StackValidationFailed,
                                      rsrc._signal_check_hook, data)
            self.assertIn(needle, str(error))
