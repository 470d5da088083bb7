"""The generated nested stack: resources per node, hints, volumes,
floating IPs, outputs; and Heat's own schemas accept it."""

import time

import pytest

from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import template
from heat_savanna.plugins.base import PortRule
from tests.unit.core import fakes
from tests.unit.core.fakes import group

PORTS = fakes.FakeHadoop().get_ports(None)


def make(groups, **extra):
    spec = model.parse_cluster(fakes.props(node_groups=groups, **extra),
                               default_name='hd')
    lay = layout_mod.Layout.initial(spec)
    return spec, lay, template.generate(spec, lay, PORTS, 'hd-mgmt',
                                        'ssh-ed25519 AAAA test')


def hadoop(workers=3, **extra):
    return make([group('master', 1, ['namenode', 'resourcemanager']),
                 group('worker', workers, ['datanode', 'nodemanager'],
                       volumes_per_node=2, volume_size=20)],
                anti_affinity=['datanode'], **extra)


def of_type(tmpl, rtype):
    return sorted(n for n, r in tmpl['resources'].items()
                  if r['type'] == rtype)


def test_top_level_shape():
    _s, _l, tmpl = hadoop()
    assert tmpl['heat_template_version'] == '2021-04-16'
    assert set(tmpl) == {'heat_template_version', 'description',
                         'resources', 'outputs'}
    kp = tmpl['resources']['management-keypair']
    assert kp == {'type': 'OS::Nova::KeyPair',
                  'properties': {'name': 'hd-mgmt',
                                 'public_key': 'ssh-ed25519 AAAA test'}}


def test_one_server_per_node_named_after_stable_name():
    spec, lay, tmpl = hadoop(3)
    assert of_type(tmpl, 'OS::Nova::Server') == sorted(lay.names())
    server = tmpl['resources']['worker-2']['properties']
    assert server['name'] == 'hd-worker-2'
    assert server['image'] == 'img' and server['flavor'] == 'm1.small'
    assert server['key_name'] == {'get_resource': 'management-keypair'}
    assert server['networks'] == [{'port': {'get_resource':
                                            'worker-2-port'}}]
    assert server['user_data_format'] == 'RAW'
    assert server['metadata'] == {
        'savanna_cluster': 'hd', 'savanna_group': 'worker',
        'savanna_node': 'worker-2',
        'savanna_processes': 'datanode,nodemanager'}
    assert 'availability_zone' not in server
    assert not any(r['type'] == 'OS::Heat::ResourceGroup'
                   for r in tmpl['resources'].values())


def test_server_group_and_hints_only_for_matching_nodes():
    _s, _l, tmpl = hadoop(3, anti_affinity_policy='soft-anti-affinity')
    sg = tmpl['resources']['anti-affinity-group']
    assert sg['type'] == 'OS::Nova::ServerGroup'
    assert sg['properties']['policies'] == ['soft-anti-affinity']
    hint = {'group': {'get_resource': 'anti-affinity-group'}}
    for i in range(3):
        assert tmpl['resources']['worker-%d' % i]['properties'][
            'scheduler_hints'] == hint
    assert 'scheduler_hints' not in tmpl['resources']['master-0'][
        'properties']


def test_no_server_group_without_anti_affinity():
    _s, _l, tmpl = make([group('w', 2, ['datanode'])])
    assert 'anti-affinity-group' not in tmpl['resources']
    assert not any('scheduler_hints' in r['properties']
                   for r in tmpl['resources'].values())


def test_volumes_and_attachments():
    _s, _l, tmpl = hadoop(3)
    assert len(of_type(tmpl, 'OS::Cinder::Volume')) == 6
    assert len(of_type(tmpl, 'OS::Cinder::VolumeAttachment')) == 6
    vol = tmpl['resources']['worker-1-volume-1']['properties']
    assert vol == {'name': 'hd-worker-1-volume-1', 'size': 20}
    att = tmpl['resources']['worker-1-attachment-1']['properties']
    assert att == {'instance_uuid': {'get_resource': 'worker-1'},
                   'volume_id': {'get_resource': 'worker-1-volume-1'},
                   'mountpoint': '/dev/vdc'}
    assert 'master-0-volume-0' not in tmpl['resources']


