"""Partially active clusters, heal, scale and check on the sandbox's Heat.

The key rows of the fault matrix (``make faults`` runs all of them); the
scenario code is shared with savanna_sandbox.faults, so a row here and a
line of the matrix are the same run. Each row deletes its stack and
compares the simulator's inventory before and after: nothing may leak.

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_partial_active.py
"""

import pytest

try:
    from savanna_sandbox import faults
except ImportError:  # pragma: no cover - contrib/sandbox not installed
    faults = None

pytestmark = pytest.mark.functional

#: the rows CI runs (about 6 minutes together); the rest: make faults
KEY_ROWS = ('boot-1-of-10', 'below-min-active-then-heal', 'ssh-refused',
            'check-finds-dead-node', 'scale-down-with-failed')


def _row(name):
    if faults is None:
        pytest.skip('savanna_sandbox is not installed')
    return [r for r in faults.SCENARIOS if r[0] == name][0]


@pytest.mark.parametrize('name', KEY_ROWS)
def test_fault_row(sandbox, name):
    result = faults.run_scenario(sandbox.heat, _row(name), sandbox.platform)
    assert result['leaked'] == [], faults.format_row(result)
    assert result['observed'] == result['expected'], \
        faults.format_row(result)
