"""Fixtures: a simulator in-process (noauth, ephemeral ports) and the real
OpenStack clients pointed at it.

The simulator's address ranges here (127.0.110.0/24 private, 127.0.120.0/24
public) differ from the sandbox defaults so the tests can run while a
sandbox is up.
"""

import os
import sys
import tempfile

import pytest

try:
    import savanna_sandbox.cloud  # noqa: F401
except ImportError:  # contrib/sandbox not installed: use the source tree
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..', 'contrib', 'sandbox'))

from keystoneauth1 import noauth  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

from savanna_sandbox.cloud import cloud as cloud_mod  # noqa: E402
from savanna_sandbox.cloud import config  # noqa: E402
from savanna_sandbox import sshhost  # noqa: E402

PROJECT = 'test-project'


def make_conf(state_dir, **overrides):
    conf = config.defaults()
    conf.update({
        'ports': {k: 0 for k in conf['ports']},
        'auth': {'strategy': 'noauth'},
        'noauth_project_id': PROJECT,
        'state_dir': state_dir,
        'hypervisors': 3,
        'volume_delay': 0.05,
        'boot_timeout': 15,
        'seed': 1234,
        'forward_ports': [22],
        'networks': {
            'private': {'cidr': '127.0.110.0/24', 'external': False},
            'public': {'cidr': '127.0.120.0/24', 'external': True},
        },
    })
    # Log in as root: no login user to create for these tests.
    for spec in conf['images'].values():
        spec['user'] = 'root'
    conf.update(overrides)
    return conf


def running_simulator():
    """A started simulator (yields it, then stops it)."""
    state = tempfile.mkdtemp(prefix='cloudsim-test-')
    simulator = cloud_mod.CloudSimulator(make_conf(state),
                                         host_factory=sshhost.SSHHost)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture(scope='module')
def sim():
    yield from running_simulator()


@pytest.fixture(autouse=True)
def _clean_faults(request):
    yield
    if 'sim' in request.fixturenames:
        sim = request.getfixturevalue('sim')
        sim.faults.reset()


@pytest.fixture(scope='module')
def session():
    return ks_session.Session(auth=noauth.NoAuth())


@pytest.fixture(scope='module')
def nova(sim, session):
    from novaclient import client
    return client.Client('2.96', session=session,
                         endpoint_override=sim.urls()['compute'])


@pytest.fixture(scope='module')
def nova_old(sim, session):
    """novaclient at 2.1: the pre-microversion shapes."""
    from novaclient import client
    return client.Client('2.1', session=session,
                         endpoint_override=sim.urls()['compute'])


@pytest.fixture(scope='module')
def cinder(sim, session):
    from cinderclient import client
    url = sim.urls()['volumev3'] % {'project_id': PROJECT}
    return client.Client('3.71', session=session, endpoint_override=url)


@pytest.fixture(scope='module')
def neutron(sim, session):
    from neutronclient.v2_0 import client
    return client.Client(session=session,
                         endpoint_override=sim.urls()['network'])


@pytest.fixture(scope='module')
def glance(sim, session):
    from glanceclient import client
    return client.Client('2', session=session,
                         endpoint_override=sim.urls()['image'])