def test_volume_type_and_zones():
    _s, _l, tmpl = make([group('w', 1, ['datanode'], volumes_per_node=1,
                               volume_type='ssd',
                               volumes_availability_zone='az-v',
                               availability_zone='az-c')])
    vol = tmpl['resources']['w-0-volume-0']['properties']
    assert vol['volume_type'] == 'ssd'
    assert vol['availability_zone'] == 'az-v'
    assert tmpl['resources']['w-0']['properties'][
        'availability_zone'] == 'az-c'


def test_floating_ip_only_where_asked():
    _s, _l, tmpl = make([group('m', 1, ['namenode'], floating_ip=True),
                         group('w', 2, ['datanode'])],
                        floating_ip_pool='public')
    assert of_type(tmpl, 'OS::Neutron::FloatingIP') == ['m-0-fip']
    fip = tmpl['resources']['m-0-fip']['properties']
    assert fip == {'floating_network': 'public',
                   'port_id': {'get_resource': 'm-0-port'}}
    assert tmpl['outputs']['node.m-0']['value']['floating_ip'] == {
        'get_attr': ['m-0-fip', 'floating_ip_address']}
    assert tmpl['outputs']['node.w-0']['value']['floating_ip'] is None


def test_ports_and_security_groups():
    _s, _l, tmpl = make([group('m', 1, ['namenode'],
                               security_groups=['ops']),
                         group('w', 1, ['datanode'],
                               auto_security_group=False,
                               security_groups=['ops', 'web'])])
    m = tmpl['resources']['m-0-port']['properties']
    assert m == {'network': 'private',
                 'security_groups': [{'get_resource': 'security-group'},
                                     'ops']}
    assert tmpl['resources']['w-0-port']['properties'][
        'security_groups'] == ['ops', 'web']


def test_security_group_rules():
    _s, _l, tmpl = make([group('m', 1, ['namenode'])])
    rules = tmpl['resources']['security-group']['properties']['rules']
    assert rules[0] == {'direction': 'ingress', 'protocol': 'tcp',
                        'port_range_min': 22, 'port_range_max': 22,
                        'remote_mode': 'remote_ip_prefix',
                        'remote_ip_prefix': '0.0.0.0/0'}
    assert rules[1]['protocol'] == 'icmp'
    ui, rpc, dn = rules[2:]
    assert ui['port_range_min'] == 9870 and \
        ui['remote_ip_prefix'] == '0.0.0.0/0'
    assert rpc['remote_mode'] == 'remote_group_id'
    assert 'remote_group_id' not in rpc and 'remote_ip_prefix' not in rpc
    assert (dn['port_range_min'], dn['port_range_max']) == (9864, 9867)


def test_ssh_cidr_option():
    spec, lay, _t = make([group('m', 1, ['namenode'])])
    tmpl = template.generate(spec, lay, [], 'k', 'pk',
                             options={'ssh_cidr': '10.0.0.0/8',
                                      'key_name': 'ignored'})
    rules = tmpl['resources']['security-group']['properties']['rules']
    assert rules[0]['remote_ip_prefix'] == '10.0.0.0/8'


def test_no_security_group_when_no_group_uses_it():
    _s, _l, tmpl = make([group('m', 1, ['namenode'],
                               auto_security_group=False)])
    assert 'security-group' not in tmpl['resources']
    assert 'security_groups' not in tmpl['resources']['m-0-port'][
        'properties']


def test_outputs_per_node():
    _s, lay, tmpl = hadoop(2)
    assert sorted(tmpl['outputs']) == sorted('node.' + n
                                             for n in lay.names())
    out = tmpl['outputs']['node.worker-1']['value']
    assert out == {'name': 'worker-1', 'group': 'worker',
                   'processes': ['datanode', 'nodemanager'],
                   'server_id': {'get_resource': 'worker-1'},
                   'fixed_ip': {'get_attr': ['worker-1-port', 'fixed_ips',
                                             0, 'ip_address']},
                   'floating_ip': None, 'volumes': 2}


def test_names_stay_stable_after_resize():
    spec, lay, before = hadoop(3)
    spec5 = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', 5, ['datanode', 'nodemanager'],
              volumes_per_node=2, volume_size=20)],
        anti_affinity=['datanode']), default_name='hd')
    change = lay.resize(spec5, failed=['worker-0'])
    after = template.generate(spec5, change.new_layout, PORTS, 'hd-mgmt',
                              'pk')
    kept = ('worker-1', 'worker-2', 'master-0')
    for name in kept:
        assert after['resources'][name] == before['resources'][name]
    assert 'worker-0' not in after['resources']
    assert 'worker-0-volume-0' not in after['resources']
    assert {'worker-3', 'worker-4', 'worker-5'} <= set(after['resources'])


