"""The functional tier's sandbox: real Keystone, RabbitMQ, MariaDB, Heat.

``sandbox`` (session scope) brings the platform up once, reusing parts that
already run, and stops at the end only what this session started, unless
HEAT_SAVANNA_KEEP_SANDBOX=1. The state dir is HEAT_SAVANNA_SANDBOX_DIR (the
same default as ``heat-savanna sandbox``), so a developer's running sandbox
is reused and left alone.
"""

import io
import os
import sys

import pytest

try:
    from savanna_sandbox import procs
    from savanna_sandbox.services import platform as sandbox_platform
except ImportError:  # pragma: no cover - contrib/sandbox not installed
    sandbox_platform = None


class Sandbox(object):
    """What functional tests use: sessions, clients and endpoints."""

    def __init__(self, plat):
        self.platform = plat
        self.endpoints = plat.endpoints()
        self._sessions = {}

    def session(self, user='demo'):
        """A keystoneauth session for 'demo' or 'admin' (cached)."""
        if user not in self._sessions:
            self._sessions[user] = self.platform.session(user)
        return self._sessions[user]

    def demo_session(self):
        return self.session('demo')

    def admin_session(self):
        return self.session('admin')

    def new_session(self, user='demo'):
        """An uncached session (a fresh token)."""
        return self.platform.session(user)

    @property
    def heat(self):
        """python-heatclient for the demo user."""
        if not hasattr(self, '_heat'):
            self._heat = self.platform.heat_client('demo')
        return self._heat

    def heat_client(self, user='demo'):
        return self.platform.heat_client(user)

    @property
    def project_id(self):
        return self.demo_session().get_project_id()

    def credentials(self, user='demo'):
        return self.platform.credentials(user)


@pytest.fixture(scope='session')
def sandbox():
    if sandbox_platform is None:
        # Not a skip: a functional tier that quietly runs nothing would
        # pass without proving anything.
        pytest.fail('savanna_sandbox is not installed (make deps, or pip '
                    'install -e contrib/sandbox): the functional tier '
                    'cannot run')
    out = io.StringIO()
    plat = sandbox_platform.Platform(out=out)
    sup = plat.supervisor
    before = {n for n in sup.names() if sup.alive(n)}
    rc = plat.up()
    sys.stderr.write(out.getvalue())
    if rc != 0:
        pytest.fail('sandbox up failed:\n%s' % out.getvalue())
    started = [n for n in plat.supervisor.names() if n not in before]
    yield Sandbox(plat)
    if os.environ.get('HEAT_SAVANNA_KEEP_SANDBOX') == '1':
        return
    if not before:
        plat.down()
        return
    for name in reversed([p.name for p in plat.parts()]):
        if name in started:
            procs.Supervisor(plat.layout.run).stop(name)


@pytest.fixture(scope='session')
def claims(sandbox):
    """The cluster test_claims.py and test_secrets.py share (see
    lifecycle.py). test_secrets.py deletes it when done; this teardown
    deletes it if they did not get that far."""
    from tests.functional import lifecycle
    cluster = lifecycle.Lifecycle(sandbox)
    yield cluster
    if not cluster.deleted:
        cluster.delete()


def pytest_collection_modifyitems(session, config, items):
    """Run test_secrets.py right after test_claims.py: they share one
    cluster, which should not live on through the other modules."""
    secrets = [i for i in items
               if i.nodeid.startswith('tests/functional/test_secrets.py')]
    claims = [i for i in items
              if i.nodeid.startswith('tests/functional/test_claims.py')]
    if not secrets or not claims:
        return
    rest = [i for i in items if i not in secrets]
    at = rest.index(claims[-1]) + 1
    items[:] = rest[:at] + secrets + rest[at:]
