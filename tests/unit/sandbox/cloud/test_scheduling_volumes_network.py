"""Server-group policies against the simulated hypervisors, Cinder volume
state machine through Nova attachments, floating IPs and security groups."""

import pytest

from cinderclient import exceptions as cinder_exc
from neutronclient.common import exceptions as neutron_exc

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


def test_volume_attach_detach_delete(nova, cinder, key):
    server = nova.servers.create('vol-node', image='cirros', flavor='1',
                                 key_name='sched-key', nics='auto')
    vol = cinder.volumes.create(size=2, name='data-0',
                                volume_type='ssd')
    assert vol.status == 'creating'
    helpers.wait_for(lambda: cinder.volumes.get(vol.id).status ==
                     'available', what='volume available')
    server = helpers.wait_status(nova, server.id)
    att = nova.volumes.create_server_volume(server.id, vol.id)
    assert att.device == '/dev/vdb'
    helpers.wait_for(lambda: cinder.volumes.get(vol.id).status == 'in-use',
                     what='volume in-use')
    shown = cinder.volumes.get(vol.id)
    assert shown.attachments[0]['server_id'] == server.id
    assert shown.volume_type == 'ssd'
    with pytest.raises(cinder_exc.BadRequest):
        cinder.volumes.delete(vol.id)            # in use
    attached = getattr(nova.servers.get(server.id),
                       'os-extended-volumes:volumes_attached')
    assert [a['id'] for a in attached] == [vol.id]
    nova.volumes.delete_server_volume(server.id, vol.id)
    helpers.wait_for(lambda: cinder.volumes.get(vol.id).status ==
                     'available', what='volume detached')
    helpers.wait_gone(lambda: nova.volumes.get_server_volume(server.id,
                                                             vol.id))
    cinder.volumes.delete(vol.id)
    helpers.wait_gone(lambda: cinder.volumes.get(vol.id))
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))


def test_server_delete_releases_volumes(nova, cinder, key):
    server = nova.servers.create('vol-node2', image='cirros', flavor='1',
                                 key_name='sched-key', nics='auto')
    vol = cinder.volumes.create(size=1)
    helpers.wait_for(lambda: cinder.volumes.get(vol.id).status ==
                     'available', what='volume available')
    helpers.wait_status(nova, server.id)
    nova.volumes.create_server_volume(server.id, vol.id)
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))
    assert cinder.volumes.get(vol.id).status == 'available'
    cinder.volumes.delete(vol.id)
    helpers.wait_gone(lambda: cinder.volumes.get(vol.id))


def test_floating_ip_reaches_the_server(nova, neutron, key):
    public = neutron.list_networks(name='public')['networks'][0]
    server = nova.servers.create('fip-node', image='cirros', flavor='1',
                                 key_name='sched-key', nics='auto')
    server = helpers.wait_status(nova, server.id)
    port = neutron.list_ports(device_id=server.id)['ports'][0]
    fip = neutron.create_floatingip({'floatingip': {
        'floating_network_id': public['id'],
        'port_id': port['id']}})['floatingip']
    assert fip['floating_ip_address'].startswith('127.0.120.')
    assert fip['fixed_ip_address'] == port['fixed_ips'][0]['ip_address']
    addresses = nova.servers.get(server.id).addresses['private']
    assert [a['OS-EXT-IPS:type'] for a in addresses] == ['fixed',
                                                         'floating']
    assert helpers.ssh_run(fip['floating_ip_address'], key,
                           'echo via-fip') == 'via-fip'
    # Heat's dissociate, then delete.
    neutron.update_floatingip(fip['id'], {'floatingip': {
        'port_id': None, 'fixed_ip_address': None}})
    assert len(nova.servers.get(server.id).addresses['private']) == 1
    neutron.delete_floatingip(fip['id'])
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))


def test_security_group_rules_bulk_and_conflict(neutron):
    sg = neutron.create_security_group({'security_group': {
        'name': 'cluster-sg', 'description': 'test'}})['security_group']
    assert len(sg['security_group_rules']) == 2         # default egress
    rules = [{'security_group_id': sg['id'], 'direction': 'ingress',
              'protocol': 'tcp', 'port_range_min': '22',
              'port_range_max': '22', 'remote_ip_prefix': '0.0.0.0/0'},
             {'security_group_id': sg['id'], 'direction': 'ingress',
              'protocol': 'tcp', 'remote_group_id': sg['id']}]
    created = neutron.create_security_group_rule(
        {'security_group_rules': rules})['security_group_rules']
    assert created[0]['port_range_min'] == 22
    with pytest.raises(neutron_exc.Conflict):
        neutron.create_security_group_rule({'security_group_rule':
                                            rules[0]})
    found = neutron.list_security_groups(name='cluster-sg')
    assert len(found['security_groups'][0]['security_group_rules']) == 4
    for rule in neutron.show_security_group(sg['id'])[
            'security_group']['security_group_rules']:
        neutron.delete_security_group_rule(rule['id'])
    neutron.delete_security_group(sg['id'])
    with pytest.raises(neutron_exc.NotFound):
        neutron.show_security_group(sg['id'])


def test_port_not_found_maps_to_client_exception(neutron):
    with pytest.raises(neutron_exc.PortNotFoundClient):
        neutron.show_port('nope')
    with pytest.raises(neutron_exc.NetworkNotFoundClient):
        neutron.show_network('nope')


def test_nothing_left(sim):
    assert sim.wait_idle()
    helpers.wait_for(lambda: not [
        v for k, v in helpers.admin(sim, 'GET', '/inventory')[
            'live'].items() if v and k != 'keypairs'], what='empty')
