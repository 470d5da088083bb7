"""The generated nested stacks: the cluster's (shared resources, one
node set per set of the layout, flat nodes of older clusters) and each
node set's (resources per node, hints, volumes, floating IPs, outputs);
and Heat's own schemas accept them."""

import time

import pytest

from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import template
from heat_savanna.plugins.base import PortRule
from tests.unit.core import fakes
from tests.unit.core.fakes import group

PORTS = fakes.FakeHadoop().get_ports(None)


def expand(tmpl):
    """The cluster's template with every node set's child stack inlined:
    one view of every resource a cluster gets, whatever the level."""
    out = dict(tmpl, resources={}, outputs=dict(tmpl.get('outputs', {})))
    for name, res in tmpl['resources'].items():
        if res['type'] != template.NODE_SET_TYPE:
            out['resources'][name] = res
            continue
        child = template.node_set_template(res['properties'])
        out['resources'].update(child['resources'])
        out['outputs'].update(child['outputs'])
    return out


def make(groups, level1=False, set_size=1, **extra):
    # sets of one unless a test says otherwise: a node's set is then named
    # after the node (the default size has tests of its own)
    spec = model.parse_cluster(fakes.props(node_groups=groups, **extra),
                               default_name='hd')
    lay = layout_mod.Layout.initial(spec, set_size=set_size)
    tmpl = template.generate(spec, lay, PORTS, 'hd-mgmt',
                             'ssh-ed25519 AAAA test')
    return spec, lay, (tmpl if level1 else expand(tmpl))


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
        'savanna_processes': 'datanode,nodemanager',
        'metering.server_group': 'hd'}
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
    assert m == {'name': 'hd-m-0-port', 'network': 'private',
                 'security_groups': [{'get_resource': 'security-group'},
                                     'ops']}
    assert tmpl['resources']['w-0-port']['properties'][
        'security_groups'] == ['ops', 'web']


def test_security_group_rules():
    _s, _l, tmpl = make([group('m', 1, ['namenode'])])
    sg = tmpl['resources']['security-group']['properties']
    rules = sg['rules']
    assert rules[0] == {'direction': 'ingress', 'protocol': 'tcp',
                        'port_range_min': 22, 'port_range_max': 22,
                        'remote_mode': 'remote_ip_prefix',
                        'remote_ip_prefix': '0.0.0.0/0'}
    assert rules[1]['protocol'] == 'icmp'
    # every service port between members only, the web UI too: no
    # access_cidrs, no web UI from outside
    ui, rpc, dn = rules[2:]
    assert ui == {'direction': 'ingress', 'protocol': 'tcp',
                  'port_range_min': 9870, 'port_range_max': 9870,
                  'remote_mode': 'remote_group_id'}
    assert rpc['remote_mode'] == 'remote_group_id'
    assert 'remote_group_id' not in rpc and 'remote_ip_prefix' not in rpc
    assert (dn['port_range_min'], dn['port_range_max']) == (9864, 9867)
    assert sg['description'] == ('heat-savanna cluster hd: SSH from '
                                 '0.0.0.0/0, ICMP, the fake services '
                                 'between members, no web UI from outside')


