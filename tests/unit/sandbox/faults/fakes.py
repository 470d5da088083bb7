"""Stand-ins for Heat and the sandbox, for the fault matrix's own tests."""

import types

from savanna_sandbox.faults import harness


def ns(**kwargs):
    return types.SimpleNamespace(**kwargs)


class StubRun(harness.Run):
    """A row's run whose stack, resource, metadata and servers are given,
    not read from Heat: its checks are the real ones."""

    def __init__(self, name='fx', metadata=None, reason='', servers=None,
                 nodes=None, updated=None):
        super().__init__(heat=None, name=name)
        self.stack_id = 'stack-1'
        self.md = metadata or {}
        self.reason = reason
        self.srv = servers or {}
        self.nodes = nodes or []
        self.updated = updated
        self.calls = []
        self.heat = ns(resources=ns(get=self._resource_with))

    def _resource_with(self, stack_id, name, with_attr=()):
        return ns(attributes={'nodes': self.nodes},
                  resource_status_reason=self.reason)

    def metadata(self):
        return self.md

    def resource(self):
        return ns(resource_status_reason=self.reason)

    def servers(self):
        return self.srv

    def reset_faults(self):
        self.calls.append('reset')

    def update(self, template=None, existing=True, rollback=False):
        self.calls.append('update')
        self.md, self.srv = self.updated
        return ns(stack_status='UPDATE_COMPLETE')


def rows_of(module):
    """``(name, cluster, kind, ci)`` of the rows ``module`` registers, in
    the registry's order."""
    from savanna_sandbox import faults
    return [(r.name, r.cluster, r.kind, r.ci) for r in faults.SCENARIOS
            if r.func.__module__ == module.__name__]
