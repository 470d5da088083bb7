"""resources.progress: when a progress line is due (Throttle), and what
ProgressMixin writes for it: the resource's status_reason in Heat's
resource table and, on request, an event."""

import time

from heat.objects import event as event_object
from heat.objects import resource as resource_objects

from heat_savanna.resources import progress
from tests.unit.resources import harness


def test_the_first_line_is_due_and_the_same_line_is_never_repeated():
    throttle = progress.Throttle(interval=5)
    assert throttle.due('booting: 1/4', now=100)
    assert not throttle.due('booting: 1/4', now=200)
    assert (throttle.last, throttle.at) == ('booting: 1/4', 100)


def test_a_new_line_waits_for_the_interval_unless_forced():
    throttle = progress.Throttle(interval=5)
    assert throttle.due('a', now=100)
    assert not throttle.due('b', now=104)
    assert throttle.due('b', now=105)
    assert throttle.due('c', now=105.5, force=True)
    # forced, the same line is reported again
    assert throttle.due('c', now=105.6, force=True)


def test_without_a_line_only_the_interval_counts():
    throttle = progress.Throttle(interval=5)
    assert throttle.due(now=100)
    assert not throttle.due(now=102)
    assert throttle.due(now=105)
    assert throttle.due(now=110)


class ReportProgressTest(harness.ClusterTestCase):

    def make(self):
        _stack, rsrc = self.make_cluster(harness.template())
        self.seen = set()
        self.seen = {e.id for e in self.new_events(rsrc)}
        return rsrc

    def new_events(self, rsrc):
        """The resource's events since :meth:`make`, oldest first."""
        return sorted((e for e in event_object.Event.get_all_by_stack(
            rsrc.context, rsrc.stack.id)
            if e.resource_name == rsrc.name and e.id not in self.seen),
            key=lambda e: e.id)

    def events(self, rsrc):
        return [e.resource_status_reason for e in self.new_events(rsrc)]

    def throttle(self, interval):
        """A Throttle whose last line was reported an interval ago."""
        return progress.Throttle(interval=interval,
                                 at=time.monotonic() - interval)

    def stored_reason(self, rsrc):
        return resource_objects.Resource.get_obj(
            rsrc.context, rsrc.id).status_reason

    def test_a_due_line_is_stored_and_becomes_an_in_progress_event(self):
        rsrc = self.make()
        throttle = self.throttle(3600)
        rsrc.report_progress(throttle, 'booting: 2/4 servers up')
        self.assertEqual('booting: 2/4 servers up', rsrc.status_reason)
        self.assertEqual('booting: 2/4 servers up',
                         self.stored_reason(rsrc))
        self.assertEqual(['booting: 2/4 servers up'], self.events(rsrc))
        [event] = self.new_events(rsrc)
        self.assertEqual(('CREATE', 'IN_PROGRESS'),
                         (event.resource_action, event.resource_status))

    def test_a_line_not_due_changes_nothing(self):
        rsrc = self.make()
        throttle = self.throttle(3600)
        rsrc.report_progress(throttle, 'booting: 2/4 servers up')
        rsrc.report_progress(throttle, 'booting: 3/4 servers up')
        self.assertEqual('booting: 2/4 servers up', rsrc.status_reason)
        self.assertEqual('booting: 2/4 servers up',
                         self.stored_reason(rsrc))
        self.assertEqual(1, len(self.events(rsrc)))
        # forced, it goes through at once
        rsrc.report_progress(throttle, 'finishing 1 node', force=True)
        self.assertEqual('finishing 1 node', self.stored_reason(rsrc))
        self.assertEqual(2, len(self.events(rsrc)))

    def test_event_false_moves_the_status_reason_only(self):
        rsrc = self.make()
        rsrc.report_progress(progress.Throttle(interval=0), 'running: 3s',
                             event=False)
        self.assertEqual('running: 3s', self.stored_reason(rsrc))
        self.assertEqual([], self.events(rsrc))

    def test_report_event_keeps_the_resources_action(self):
        rsrc = self.make()
        rsrc.state_set(rsrc.UPDATE, rsrc.IN_PROGRESS, 'updating')
        rsrc.report_event('scale up worker by 2', rsrc.COMPLETE)
        [event] = [e for e in self.new_events(rsrc)
                   if e.resource_status_reason == 'scale up worker by 2']
        self.assertEqual(('UPDATE', 'COMPLETE'),
                         (event.resource_action, event.resource_status))


def test_a_new_throttle_reports_at_once_whatever_the_clock():
    # a monotonic clock may read less than the interval (a machine just
    # booted): the first line must not wait for it
    throttle = progress.Throttle(interval=3600)
    assert throttle.at is None
    assert throttle.due('first', now=12.0)
    assert not throttle.due('second', now=13.0)
