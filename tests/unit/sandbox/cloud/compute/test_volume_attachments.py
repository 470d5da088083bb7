"""cloud.compute.volume_attachments: the Cinder volume state machine
through Nova attachments."""

import pytest

from cinderclient import exceptions as cinder_exc

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'sched-key')


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


def test_attachment_shape_by_microversion(offline):
    rec = helpers.add_server(offline, 'att')
    offline.store.add('attachments', {
        'id': 'att-1', 'server_id': rec['id'], 'volume_id': 'vol-1',
        'device': '/dev/vdb', 'bdm_uuid': 'bdm-1'})
    url = '/v2.1/servers/%s/os-volume_attachments/vol-1' % rec['id']

    def shown(version):
        status, body, _ = helpers.call(
            offline.compute, 'GET', url,
            headers={'OpenStack-API-Version': 'compute ' + version})
        assert status == 200
        return body['volumeAttachment']
    assert sorted(shown('2.1')) == ['device', 'id', 'serverId', 'volumeId']
    assert sorted(shown('2.89')) == [
        'attachment_id', 'bdm_uuid', 'delete_on_termination', 'device',
        'serverId', 'tag', 'volumeId']
    assert helpers.call(offline.compute, 'GET', url.replace(
        'vol-1', 'vol-2'))[0] == 404


def test_nothing_left(sim):
    helpers.assert_nothing_left(sim)
