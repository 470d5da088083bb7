"""The fault matrix: OS::Savanna::Cluster under injected faults, on real Heat.

``python -m savanna_sandbox.faults`` (what ``make faults`` runs) drives
each scenario against the running sandbox (real Heat 27 + the cloud
simulator) and prints one line per scenario::

    name | expected | observed | leaked

then exits non-zero if any row's observed result differs from the expected
one or anything was leaked. ``--list`` names the scenarios, ``--only NAME``
(repeatable) runs a subset. Every scenario uses its own cluster ``name``
(server-name fault globs stay unique), and ends by deleting its stack,
clearing the faults and comparing the simulator's inventory with the one
taken before it: whatever the scenario created and is still there is
"leaked".

The same scenario functions back tests/functional/test_partial_active.py,
so CI runs the key rows and ``make faults`` the whole matrix.

One module per part: ``harness`` (a row's run on the sandbox, running
rows, the command line), ``checks`` (what the rows assert), ``registry``
(the rows, in order), ``simulator`` (the simulator's admin API, the hosts'
processes and files), ``templates`` (the cluster templates) and
``scenarios`` (the rows, by where their fault is). What the functional
tests and benchmarks use is named here.

Hold the sandbox lock while running (the sandbox is shared)::

    flock /tmp/heat-savanna-sandbox.lock python -m savanna_sandbox.faults
"""

from savanna_sandbox.faults.checks import check_failed_exactly
from savanna_sandbox.faults.checks import check_others_active
from savanna_sandbox.faults.checks import heal_to_active
from savanna_sandbox.faults.checks import require_created
from savanna_sandbox.faults.checks import require_partially_active
from savanna_sandbox.faults.checks import require_stack
from savanna_sandbox.faults.checks import victims
from savanna_sandbox.faults.harness import find
from savanna_sandbox.faults.harness import format_row
from savanna_sandbox.faults.harness import main
from savanna_sandbox.faults.harness import Run
from savanna_sandbox.faults.harness import run_scenario
from savanna_sandbox.faults.harness import ScenarioFailed
from savanna_sandbox.faults.harness import TIMEOUT
from savanna_sandbox.faults.registry import ci_rows
from savanna_sandbox.faults.registry import PROVEN_ELSEWHERE
from savanna_sandbox.faults.registry import scenario
from savanna_sandbox.faults.registry import Scenario
from savanna_sandbox.faults.registry import SCENARIOS
from savanna_sandbox.faults import scenarios  # noqa: F401 (registers rows)
from savanna_sandbox.faults.simulator import admin
from savanna_sandbox.faults.simulator import ADMIN_URL
from savanna_sandbox.faults.simulator import daemon_pid
from savanna_sandbox.faults.simulator import host_file
from savanna_sandbox.faults.simulator import inventory_ids
from savanna_sandbox.faults.simulator import servers
from savanna_sandbox.faults.templates import cluster_template
from savanna_sandbox.faults.templates import RESOURCE

__all__ = ['ADMIN_URL', 'PROVEN_ELSEWHERE', 'RESOURCE', 'Run', 'SCENARIOS',
           'Scenario', 'ScenarioFailed', 'TIMEOUT', 'admin',
           'check_failed_exactly', 'check_others_active', 'ci_rows',
           'cluster_template', 'daemon_pid', 'find', 'format_row',
           'heal_to_active', 'host_file', 'inventory_ids', 'main',
           'require_created', 'require_partially_active', 'require_stack',
           'run_scenario', 'scenario', 'servers', 'victims']