def test_web_ui_cidrs_open_the_public_ports_only():
    _s, _l, tmpl = make([group('m', 1, ['namenode'])], access_cidrs={
        'web_ui': ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7']})
    sg = tmpl['resources']['security-group']['properties']
    outside = [r for r in sg['rules'] if 'remote_ip_prefix' in r and
               r['protocol'] == 'tcp' and r['port_range_min'] != 22]
    # one rule per CIDR on the web UI (9870), none on the RPC ports; an
    # address is its /32, IPv6 has its ethertype
    assert [(r['port_range_min'], r['remote_ip_prefix'],
             r.get('ethertype')) for r in outside] == [
        (9870, '203.0.113.0/24', None), (9870, '2001:db8::/32', 'IPv6'),
        (9870, '198.51.100.7/32', None)]
    # the members still reach the web UI
    assert {'direction': 'ingress', 'protocol': 'tcp',
            'port_range_min': 9870, 'port_range_max': 9870,
            'remote_mode': 'remote_group_id'} in sg['rules']
    assert sg['description'].endswith('web UIs from 3 CIDRs')


def test_ssh_cidrs_of_the_template_replace_the_operators():
    spec, lay, _t = make([group('m', 1, ['namenode'])], access_cidrs={
        'ssh': ['192.0.2.0/24', '10.1.0.0/16']})
    tmpl = template.generate(spec, lay, PORTS, 'k', 'pk',
                             options={'ssh_cidr': '10.0.0.0/8'})
    sg = tmpl['resources']['security-group']['properties']
    ssh = [r['remote_ip_prefix'] for r in sg['rules']
           if r.get('port_range_min') == 22]
    assert ssh == ['192.0.2.0/24', '10.1.0.0/16']
    assert 'SSH from 2 CIDRs' in sg['description']


def test_ssh_cidr_option():
    spec, lay, _t = make([group('m', 1, ['namenode'])])
    tmpl = expand(template.generate(spec, lay, [], 'k', 'pk',
                                    options={'ssh_cidr': '10.0.0.0/8',
                                             'key_name': 'ignored'}))
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
    after = expand(template.generate(spec5, change.new_layout, PORTS,
                                     'hd-mgmt', 'pk'))
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
    tmpl = expand(template.generate(smaller, lay, PORTS, 'k', 'pk',
                                    options={'previous_spec': spec}))
    assert 'worker-1-volume-1' in tmpl['resources']


def test_resource_count_matches_template():
    spec, lay, tmpl = hadoop(10)
    level1 = template.generate(spec, lay, PORTS, 'hd-mgmt', 'pk')
    sets = len(of_type(level1, template.NODE_SET_TYPE))
    assert sets == 11
    # Heat counts the node sets too
    assert template.resource_count(spec, set_size=1) == \
        len(tmpl['resources']) + sets
    assert template.resource_count(spec, lay) == \
        len(tmpl['resources']) + sets
    # 3 shared + 11 sets + master (2) + 10 workers * (2 + 4)
    assert template.resource_count(spec, set_size=1) == 3 + 11 + 2 + 60
    # by default (sets of 5): the master's set and two of workers
    assert template.resource_count(spec) == 3 + 3 + 2 + 60
    _s, default, _t = hadoop(10, set_size=layout_mod.DEFAULT_SET_SIZE)
    assert template.resource_count(spec, default) == 3 + 3 + 2 + 60
    big = layout_mod.Layout.initial(spec, set_size=4)
    assert template.resource_count(spec, big) == 3 + 4 + 2 + 60
    assert template.resource_count(spec, set_size=4) == 3 + 4 + 2 + 60


def test_thousand_nodes_well_under_a_second():
    spec, lay, _t = make([group('m', 1, ['namenode']),
                          group('w', 999, ['datanode'],
                                volumes_per_node=2, floating_ip=True)],
                         anti_affinity=['datanode'],
                         floating_ip_pool='public')
    start = time.perf_counter()
    tmpl = expand(template.generate(spec, lay, PORTS, 'k', 'pk'))
    elapsed = time.perf_counter() - start
    assert len(of_type(tmpl, 'OS::Nova::Server')) == 1000
    assert elapsed < 0.5, elapsed


def test_port_rule_dedup():
    spec, lay, _t = make([group('m', 1, ['namenode'])], access_cidrs={
        'web_ui': ['10.0.0.0/8', '10.0.0.0/8']})
    tmpl = template.generate(spec, lay, [PortRule(80), PortRule(80),
                                         PortRule(81, public=True),
                                         PortRule(81, public=True)],
                             'k', 'pk')
    rules = tmpl['resources']['security-group']['properties']['rules']
    # SSH, ICMP, 80 and 81 between members, 81 from 10.0.0.0/8: Neutron
    # refuses a rule twice
    assert len(rules) == 5


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
    from heat_savanna.resources import node_set
    classes = {}
    for mod in (volume, floatingip, port, security_group, keypair, server,
                server_group, node_set):
        classes.update(mod.resource_mapping())
    _s, _l, level1 = make([group('m', 1, ['namenode'], floating_ip=True,
                                 availability_zone='nova'),
                           group('w', 2, ['datanode'], volumes_per_node=1,
                                 volume_type='ssd',
                                 volumes_availability_zone='nova')],
                          anti_affinity=['datanode'],
                          floating_ip_pool='public', level1=True,
                          access_cidrs={'ssh': ['192.0.2.0/24'],
                                        'web_ui': ['2001:db8::/32']})
    tmpl = expand(level1)
    hot.HOTemplate20210416(level1).validate()
    for res in level1['resources'].values():
        if res['type'] == template.NODE_SET_TYPE:
            hot.HOTemplate20210416(
                template.node_set_template(res['properties'])).validate()
    for name, res in list(level1['resources'].items()) + \
            list(tmpl['resources'].items()):
        cls = classes[res['type']]
        data = _placeholders(res['properties'])
        heat_props.Properties(cls.properties_schema, data,
                              parent_name=name).validate(with_value=False)
    rule_schema = security_group.SecurityGroup.properties_schema[
        'rules'].schema[0].schema
    for rule in tmpl['resources']['security-group']['properties']['rules']:
        assert set(rule) <= set(rule_schema)
        heat_props.Properties(rule_schema, rule).validate()


# -- the two levels -----------------------------------------------------------
def test_default_sets_hold_up_to_five_nodes_of_one_group():
    spec, lay, level1 = hadoop(6, level1=True,
                               set_size=layout_mod.DEFAULT_SET_SIZE)
    sets = {n: r['properties']['nodes'] for n, r in
            level1['resources'].items()
            if r['type'] == template.NODE_SET_TYPE}
    assert sets == {'master-0': ['master-0'],
                    'worker-0': ['worker-%d' % i for i in range(5)],
                    'worker-5': ['worker-5']}


def test_sets_of_one_node():
    spec, lay, level1 = hadoop(3, level1=True)
    assert of_type(level1, template.NODE_SET_TYPE) == sorted(lay.names())
    assert of_type(level1, 'OS::Nova::Server') == []
    props = level1['resources']['worker-1']['properties']
    assert props == {
        'cluster_name': 'hd', 'group': 'worker',
        'node_processes': ['datanode', 'nodemanager'],
        'nodes': ['worker-1'], 'image': 'img', 'flavor': 'm1.small',
        'key_name': {'get_resource': 'management-keypair'},
        'network': 'private',
        'security_groups': [{'get_resource': 'security-group'}],
        'server_group': {'get_resource': 'anti-affinity-group'},
        'volumes': {'count': 2, 'size': 20}}
    assert 'server_group' not in \
        level1['resources']['master-0']['properties']
    assert level1['outputs'] == {}


def test_larger_node_sets_hold_several_nodes():
    spec = model.parse_cluster(fakes.props(), default_name='hd')
    lay = layout_mod.Layout.initial(spec, set_size=2)
    level1 = template.generate(spec, lay, PORTS, 'k', 'pk')
    sets = {n: r['properties']['nodes'] for n, r in
            level1['resources'].items()
            if r['type'] == template.NODE_SET_TYPE}
    assert sets == {'master-0': ['master-0'],
                    'worker-0': ['worker-0', 'worker-1'],
                    'worker-2': ['worker-2']}
    child = template.node_set_template(
        level1['resources']['worker-0']['properties'])
    assert of_type(child, 'OS::Nova::Server') == ['worker-0', 'worker-1']
    assert sorted(child['outputs']) == ['node.worker-0', 'node.worker-1']


def _paced(spec, lay, at_once):
    level1 = template.generate(spec, lay, PORTS, 'k', 'pk', options={
        'max_concurrent_node_sets': at_once})
    return {n: r.get('depends_on') for n, r in level1['resources'].items()
            if r['type'] == template.NODE_SET_TYPE}


def test_node_sets_are_paced_at_most_so_many_at_once():
    spec = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode']),
        group('worker', 7, ['datanode'])]), default_name='hd')
    lay = layout_mod.Layout.initial(spec, set_size=2)
    # in the order the sets were made, each waits for the one 2 before it:
    # two chains, so never more than two sets in progress
    assert _paced(spec, lay, 2) == {
        'master-0': None, 'worker-0': None, 'worker-2': ['master-0'],
        'worker-4': ['worker-0'], 'worker-6': ['worker-2']}
    assert set(_paced(spec, lay, 0).values()) == {None}
    assert set(_paced(spec, lay, 5).values()) == {None}
    # a scale-up's new sets come last: the existing sets keep their
    # places, and the first new ones wait only for sets already built
    bigger = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode']),
        group('worker', 11, ['datanode'])]), default_name='hd')
    grown = lay.resize(bigger, set_size=2).new_layout
    after = _paced(bigger, grown, 2)
    assert {n: d for n, d in after.items() if n in _paced(spec, lay, 2)} \
        == _paced(spec, lay, 2)
    assert after['worker-7'] == ['worker-4']
    assert after['worker-9'] == ['worker-6']


