"""The fault matrix's CI rows on the sandbox's Heat.

``make faults`` runs every row of ``savanna_sandbox.faults``; this module
runs the rows marked for CI, which together inject every kind of fault
(``faults.ci_rows`` refuses to leave a kind out). A row and a line of
the matrix are the same run: the same function, the same expectation.
Each row deletes its stack and compares the simulator's inventory before
and after: nothing may leak.

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_partial_active.py
"""

import pytest

from savanna_sandbox import faults

pytestmark = pytest.mark.functional


@pytest.mark.parametrize('name', [r.name for r in faults.ci_rows()])
def test_fault_row(sandbox, name):
    result = faults.run_scenario(sandbox.heat, faults.find(name),
                                 sandbox.platform)
    assert result['leaked'] == [], faults.format_row(result)
    assert result['ok'], faults.format_row(result)
    assert result['observed'] == result['expected']
