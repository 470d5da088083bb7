"""The execution records of an ``OS::Savanna::Job``, in its resource data.

One JSON record per execution (``execution.<id>``, the plain dicts of
:mod:`heat_savanna.provisioning.jobs`) and ``awaited``, the id of the
execution the last create, update or check waits for. Every read is
fresh from the DB: a signal (another engine thread) may have added a
record meanwhile. The history keeps at most :data:`HISTORY_LIMIT`
executions.
"""

import json

from oslo_log import log as logging

from heat.common import exception
from heat.objects import resource_data as resource_data_objects

from heat_savanna.provisioning import jobs

LOG = logging.getLogger(__name__)

RECORD_PREFIX = 'execution.'
AWAITED_KEY = 'awaited'
#: executions kept in the history (older records and directories go)
HISTORY_LIMIT = 50


class Records(object):
    """The records of one job resource (``rsrc``: a Heat resource)."""

    def __init__(self, rsrc):
        self.rsrc = rsrc

    def _all_data(self):
        if self.rsrc.id is None:
            return {}
        try:
            return resource_data_objects.ResourceData.get_all(self.rsrc)
        except exception.NotFound:
            return {}

    def all(self):
        """Every execution record, oldest first (fresh from the DB)."""
        records = []
        for key, value in self._all_data().items():
            if key.startswith(RECORD_PREFIX):
                try:
                    records.append(json.loads(value))
                except ValueError:
                    LOG.warning('%s: unreadable record %s', self.rsrc.name,
                                key)
        # ids begin with their time, to the millisecond
        return sorted(records, key=lambda r: r.get('id') or '')

    def get(self, execution_id):
        """The record of ``execution_id``, or None."""
        if not execution_id:
            return None
        for record in self.all():
            if record['id'] == execution_id:
                return record
        return None

    def save(self, record):
        """Store ``record``; never turns a finished record back into a
        running one (a slower concurrent look may have seen less).
        Returns the record as stored."""
        current = self.get(record['id'])
        if current is not None and jobs.is_terminal(current) and \
                not jobs.is_terminal(record):
            return current
        if current != record:
            self.rsrc.data_set(RECORD_PREFIX + record['id'],
                               json.dumps(record, sort_keys=True))
        return record

    def awaited_id(self):
        """Id of the execution the last action waits (waited) for."""
        return self._all_data().get(AWAITED_KEY)

    def awaited(self):
        """The record :meth:`awaited_id` names, or None."""
        return self.get(self.awaited_id())

    def set_awaited(self, execution_id):
        self.rsrc.data_set(AWAITED_KEY, execution_id)

    def prune(self):
        """Keep the history bounded, with room for one more: forget the
        oldest finished records beyond HISTORY_LIMIT (their directories
        go at delete)."""
        records = self.all()
        extra = len(records) + 1 - HISTORY_LIMIT
        for record in [r for r in records if jobs.is_terminal(r)][:max(
                extra, 0)]:
            self.rsrc.data_delete(RECORD_PREFIX + record['id'])
