"""``python -m savanna_sandbox up|down|status|env|logs``."""

import sys

from savanna_sandbox import cli

sys.exit(cli.main())
