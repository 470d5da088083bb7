"""savanna_sandbox.faults.scenarios.infrastructure: its rows."""

from savanna_sandbox.faults.scenarios import infrastructure
from tests.unit.sandbox.faults import fakes


def test_rows():
    assert fakes.rows_of(infrastructure) == [
        ('boot-1-of-10', 'fb1', 'boot', False),
        ('boot-3-of-10', 'fb3', 'boot', False),
        ('boot-master', 'fbm', 'boot', False),
        ('below-min-active-then-heal', 'fmin', 'min-active', True),
        ('volume-create-fails', 'fvol', 'volume', False),
        ('volume-attach-fails', 'fatt', 'volume-attach', False),
        ('port-create-fails', 'fport', 'network', False),
        ('floating-ip-fails', 'ffip', 'floating-ip', False),
        ('host-keys-late', 'fkey', 'host-key', False),
        ('one-fault-per-node', 'fmix', 'per-node', True),
    ]
