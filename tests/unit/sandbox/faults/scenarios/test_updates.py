"""savanna_sandbox.faults.scenarios.updates: its rows."""

from savanna_sandbox.faults.scenarios import updates
from tests.unit.sandbox.faults import fakes


def test_rows():
    assert fakes.rows_of(updates) == [
        ('scale-down-with-failed', 'fsd', 'scale-down', True),
        ('check-finds-dead-node', 'fchk', 'check', False),
        ('rollback-failed-update', 'frb', 'rollback', True),
        ('vanilla-image-without-hadoop', 'fimg', 'image', True),
    ]