def test_flat_nodes_of_an_older_cluster_stay_in_the_cluster_stack():
    spec, lay, _t = hadoop(2)
    data = lay.to_dict()
    data.pop('sets')            # as stored before node sets existed
    old = layout_mod.Layout.from_dict(data)
    level1 = template.generate(spec, old, PORTS, 'hd-mgmt', 'pk')
    assert of_type(level1, template.NODE_SET_TYPE) == []
    assert of_type(level1, 'OS::Nova::Server') == [
        'master-0', 'worker-0', 'worker-1']
    server = level1['resources']['worker-0']['properties']
    assert server['key_name'] == {'get_resource': 'management-keypair'}
    assert server['networks'] == [{'port': {'get_resource':
                                            'worker-0-port'}}]
    assert 'node.worker-1' in level1['outputs']
    # a scale-up puts the new nodes in node sets; the old stay flat
    bigger = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', 3, ['datanode', 'nodemanager'],
              volumes_per_node=2, volume_size=20)],
        anti_affinity=['datanode']), default_name='hd')
    grown = old.resize(bigger).new_layout
    level1 = template.generate(bigger, grown, PORTS, 'hd-mgmt', 'pk')
    assert of_type(level1, template.NODE_SET_TYPE) == ['worker-2']
    assert level1['resources']['worker-0'] == \
        template.generate(spec, old, PORTS, 'hd-mgmt', 'pk')[
            'resources']['worker-0']


