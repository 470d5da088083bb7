"""Floating IPs and security groups through Neutron; a port Heat creates
itself for a ``networks`` entry, named after the server resource and told
apart by its description (benchmark figure 12)."""

import pytest

from neutronclient.common import exceptions as neutron_exc

from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'sched-key')


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
    helpers.assert_nothing_left(sim)
