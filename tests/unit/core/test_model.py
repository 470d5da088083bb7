"""Parsing property dicts (Heat-converted or raw YAML) into ClusterSpec."""

import pytest

from heat_savanna.common.exceptions import InvalidCluster
from heat_savanna.core import model
from tests.unit.core import fakes


def errors_of(props, **kw):
    with pytest.raises(InvalidCluster) as info:
        model.parse_cluster(props, **kw)
    return {e.path: e for e in info.value.errors}


def test_defaults_and_fallbacks():
    spec = model.parse_cluster(fakes.props(), default_name='hadoop')
    assert spec.name == 'hadoop'
    assert spec.anti_affinity == ()
    assert spec.anti_affinity_policy == 'anti-affinity'
    assert spec.removal_candidates == ()
    worker = spec.group('worker')
    assert (worker.flavor, worker.image) == ('m1.small', 'img')
    assert worker.min_active == 3
    assert worker.node_processes == ('datanode', 'nodemanager')
    assert (worker.volumes_per_node, worker.volume_size) == (0, 10)
    assert worker.floating_ip is False
    assert worker.auto_security_group is True
    assert worker.security_groups == ()
    assert worker.node_configs == {}
    assert spec.desired_count == 4


def test_heat_shaped_properties_with_none_values():
    spec = model.parse_cluster(fakes.heat_props(name=None), 'res')
    assert spec.name == 'res'
    assert spec.key_name is None
    assert spec.group('master').volume_type is None


def test_explicit_name_wins_over_resource_name():
    assert model.parse_cluster(fakes.props(name='c1'), 'res').name == 'c1'


def test_group_overrides_cluster_flavor_and_image():
    p = fakes.props(node_groups=[fakes.group(
        'w', 2, ['datanode'], flavor='big', image='other',
        volumes_per_node=2, volume_size=50, floating_ip=True,
        security_groups=['web'], auto_security_group=False,
        node_configs={'HDFS': {'a': 1}})])
    g = model.parse_cluster(p).node_groups[0]
    assert (g.flavor, g.image, g.volumes_per_node, g.volume_size) == \
        ('big', 'other', 2, 50)
    assert g.floating_ip and not g.auto_security_group
    assert g.security_groups == ('web',)
    assert g.node_configs == {'HDFS': {'a': 1}}


@pytest.mark.parametrize('raw,count,expected', [
    ('90%', 100, 90), ('90%', 10, 9), ('66%', 3, 2), ('1%', 3, 1),
    ('100%', 7, 7), ('0%', 5, 0), ('9', 10, 9), (9, 10, 9), (None, 4, 4),
    ('95%', 99, 95),
])
def test_min_active_resolution(raw, count, expected):
    assert model.resolve_min_active(raw, count) == expected


def test_min_active_percentage_from_properties():
    p = fakes.props(node_groups=[fakes.group('w', 100, ['datanode'],
                                             min_active='90%')])
    assert model.parse_cluster(p).node_groups[0].min_active == 90


@pytest.mark.parametrize('bad', ['ninety', '9.5%', True, [1], {'a': 1}])
def test_min_active_malformed(bad):
    p = fakes.props(node_groups=[fakes.group('w', 3, ['datanode'],
                                             min_active=bad)])
    err = errors_of(p)['node_groups[0].min_active']
    assert 'percentage' in err.message and '90%' in err.hint


def test_required_properties_reported_together():
    errs = errors_of({'node_groups': []})
    for key in ('plugin_name', 'image', 'flavor', 'management_network'):
        assert errs[key].message == 'is required'
    assert 'plugin_version' not in errs


def test_plugin_version_may_be_left_out():
    props = fakes.props()
    del props['plugin_version']
    assert model.parse_cluster(props).plugin_version is None


@pytest.mark.parametrize('bad', ['-5%', '90 %', ' 9', '-1', '+3', '9.0'])
def test_min_active_strings_heat_refuses_are_refused(bad):
    # the resource's schema pattern is ^[0-9]+%?$: the core agrees
    with pytest.raises(ValueError):
        model.resolve_min_active(bad, 10)


def test_wrong_types_name_the_path_never_type_error():
    p = fakes.props(
        node_groups=[fakes.group('m', 1, ['namenode']),
                     fakes.group('w', 'three', 'datanode',
                                 floating_ip='maybe',
                                 volumes_per_node=[2])],
        anti_affinity='datanode', cluster_configs={'HDFS': 'x'},
        flavor={'a': 1})
    errs = errors_of(p)
    assert 'whole number' in errs['node_groups[1].count'].message
    assert 'list of strings' in errs['node_groups[1].node_processes'].message
    assert 'boolean' in errs['node_groups[1].floating_ip'].message
    assert 'node_groups[1].volumes_per_node' in errs
    assert 'list' in errs['anti_affinity'].message
    assert 'map of key -> value' in errs['cluster_configs.HDFS'].message
    assert 'string' in errs['flavor'].message


def test_string_numbers_and_booleans_are_converted_like_heat():
    p = fakes.props(node_groups=[fakes.group(
        'w', '3', ['datanode'], floating_ip='true', volumes_per_node='2')],
        floating_ip_pool='public')
    g = model.parse_cluster(p).node_groups[0]
    assert (g.count, g.floating_ip, g.volumes_per_node) == (3, True, 2)


def test_node_group_must_be_a_map():
    errs = errors_of(fakes.props(node_groups=['workers']))
    assert 'must be a map' in errs['node_groups[0]'].message


def test_node_groups_must_be_a_list():
    errs = errors_of(fakes.props(node_groups={'name': 'x'}))
    assert 'must be a list' in errs['node_groups'].message


def test_unknown_keys_are_reported():
    p = fakes.props(flavour='x', node_groups=[
        fakes.group('w', 1, ['datanode'], cnt=2)])
    errs = errors_of(p)
    assert errs['flavour'].message == 'unknown property'
    assert 'flavor' in errs['flavour'].hint
    assert 'count' in errs['node_groups[0].cnt'].hint


def test_missing_group_fields():
    errs = errors_of(fakes.props(node_groups=[{}]))
    for key in ('name', 'count', 'node_processes'):
        assert errs['node_groups[0].%s' % key].message == 'is required'


def test_unknown_policy():
    errs = errors_of(fakes.props(anti_affinity_policy='affinity'))
    assert 'soft-anti-affinity' in errs['anti_affinity_policy'].hint


def test_not_a_map_at_all():
    errs = errors_of(['x'])
    assert 'must be a map' in errs[''].message


def test_property_constants_match_heat_resource_names():
    assert model.CLUSTER_PROPERTIES[:3] == ('name', 'plugin_name',
                                            'plugin_version')
    assert 'volumes_availability_zone' in model.NODE_GROUP_KEYS
    assert len(set(model.NODE_GROUP_KEYS)) == 18


def test_transport_defaults_to_ssh_and_is_checked():
    spec = model.parse_cluster(fakes.props())
    assert spec.transport == 'ssh' and not spec.uses_agent
    spec = model.parse_cluster(fakes.props(transport='heat-agent'))
    assert spec.uses_agent
    try:
        model.parse_cluster(fakes.props(transport='carrier-pigeon'))
    except InvalidCluster as exc:
        assert [e.path for e in exc.errors] == ['transport']
        assert 'valid transports: ssh, heat-agent' in str(exc.errors[0])
    else:
        raise AssertionError('an unknown transport was accepted')
