"""cloud.compute.server_groups: server-group policies against the
simulated hypervisors; the scheduler's least-loaded spread."""

import pytest

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'sched-key')


def _boot_group(nova, policy, count, prefix):
    group = nova.server_groups.create(name=prefix + '-group', policy=policy)
    servers = [nova.servers.create(
        '%s-%d' % (prefix, i), image='cirros', flavor='1',
        key_name='sched-key', nics='auto',
        scheduler_hints={'group': group.id}) for i in range(count)]
    return group, [helpers.wait_status(nova, s.id) for s in servers]


def _delete_all(nova, group, servers):
    for server in servers:
        nova.servers.delete(server.id)
    for server in servers:
        helpers.wait_gone(lambda: nova.servers.get(server.id))
    nova.server_groups.delete(group.id)


def test_hard_anti_affinity_over_capacity_fails_like_nova(nova, key, sim):
    group, servers = _boot_group(nova, 'anti-affinity', 4, 'hard')
    try:
        statuses = sorted(s.status for s in servers)
        assert statuses == ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ERROR']
        failed = [s for s in servers if s.status == 'ERROR'][0]
        assert failed.fault['code'] == 500
        assert failed.fault['message'].startswith('No valid host was '
                                                  'found')
        assert group.name in failed.fault['details']
        hosts = [getattr(s, 'OS-EXT-SRV-ATTR:host') for s in servers
                 if s.status == 'ACTIVE']
        assert sorted(hosts) == sorted(sim.hypervisors)
        shown = nova.server_groups.get(group.id)
        assert shown.policy == 'anti-affinity'
        assert len(shown.members) == 4
    finally:
        _delete_all(nova, group, servers)


def test_soft_anti_affinity_over_capacity_succeeds(nova, key, sim):
    group, servers = _boot_group(nova, 'soft-anti-affinity', 4, 'soft')
    try:
        assert [s.status for s in servers] == ['ACTIVE'] * 4
        hosts = [getattr(s, 'OS-EXT-SRV-ATTR:host') for s in servers]
        assert set(hosts) == set(sim.hypervisors)   # spread first
    finally:
        _delete_all(nova, group, servers)


def test_affinity_keeps_members_together(nova, key):
    group, servers = _boot_group(nova, 'affinity', 2, 'aff')
    try:
        hosts = {getattr(s, 'OS-EXT-SRV-ATTR:host') for s in servers}
        assert len(hosts) == 1
    finally:
        _delete_all(nova, group, servers)


def test_old_microversion_server_group_policies(nova_old):
    group = nova_old.server_groups.create(name='old',
                                          policies=['anti-affinity'])
    assert group.policies == ['anti-affinity']
    nova_old.server_groups.delete(group.id)


def test_many_boots_in_parallel(nova, key, image_id, sim):
    servers = [nova.servers.create('par-%d' % i, image=image_id,
                                   flavor='1', key_name='sched-key',
                                   nics='auto') for i in range(12)]
    try:
        servers = [helpers.wait_status(nova, s.id) for s in servers]
        assert [s.status for s in servers] == ['ACTIVE'] * 12
        addresses = {s.networks['private'][0] for s in servers}
        assert len(addresses) == 12
        hosts = [getattr(s, 'OS-EXT-SRV-ATTR:host') for s in servers]
        assert {h: hosts.count(h) for h in hosts} == {
            h: 4 for h in sim.hypervisors}          # least-loaded spread
    finally:
        for s in servers:
            nova.servers.delete(s.id)
        for s in servers:
            helpers.wait_gone(lambda: nova.servers.get(s.id))


@pytest.mark.parametrize('version, group, message', [
    ('2.14', {'policies': ['soft-affinity']},
     "Invalid input for field/attribute policy. Value: soft-affinity. "
     "'soft-affinity' is not one of ['affinity', 'anti-affinity']"),
    ('2.64', {'policy': 'affinity', 'rules': {'max_server_per_host': 2}},
     'Only anti-affinity policy supports rules.'),
    ('2.1', {'policies': []}, 'Exactly one policy is required'),
])
def test_refused_groups(offline, version, group, message):
    group['name'] = 'g'
    status, body, _ = helpers.call(
        offline.compute, 'POST', '/v2.1/os-server-groups',
        {'server_group': group},
        {'OpenStack-API-Version': 'compute ' + version})
    assert (status, body['badRequest']['message']) == (400, message)


def test_nothing_left(sim):
    helpers.assert_nothing_left(sim)
