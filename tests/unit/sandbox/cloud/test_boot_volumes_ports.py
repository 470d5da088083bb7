"""What Heat sends for a node with fewer resources (benchmark figure 12):
a volume mapped at boot (block_device_mapping_v2) instead of an
attachment, and a port Heat creates itself for a ``networks`` entry,
named after the server resource and told apart by its description."""

import pytest

from neutronclient.common import exceptions as neutron_exc

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'bdm-key')


def _volume(cinder):
    vol = cinder.volumes.create(size=1)
    helpers.wait_for(lambda: cinder.volumes.get(vol.id).status ==
                     'available', what='volume available')
    return vol


def _boot_with(nova, name, vol):
    # as Heat's _build_block_device_mapping_v2 sends a volume_id mapping
    bdm = [{'uuid': vol.id, 'source_type': 'volume',
            'destination_type': 'volume', 'boot_index': -1,
            'delete_on_termination': False, 'device_name': 'vdb'}]
    return nova.servers.create(name, image='cirros', flavor='1',
                               key_name='bdm-key', nics='auto',
                               block_device_mapping_v2=bdm)


def test_volume_mapped_at_boot_is_released_by_the_server_delete(
        nova, cinder, key):
    vol = _volume(cinder)
    server = helpers.wait_status(nova, _boot_with(nova, 'bdm-node',
                                                  vol).id)
    assert server.status == 'ACTIVE'
    assert cinder.volumes.get(vol.id).status == 'in-use'
    attached = getattr(server, 'os-extended-volumes:volumes_attached')
    assert [a['id'] for a in attached] == [vol.id]
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))
    # what Heat's volume resource needs to be deleted after the server
    assert cinder.volumes.get(vol.id).status == 'available'
    cinder.volumes.delete(vol.id)
    helpers.wait_gone(lambda: cinder.volumes.get(vol.id))


def test_volume_attach_fault_aborts_the_build_like_nova(nova, cinder, sim,
                                                        key):
    helpers.admin(sim, 'POST', '/faults', {'resource_failure': {
        'volume_attach': {'names': ['bdm-bad-*']}}})
    vol = _volume(cinder)
    server = helpers.wait_status(nova, _boot_with(nova, 'bdm-bad-1',
                                                  vol).id)
    assert server.status == 'ERROR'
    assert server.fault['message'] == (
        'Build of instance %s aborted: Failure prepping block device.'
        % server.id)
    assert cinder.volumes.get(vol.id).status == 'available'
    assert sim.faults.fired_counts()['resource_failure.volume_attach'] == 1
    nova.servers.delete(server.id)
    helpers.wait_gone(lambda: nova.servers.get(server.id))
    cinder.volumes.delete(vol.id)
    helpers.wait_gone(lambda: cinder.volumes.get(vol.id))


def test_port_create_fault_by_description(neutron, sim):
    net = neutron.list_networks(name='private')['networks'][0]['id']
    helpers.admin(sim, 'POST', '/faults', {'resource_failure': {
        'port_create': {'descriptions': ['*-node-3']}}})

    def create(description):
        # Heat's internal port: the server resource's name, every member
        return neutron.create_port({'port': {
            'network_id': net, 'name': 'server-port-0',
            'description': description}})['port']
    good = create('bench-lean-node-2')
    with pytest.raises(neutron_exc.Conflict):
        create('bench-lean-node-3')
    assert sim.faults.fired_counts()['resource_failure.port_create'] == 1
    neutron.delete_port(good['id'])


def test_nothing_left(sim):
    assert sim.wait_idle()
    helpers.wait_for(lambda: not [
        v for k, v in helpers.admin(sim, 'GET', '/inventory')[
            'live'].items() if v and k != 'keypairs'], what='empty')
