"""resources.discovery: addresses and SSH host keys of built nodes, read
from their consoles through Nova (here a stand-in answering what each
server's console shows at each look), with the host-key policy deciding
whether to wait for keys and ``host_key_timeout`` bounding the wait."""

import pytest

from oslo_config import cfg

from heat_savanna.core import build
from heat_savanna import remote
from heat_savanna.resources import discovery
from tests.unit.remote import sshhosts

KEYS = ('-----BEGIN SSH HOST KEY KEYS-----\n'
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOQdb1Wmn2yQm8J3I4/Vk9K+2f'
        'nZ2S8Vb0qQm0Y7m0pW root@node\n'
        '-----END SSH HOST KEY KEYS-----\n')
PIN = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOQdb1Wmn2yQm8J3I4/Vk9K+2f'
       'nZ2S8Vb0qQm0Y7m0pW')


class Servers(object):
    """Nova's servers API as far as consoles go: ``consoles`` maps a
    server id to what each successive read returns (an exception is
    raised); the last answer stays."""

    def __init__(self, consoles):
        self.consoles = {k: list(v) for k, v in consoles.items()}
        self.reads = []

    def get_console_output(self, server_id):
        self.reads.append(server_id)
        answers = self.consoles[server_id]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Resource(object):
    def __init__(self, consoles):
        self.nova = type('Nova', (), {})()
        self.nova.servers = Servers(consoles)

    def client(self, name):
        assert name == 'nova'
        return self.nova


class Clock(object):
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def outputs(*names, fixed='10.0.0.5'):
    return {n: {'server_id': 'srv-' + n, 'fixed_ip': fixed,
                'floating_ip': None} for n in names}


@pytest.fixture
def conf():
    names = []

    def override(**opts):
        for name, value in opts.items():
            cfg.CONF.set_override(name, value, group='savanna')
            names.append(name)
    yield override
    for name in names:
        cfg.CONF.clear_override(name, group='savanna')


def test_pinned_waits_for_each_node_reading_only_the_consoles_awaited():
    rsrc = Resource({'srv-w0': [KEYS], 'srv-w1': ['booting...', KEYS]})
    clock = Clock()
    disc = discovery.Discovery(rsrc, ['w0', 'w1'], outputs('w0', 'w1'),
                               clock=clock, policy='pinned', timeout=60)
    assert disc.advance() is False
    assert disc.waiting == ['w1']
    # not again before CONSOLE_INTERVAL
    clock.now += discovery.CONSOLE_INTERVAL - 0.5
    assert disc.advance() is False
    assert rsrc.nova.servers.reads == ['srv-w0', 'srv-w1']
    clock.now += 0.5
    assert disc.advance() is True
    assert rsrc.nova.servers.reads == ['srv-w0', 'srv-w1', 'srv-w1']
    records = disc.records()
    assert {n: (r['state'], r['host_keys']) for n, r in records.items()} \
        == {'w0': (build.BUILT, [PIN]), 'w1': (build.BUILT, [PIN])}
    assert records['w1']['server_id'] == 'srv-w1'
    assert records['w1']['fixed_ip'] == '10.0.0.5'


def test_an_unreadable_console_is_read_again_later():
    rsrc = Resource({'srv-w0': [RuntimeError('503 Service Unavailable'),
                                KEYS]})
    clock = Clock()
    disc = discovery.Discovery(rsrc, ['w0'], outputs('w0'), clock=clock,
                               policy='pinned', timeout=60)
    assert disc.advance() is False
    clock.now += discovery.CONSOLE_INTERVAL
    assert disc.advance() is True
    assert disc.records()['w0']['host_keys'] == [PIN]


