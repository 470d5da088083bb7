"""cloud.compute.ports: the ports a server is given at boot, and given
back when a boot's request fails half way."""

import pytest

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'test-key')


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


def test_a_failed_request_gives_its_ports_back(offline):
    net = offline.store.find('networks', name='private')[0]
    image = offline.store.find('images', name='spark-4.3')[0]
    status, body, _ = helpers.call(offline.compute, 'POST', '/v2.1/servers',
                                   {'server': {
                                       'name': 'half', 'flavorRef': '1',
                                       'imageRef': image['id'],
                                       'networks': [{'uuid': net['id']},
                                                    {'port': 'nope'}]}})
    assert (status, body['badRequest']['message']) == (
        400, 'Port id nope not found.')
    assert offline.store.values('ports') == []
    assert offline.store.values('servers') == []


def test_nothing_left(sim):
    helpers.assert_nothing_left(sim)
