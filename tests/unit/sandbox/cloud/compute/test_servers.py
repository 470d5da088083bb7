"""cloud.compute.servers: the server view by microversion; list, show,
update."""

import pytest

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'test-key')


def test_old_microversion_shapes(nova_old, neutron, key, image_id):
    server = nova_old.servers.create('node-old', image=image_id,
                                     flavor='1', key_name='test-key')
    server = helpers.wait_status(nova_old, server.id)
    assert server.flavor['id'] == '1'          # before 2.47: a link
    assert not hasattr(server, 'tags')
    nova_old.servers.delete(server.id)
    helpers.wait_gone(lambda: nova_old.servers.get(server.id))


def test_list_filters_and_pages(offline):
    for name, status in (('web-1', 'ACTIVE'), ('web-2', 'ERROR'),
                         ('db-1', 'ACTIVE'), ('web-3', 'ACTIVE')):
        helpers.add_server(offline, name, status=status)
    helpers.add_server(offline, 'web-x', project_id='another')

    def names(query):
        status, body, _ = helpers.call(offline.compute, 'GET',
                                       '/v2.1/servers' + query)
        assert status == 200, body
        return [s['name'] for s in body['servers']]
    assert names('') == ['web-1', 'web-2', 'db-1', 'web-3']
    assert names('?name=^web') == ['web-1', 'web-2', 'web-3']  # a regex
    assert names('?status=active') == ['web-1', 'db-1', 'web-3']
    first = offline.store.find('servers', name='web-2')[0]['id']
    assert names('?marker=%s&limit=1' % first) == ['db-1']
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/servers?marker=nope')
    assert (status, body['badRequest']['message']) == (
        400, 'marker [nope] not found')
    status, _, _ = helpers.call(offline.compute, 'GET',
                                '/v2.1/servers?name=(')
    assert status == 400


def test_update_and_delete(offline):
    rec = helpers.add_server(offline, 'old-name')
    url = '/v2.1/servers/' + rec['id']
    status, body, _ = helpers.call(
        offline.compute, 'PUT', url,
        {'server': {'name': 'new-name', 'description': 'd'}},
        {'OpenStack-API-Version': 'compute 2.19'})
    assert status == 200
    assert (body['server']['name'], body['server']['description']) == (
        'new-name', 'd')
    deleted = []
    offline.delete_server = deleted.append
    assert helpers.call(offline.compute, 'DELETE', url)[0] == 204
    assert deleted == [rec]


def test_inventory_empty_after_deletes(sim):
    assert sim.wait_idle()
    inventory = helpers.admin(sim, 'GET', '/inventory')
    live = {k: v for k, v in inventory['live'].items()
            if v and k != 'keypairs'}
    assert live == {}
    assert 'private' in [n['name'] for n in
                         inventory['preseeded']['networks']]