def test_nodes_of_a_removed_group_use_previous_spec():
    spec, lay, _t = hadoop(2)
    smaller = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager'])]), 'hd')
    with pytest.raises(KeyError):
        template.generate(smaller, lay, PORTS, 'k', 'pk')
    tmpl = template.generate(smaller, lay, PORTS, 'k', 'pk',
                             options={'previous_spec': spec})
    assert 'worker-1-volume-1' in tmpl['resources']


def test_resource_count_matches_template():
    spec, lay, tmpl = hadoop(10)
    assert template.resource_count(spec) == len(tmpl['resources'])
    assert template.resource_count(spec, lay) == len(tmpl['resources'])
    # 3 shared + master (2) + 10 workers * (2 + 4)
    assert len(tmpl['resources']) == 3 + 2 + 60


def test_thousand_nodes_well_under_a_second():
    spec, lay, _t = make([group('m', 1, ['namenode']),
                          group('w', 999, ['datanode'],
                                volumes_per_node=2, floating_ip=True)],
                         anti_affinity=['datanode'],
                         floating_ip_pool='public')
    start = time.perf_counter()
    tmpl = template.generate(spec, lay, PORTS, 'k', 'pk')
    elapsed = time.perf_counter() - start
    assert len(of_type(tmpl, 'OS::Nova::Server')) == 1000
    assert elapsed < 0.5, elapsed


def test_port_rule_dedup():
    spec, lay, _t = make([group('m', 1, ['namenode'])])
    tmpl = template.generate(spec, lay, [PortRule(80), PortRule(80)],
                             'k', 'pk')
    rules = tmpl['resources']['security-group']['properties']['rules']
    assert len(rules) == 3


# -- Heat's own schemas accept what we generate ------------------------------
def _placeholders(value):
    """Intrinsic functions -> plain strings, so Heat's property schema
    sees only the shape."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ('get_resource',
                                                     'get_attr'):
            return 'placeholder'
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def test_heat_resource_schemas_accept_every_property():
    heat_props = pytest.importorskip('heat.engine.properties')
    from heat.engine.hot import template as hot
    from heat.engine.resources.openstack.cinder import volume
    from heat.engine.resources.openstack.neutron import floatingip
    from heat.engine.resources.openstack.neutron import port
    from heat.engine.resources.openstack.neutron import security_group
    from heat.engine.resources.openstack.nova import keypair
    from heat.engine.resources.openstack.nova import server
    from heat.engine.resources.openstack.nova import server_group
    classes = {}
    for mod in (volume, floatingip, port, security_group, keypair, server,
                server_group):
        classes.update(mod.resource_mapping())
    _s, _l, tmpl = make([group('m', 1, ['namenode'], floating_ip=True,
                               availability_zone='nova'),
                         group('w', 2, ['datanode'], volumes_per_node=1,
                               volume_type='ssd',
                               volumes_availability_zone='nova')],
                        anti_affinity=['datanode'],
                        floating_ip_pool='public')
    hot.HOTemplate20210416(tmpl).validate()
    for name, res in tmpl['resources'].items():
        cls = classes[res['type']]
        data = _placeholders(res['properties'])
        heat_props.Properties(cls.properties_schema, data,
                              parent_name=name).validate(with_value=False)
    rule_schema = security_group.SecurityGroup.properties_schema[
        'rules'].schema[0].schema
    for rule in tmpl['resources']['security-group']['properties']['rules']:
        assert set(rule) <= set(rule_schema)
        heat_props.Properties(rule_schema, rule).validate()


def test_node_of_resource_maps_every_generated_name():
    from heat_savanna.core import template as tm
    nodes = {'worker-1', 'worker-10'}
    assert tm.node_of_resource('worker-1', nodes) == ('worker-1', 'boot')
    assert tm.node_of_resource(tm.port_name('worker-1'), nodes) == \
        ('worker-1', 'network')
    assert tm.node_of_resource(tm.fip_name('worker-10'), nodes) == \
        ('worker-10', 'floating-ip')
    assert tm.node_of_resource(tm.volume_name('worker-10', 1), nodes) == \
        ('worker-10', 'volume')
    assert tm.node_of_resource(tm.attachment_name('worker-1', 0), nodes) == \
        ('worker-1', 'volume-attach')
    assert tm.node_of_resource(tm.KEYPAIR, nodes) == (None, None)
