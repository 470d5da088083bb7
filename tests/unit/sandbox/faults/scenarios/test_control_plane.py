"""savanna_sandbox.faults.scenarios.control_plane: its rows."""

from savanna_sandbox.faults.scenarios import control_plane
from tests.unit.sandbox.faults import fakes


def test_rows():
    assert fakes.rows_of(control_plane) == [
        ('api-500-503-server-polls', 'fapi', 'api', True),
        ('hard-anti-affinity', 'faah', 'placement', False),
        ('soft-anti-affinity', 'faas', 'placement', True),
        ('engine-killed', 'fkill', 'engine', True),
        ('create-answers-lost', 'flost', 'lost-answer', True),
        ('create-answers-lost-delete', 'flostd', 'lost-answer', True),
    ]
