"""What a long action of a heat-savanna resource tells the operator.

Horizon and ``openstack stack resource show`` show a resource's
``status_reason`` and events. A cluster or a job in progress moves its
status_reason (and, for a cluster, adds an event) every few seconds at
most, through :class:`ProgressMixin`, the one place that writes them.
"""

import dataclasses
import time

from heat.objects import resource as resource_objects


@dataclasses.dataclass
class Throttle:
    """When the last progress line was reported; kept by the action."""
    interval: float
    last: str = None
    #: monotonic time of the last report (None: nothing reported yet)
    at: float = None

    def due(self, reason=None, force=False, now=None):
        """Whether ``reason`` is to be reported now (and remember it): not
        the same line again, and not sooner than ``interval`` after the
        last (``reason`` None: only the interval counts)."""
        now = time.monotonic() if now is None else now
        repeated = reason is not None and reason == self.last
        early = self.at is not None and now - self.at < self.interval
        if not force and (repeated or early):
            return False
        self.last, self.at = reason, now
        return True


class ProgressMixin(object):
    """For a Heat resource: progress lines and events of its own."""

    def report_event(self, reason, status=None):
        """An event with the resource's action, ``status`` (default its
        current one) and ``reason``."""
        if self.id is not None:
            self._add_event(self.action, status or self.status, reason)

    def report_progress(self, throttle, reason, force=False, event=True):
        """Move status_reason to ``reason`` while IN_PROGRESS (and add an
        event with ``event``), at most once per ``throttle.interval``."""
        if not throttle.due(reason, force):
            return
        self.status_reason = reason
        if self.id is not None:
            resource_objects.Resource.update_by_id(
                self.context, self.id, {'status_reason': reason})
            if event:
                self.report_event(reason, self.IN_PROGRESS)