def test_keys_missing_at_the_timeout_fail_only_those_nodes_in_host_key():
    rsrc = Resource({'srv-w0': [KEYS], 'srv-w1': ['no keys here']})
    clock = Clock()
    disc = discovery.Discovery(rsrc, ['w0', 'w1'], outputs('w0', 'w1'),
                               clock=clock, policy='pinned', timeout=10)
    assert disc.advance() is False
    clock.now += 9
    assert disc.advance() is False
    # the timeout is judged when the consoles are read: at the next look
    clock.now += 1
    assert disc.advance() is False
    clock.now += discovery.CONSOLE_INTERVAL - 1
    assert disc.advance() is True
    records = disc.records()
    assert records['w0']['state'] == build.BUILT
    w1 = records['w1']
    assert (w1['state'], w1['phase'], w1['host_keys']) == (
        build.FAILED, 'host-key', [])
    assert w1['reason'] == ('no SSH host key in the console output to pin '
                            'after 10s ([savanna] host_key_timeout)')
    # nothing more is read once it is over
    reads = len(rsrc.nova.servers.reads)
    clock.now += 100
    assert disc.advance() is True
    assert len(rsrc.nova.servers.reads) == reads


def test_a_node_without_an_address_fails_in_network_unread():
    rsrc = Resource({'srv-w0': [KEYS]})
    outs = outputs('w0', fixed=None)
    disc = discovery.Discovery(rsrc, ['w0', 'w1'], outs, clock=Clock(),
                               policy='pinned', timeout=60)
    assert disc.advance() is True
    records = disc.records()
    assert (records['w0']['state'], records['w0']['phase'],
            records['w0']['reason']) == (build.FAILED, 'network',
                                         'no address reported')
    # no outputs at all for w1 (its node's output is missing)
    assert (records['w1']['state'], records['w1']['server_id']) == (
        build.FAILED, None)
    assert rsrc.nova.servers.reads == []


@pytest.mark.parametrize('policy', ['accept-new', 'insecure-auto-add'])
def test_other_policies_read_no_console(policy):
    rsrc = Resource({'srv-w0': [KEYS]})
    disc = discovery.Discovery(rsrc, ['w0'], outputs('w0'), clock=Clock(),
                               policy=policy, timeout=60)
    assert disc.advance() is True
    assert rsrc.nova.servers.reads == []
    assert (disc.records()['w0']['state'],
            disc.records()['w0']['host_keys']) == (build.BUILT, [])


def test_the_policy_and_timeout_default_to_savanna_config(conf):
    conf(host_key_policy='accept-new', host_key_timeout=42)
    disc = discovery.Discovery(Resource({}), ['w0'], outputs('w0'))
    assert (disc.policy, disc.timeout, disc.waiting) == ('accept-new', 42,
                                                         [])
    conf(host_key_policy='pinned')
    disc = discovery.Discovery(Resource({}), ['w0'], outputs('w0'),
                               timeout=0)
    assert (disc.policy, disc.timeout, disc.waiting) == ('pinned', 0,
                                                         ['w0'])


def test_records_are_copies():
    disc = discovery.Discovery(Resource({}), ['w0'], outputs('w0'),
                               policy='accept-new')
    disc.records()['w0']['state'] = 'changed'
    assert disc.records()['w0']['state'] == build.BUILT


@sshhosts.requires_sshd
def test_the_keys_pinned_from_the_console_are_the_ones_sshd_presents():
    hosts = sshhosts.HostFactory()
    try:
        host = hosts.host('worker-0')
        rsrc = Resource({'srv-worker-0': [host.console_output()]})
        disc = discovery.Discovery(
            rsrc, ['worker-0'],
            outputs('worker-0', fixed=host.address), clock=Clock(),
            policy='pinned', timeout=60)
        assert disc.advance() is True
        rec = disc.records()['worker-0']
        node = remote.NodeRemote('worker-0', rec['fixed_ip'], sshhosts.USER,
                                 hosts.pkey, rec['host_keys'],
                                 policy='pinned', connect_retries=1,
                                 connect_timeout=5)
        try:
            assert node.run('echo pinned').stdout == 'pinned\n'
            assert node.seen_host_key in rec['host_keys']
        finally:
            node.close()
    finally:
        hosts.cleanup()
