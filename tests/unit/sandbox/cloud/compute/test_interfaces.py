"""cloud.compute.interfaces: attach a port on a network, list, detach."""

from tests.unit.sandbox.cloud import helpers


def test_attach_list_show_detach(offline):
    rec = helpers.add_server(offline, 'ifaces', status='BUILD')
    net = offline.store.find('networks', name='private')[0]
    base = '/v2.1/servers/%s/os-interface' % rec['id']
    app = offline.compute
    status, body, _ = helpers.call(app, 'POST', base, {
        'interfaceAttachment': {'net_id': net['id']}})
    assert status == 200
    iface = body['interfaceAttachment']
    assert iface['net_id'] == net['id']
    assert iface['port_state'] == 'DOWN'     # the server is not ACTIVE
    port = offline.store.get('ports', iface['port_id'])
    assert port['device_id'] == rec['id']
    assert port['device_owner'] == 'compute:nova'
    assert helpers.call(app, 'GET', base)[1] == {
        'interfaceAttachments': [iface]}
    assert helpers.call(app, 'GET', base + '/' + iface['port_id'])[1] == {
        'interfaceAttachment': iface}
    # a port Nova made goes with the detach
    assert helpers.call(app, 'DELETE', base + '/' + iface['port_id'])[0] \
        == 202
    assert offline.store.get('ports', iface['port_id']) is None
    assert helpers.call(app, 'GET', base + '/' + iface['port_id'])[0] == 404


def test_a_port_of_its_own_is_kept_on_detach(offline):
    rec = helpers.add_server(offline, 'own-port')
    net = offline.store.find('networks', name='private')[0]
    port = offline.network.create_port(rec['project_id'], net['id'], {})
    base = '/v2.1/servers/%s/os-interface' % rec['id']
    status, body, _ = helpers.call(offline.compute, 'POST', base, {
        'interfaceAttachment': {'port_id': port['id']}})
    assert body['interfaceAttachment']['port_state'] == 'ACTIVE'
    helpers.call(offline.compute, 'DELETE', base + '/' + port['id'])
    kept = offline.store.get('ports', port['id'])
    assert (kept['device_id'], kept['status']) == ('', 'DOWN')
