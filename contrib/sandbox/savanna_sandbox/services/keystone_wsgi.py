"""Keystone's WSGI application for gunicorn.

oslo.config parses sys.argv when Keystone loads its configuration and
chokes on gunicorn's own options, so argv is reset before the import. The
configuration file comes from OS_KEYSTONE_CONFIG_FILES (set by the sandbox).
"""

import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
