"""Servers are real SSH hosts: boot through novaclient, SSH in with paramiko
at the address Nova reports, console output, power actions, delete."""

import paramiko
import pytest

from novaclient import exceptions as nova_exc

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'test-key')


@pytest.fixture(scope='module')
def image_id(glance):
    return next(iter(glance.images.list(filters={'name': 'spark-4.3'}))).id


def test_keypair_shapes(nova, key):
    kp = nova.keypairs.get('test-key')
    assert kp.name == 'test-key'
    assert kp.type == 'ssh'
    assert len(kp.fingerprint.split(':')) == 16
    with pytest.raises(nova_exc.Conflict):
        nova.keypairs.create('test-key', public_key=kp.public_key)
    # 2.92+: Nova no longer generates keys; public_key is required.
    with pytest.raises(nova_exc.BadRequest):
        nova.keypairs.create('no-key', public_key=None)


def test_boot_with_port_then_ssh_at_reported_address(nova, neutron, key,
                                                     image_id, sim):
    net = neutron.list_networks(name='private')['networks'][0]
    port = neutron.create_port({'port': {'network_id': net['id'],
                                         'name': 'node-0-port'}})['port']
    assert port['status'] == 'DOWN'
    address = port['fixed_ips'][0]['ip_address']
    assert address.startswith('127.0.110.')
    server = nova.servers.create('node-0', image=image_id, flavor='2',
                                 key_name='test-key',
                                 nics=[{'port-id': port['id']}],
                                 meta={'role': 'test'})
    # Nova answers a create (202) with a reference only: id, links, disk
    # config, security groups; no status (the client polls for it) and,
    # from 2.96 on, no adminPass. (to_dict: the answer as received; an
    # attribute it lacks would make novaclient fetch the server.)
    created = server.to_dict()
    assert sorted(created) == ['OS-DCF:diskConfig', 'id', 'links',
                               'security_groups']
    assert [link['rel'] for link in created['links']] == ['self',
                                                          'bookmark']
    assert created['links'][0]['href'].endswith(
        '/v2.1/servers/' + server.id)
    assert created['security_groups'] == [{'name': 'default'}]
    # Heat lists the ports by device_id right after create.
    ports = neutron.list_ports(device_id=server.id)['ports']
    assert [p['id'] for p in ports] == [port['id']]
    server = helpers.wait_status(nova, server.id)
    assert server.status == 'ACTIVE', getattr(server, 'fault', None)
    entry = server.addresses['private'][0]
    assert entry['addr'] == address
    assert entry['OS-EXT-IPS:type'] == 'fixed'
    assert entry['OS-EXT-IPS-MAC:mac_addr'] == port['mac_address']
    assert server.networks == {'private': [address]}
    assert getattr(server, 'OS-EXT-STS:vm_state') == 'active'
    assert getattr(server, 'OS-EXT-SRV-ATTR:host') in sim.hypervisors
    assert server.flavor['original_name'] == 'm1.small'    # 2.47+
    assert server.metadata == {'role': 'test'}
    assert neutron.show_port(port['id'])['port']['status'] == 'ACTIVE'

    out = helpers.ssh_run(address, key, 'echo hello-from-$(id -un)')
    assert out == 'hello-from-root'

    console = nova.servers.get_console_output(server.id)
    assert 'BEGIN SSH HOST KEY FINGERPRINTS' in console
    assert 'BEGIN SSH HOST KEY KEYS' in console
    assert len(nova.servers.get_console_output(server.id, length=2)
               .splitlines()) == 2

    ifaces = nova.servers.interface_list(server.id)
    assert [i.port_id for i in ifaces] == [port['id']]

    nova.servers.set_meta(server.id, {'extra': 'x'})
    assert nova.servers.get(server.id).metadata == {'role': 'test',
                                                    'extra': 'x'}

    nova.servers.stop(server.id)
    assert nova.servers.get(server.id).status == 'SHUTOFF'
    with pytest.raises(paramiko.ssh_exception.NoValidConnectionsError):
        helpers.ssh_run(address, key, 'true', timeout=2)
    nova.servers.start(server.id)
    helpers.wait_status(nova, server.id, ('ACTIVE',))
    assert helpers.ssh_run(address, key, 'echo back') == 'back'

    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))
    port = neutron.show_port(port['id'])['port']
    assert (port['device_id'], port['status']) == ('', 'DOWN')
    neutron.delete_port(port['id'])


def test_boot_on_network_creates_and_deletes_its_port(nova, neutron, key,
                                                      image_id):
    net = neutron.list_networks(name='private')['networks'][0]
    server = nova.servers.create('node-net', image=image_id, flavor='1',
                                 key_name='test-key',
                                 nics=[{'net-id': net['id']}])
    server = helpers.wait_status(nova, server.id)
    assert server.status == 'ACTIVE'
    ports = neutron.list_ports(device_id=server.id)['ports']
    assert len(ports) == 1
    assert ports[0]['device_owner'] == 'compute:nova'
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))
    assert neutron.list_ports(device_id=server.id)['ports'] == []


def test_old_microversion_shapes(nova_old, neutron, key, image_id):
    server = nova_old.servers.create('node-old', image=image_id,
                                     flavor='1', key_name='test-key')
    server = helpers.wait_status(nova_old, server.id)
    assert server.flavor['id'] == '1'          # before 2.47: a link
    assert not hasattr(server, 'tags')
    nova_old.servers.delete(server.id)
    helpers.wait_gone(lambda: nova_old.servers.get(server.id))


def test_bad_requests(nova, image_id):
    with pytest.raises(nova_exc.BadRequest):
        nova.servers.create('x', image=image_id, flavor='1',
                            key_name='no-such-key', nics='auto')
    with pytest.raises(nova_exc.NotFound):
        nova.servers.create('x', image=image_id, flavor='99', nics='auto')


def test_many_boots_in_parallel(nova, key, image_id, sim):
    servers = [nova.servers.create('par-%d' % i, image=image_id,
                                   flavor='1', key_name='test-key',
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


def test_inventory_empty_after_deletes(sim):
    assert sim.wait_idle()
    inventory = helpers.admin(sim, 'GET', '/inventory')
    live = {k: v for k, v in inventory['live'].items()
            if v and k != 'keypairs'}
    assert live == {}
    assert 'private' in [n['name'] for n in
                         inventory['preseeded']['networks']]
