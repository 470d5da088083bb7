"""The matrix's rows by where their fault is. Importing this package
registers them, in the order of the imports below (which is the order
``make faults`` runs and ``--list`` prints them)."""

from savanna_sandbox.faults.scenarios import infrastructure  # noqa: F401
from savanna_sandbox.faults.scenarios import services  # noqa: F401
from savanna_sandbox.faults.scenarios import control_plane  # noqa: F401
from savanna_sandbox.faults.scenarios import updates  # noqa: F401
from savanna_sandbox.faults.scenarios import healing  # noqa: F401