def test_excluded_nodes_have_no_resources():
    spec, lay, _t = hadoop(3)
    level1 = template.generate(spec, lay, PORTS, 'k', 'pk',
                               options={'exclude': ['worker-1']})
    assert 'worker-1' not in level1['resources']
    assert 'worker-2' in level1['resources']
    flat = layout_mod.Layout.from_dict(
        {k: v for k, v in lay.to_dict().items() if k != 'sets'})
    level1 = template.generate(spec, flat, PORTS, 'k', 'pk',
                               options={'exclude': ['worker-1']})
    assert not [n for n in level1['resources'] if n.startswith('worker-1')]


# -- the Heat agent transport ------------------------------------------------
def _agent(deployments=None, **extra):
    spec = model.parse_cluster(fakes.props(
        node_groups=[group('master', 1, ['namenode']),
                     group('worker', 2, ['datanode'])],
        transport='heat-agent', **extra), default_name='hd')
    lay = layout_mod.Layout.initial(spec, set_size=1)
    level1 = template.generate(
        spec, lay, PORTS, 'hd-mgmt', 'ssh-ed25519 AAAA test',
        options={'deployments': deployments, 'deployment_timeout': 900})
    return spec, lay, level1


def test_agent_transport_has_no_management_key_and_no_ssh_rule():
    _s, _l, level1 = _agent()
    assert template.KEYPAIR not in level1['resources']
    sg = level1['resources']['security-group']['properties']
    assert not [r for r in sg['rules'] if r.get('port_range_min') == 22]
    assert 'SSH' not in sg['description']
    tmpl = expand(level1)
    for name in ('master-0', 'worker-0', 'worker-1'):
        server = tmpl['resources'][name]['properties']
        assert server['user_data_format'] == 'SOFTWARE_CONFIG'
        assert server['software_config_transport'] == 'POLL_SERVER_HEAT'
        assert 'key_name' not in server
    # the operator's own key, when given, is the one Nova injects
    _s, _l, level1 = _agent(key_name='mine')
    assert expand(level1)['resources']['worker-0']['properties'][
        'key_name'] == 'mine'


def test_deployments_go_to_their_nodes_sets_only():
    deps = {'worker-1': {'script': '#!/bin/bash\ntrue\n', 'round': 7}}
    _s, _l, level1 = _agent(deps)
    props = level1['resources']['worker-1']['properties']
    assert props[template.NS_DEPLOYMENTS] == deps
    assert props[template.NS_DEPLOYMENT_TIMEOUT] == 900
    assert template.NS_DEPLOYMENTS not in \
        level1['resources']['worker-0']['properties']
    child = template.node_set_template(props)['resources']
    assert child['worker-1-config'] == {
        'type': 'OS::Heat::SoftwareConfig',
        'properties': {'group': 'script', 'config': '#!/bin/bash\ntrue\n'}}
    dep = child['worker-1-deployment']['properties']
    assert dep['server'] == {'get_resource': 'worker-1'}
    assert dep['signal_transport'] == 'HEAT_SIGNAL'
    assert dep['input_values'] == {'savanna_round': 7}
    assert template.node_of_resource('worker-1-deployment',
                                     {'worker-1'}) == ('worker-1', 'deploy')
    assert template.node_of_resource('worker-1-config',
                                     {'worker-1'}) == ('worker-1', 'deploy')


