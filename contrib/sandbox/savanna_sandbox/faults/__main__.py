"""``python -m savanna_sandbox.faults``: see :mod:`savanna_sandbox.faults`."""

import sys

from savanna_sandbox.faults import harness

if __name__ == '__main__':
    sys.exit(harness.main())