def test_agent_resource_count_and_heat_schemas():
    from heat.engine.hot import template as hot
    spec, lay, level1 = _agent(
        {n: {'script': 'true', 'round': 1}
         for n in ('master-0', 'worker-0', 'worker-1')})
    tmpl = expand(level1)
    sets = len(of_type(level1, template.NODE_SET_TYPE))
    assert template.resource_count(spec, set_size=1) == \
        len(tmpl['resources']) + sets
    # security group + 3 sets + 3 nodes * (server, port, config, deployment)
    assert template.resource_count(spec, set_size=1) == 1 + 3 + 3 * 4
    for res in level1['resources'].values():
        if res['type'] == template.NODE_SET_TYPE:
            hot.HOTemplate20210416(
                template.node_set_template(res['properties'])).validate()


def test_validation_template_keeps_one_node_set_of_each_shape():
    _s, _l, full = make([
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', 12, ['datanode', 'nodemanager']),
        group('big', 3, ['datanode', 'nodemanager'], volumes_per_node=1,
              volume_size=5)], level1=True)
    sets = of_type(full, template.NODE_SET_TYPE)
    assert len(sets) == 16
    before = repr(full)
    small = template.validation_template(full)
    # one per group (their properties differ); the first of each
    assert of_type(small, template.NODE_SET_TYPE) == [
        'big-0', 'master-0', 'worker-0']
    # the shared resources all stay; the input is not changed
    shared = set(full['resources']) - set(sets)
    assert shared and shared <= set(small['resources'])
    assert repr(full) == before
    # a node set another resource names is kept
    full['resources']['extra'] = {'type': 'OS::Heat::None',
                                  'depends_on': ['worker-7']}
    small = template.validation_template(full)
    assert 'worker-7' in small['resources']
    assert 'worker-8' not in small['resources']


def test_validation_template_leaves_the_pacing_out():
    # every set but the last few names an earlier one in its depends_on;
    # kept, they would all be validated
    spec = model.parse_cluster(fakes.props(node_groups=[
        group('master', 1, ['namenode']),
        group('worker', 12, ['datanode'])]), default_name='hd')
    lay = layout_mod.Layout.initial(spec, set_size=1)
    full = template.generate(spec, lay, PORTS, 'k', 'pk', options={
        'max_concurrent_node_sets': 2})
    assert full['resources']['worker-11']['depends_on'] == ['worker-9']
    small = template.validation_template(full)
    assert of_type(small, template.NODE_SET_TYPE) == ['master-0',
                                                      'worker-0']
    assert not [r for r in small['resources'].values()
                if 'depends_on' in r]
    assert full['resources']['worker-11']['depends_on'] == ['worker-9']


def test_the_owner_marks_servers_ports_and_volumes_when_known():
    # the owner (the stack the node set is in) and the node, so a server
    # or volume made for a create whose answer was lost can be found
    _s, _l, tmpl = hadoop(2, level1=True, set_size=5)
    props = next(r['properties'] for r in tmpl['resources'].values()
                 if r['type'] == template.NODE_SET_TYPE and
                 r['properties']['group'] == 'worker')
    marked = template.node_set_template(props, owner='stack-1')['resources']
    server = marked['worker-1']['properties']['metadata']
    assert (server[template.OWNER_KEY], server[template.NODE_KEY]) == (
        'stack-1', 'worker-1')
    assert marked['worker-1-volume-0']['properties']['metadata'] == {
        template.OWNER_KEY: 'stack-1', template.NODE_KEY: 'worker-1'}
    plain = template.node_set_template(props)['resources']
    assert template.OWNER_KEY not in plain['worker-1']['properties'][
        'metadata']
    assert 'metadata' not in plain['worker-1-volume-0']['properties']
    # a port has no metadata: the marks are its description's words
    assert template.port_marks(marked['worker-1-port']['properties'][
        'value_specs']['description']) == {
        template.OWNER_KEY: 'stack-1', template.NODE_KEY: 'worker-1'}
    assert 'value_specs' not in plain['worker-1-port']['properties']
