"""One test per generic validation rule and its message."""

import pytest

from heat_savanna.common.exceptions import InvalidCluster
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import validation
from tests.unit.core import fakes
from tests.unit.core.fakes import group


@pytest.fixture
def plugin():
    return fakes.FakeHadoop()


def errors(plugin, layout=None, **overrides):
    with pytest.raises(InvalidCluster) as info:
        validation.check(fakes.props(**overrides), default_name='c',
                         get_plugin=fakes.get_plugin_for(plugin),
                         layout=layout)
    return {e.path: e for e in info.value.errors}


def workers(**extra):
    return [group('master', 1, ['namenode', 'resourcemanager']),
            group('worker', 3, ['datanode', 'nodemanager'], **extra)]


def test_valid_cluster_returns_spec_and_runs_plugin_rules(plugin):
    spec = validation.check(fakes.props(), 'c',
                            get_plugin=fakes.get_plugin_for(plugin))
    assert isinstance(spec, model.ClusterSpec)
    assert plugin.validated == [spec]


def test_heat_shaped_properties_validate(plugin):
    validation.check(fakes.heat_props(), 'c',
                     get_plugin=fakes.get_plugin_for(plugin))


def test_unknown_plugin_names_available_ones(plugin):
    e = errors(plugin, plugin_name='sahara')['plugin_name']
    assert "no provisioning plugin 'sahara'" in e.message
    assert e.hint == 'available plugins: fake'


def test_unknown_plugin_still_reports_generic_errors(plugin):
    errs = errors(plugin, plugin_name='nope',
                  node_groups=[group('a', -1, ['x'])])
    assert 'plugin_name' in errs and 'node_groups[0].count' in errs


def test_plugin_that_cannot_load_is_an_error_not_a_crash():
    def broken(name):
        raise ImportError('no module named x')
    with pytest.raises(InvalidCluster) as info:
        validation.check(fakes.props(), get_plugin=broken)
    assert 'cannot be loaded: ImportError' in str(info.value)


def test_unknown_version_lists_existing(plugin):
    e = errors(plugin, plugin_version='2.0')['plugin_version']
    assert e.message == "fake version '2.0' is not available"
    assert e.hint == 'available versions: 1.0, 0.9'


def test_unknown_version_skips_plugin_rules(plugin):
    errors(plugin, plugin_version='2.0')
    assert plugin.validated == []


def test_duplicate_group_names(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('worker', 1, ['datanode'])])['node_groups[2].name']
    assert "duplicate node group name 'worker'" in e.message
    assert 'node_groups[1]' in e.message


@pytest.mark.parametrize('name', ['1abc', 'has_underscore', 'a' * 41, 'é'])
def test_invalid_group_name(plugin, name):
    e = errors(plugin, node_groups=workers() + [
        group(name, 1, ['datanode'])])['node_groups[2].name']
    assert 'invalid node group name' in e.message
    assert 'start with a letter' in e.hint


def test_group_name_clashing_with_volume_resources(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('worker-1-volume', 1, ['datanode'])])['node_groups[2].name']
    assert 'clashes' in e.message


def test_negative_count(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('more', -2, ['datanode'])])['node_groups[2].count']
    assert e.message == 'must be 0 or more, not -2'


def test_min_active_above_count(plugin):
    e = errors(plugin, node_groups=workers(min_active=4))[
        'node_groups[1].min_active']
    assert e.message == 'min_active 4 is above count 3'
    assert 'up to 3' in e.hint and '100%' in e.hint


def test_min_active_percentage_above_100(plugin):
    e = errors(plugin, node_groups=workers(min_active='150%'))[
        'node_groups[1].min_active']
    assert 'above count' in e.message


def test_min_active_negative(plugin):
    e = errors(plugin, node_groups=workers(min_active=-1))[
        'node_groups[1].min_active']
    assert e.message == 'must be 0 or more, not -1'


def test_empty_node_processes(plugin):
    e = errors(plugin, node_groups=workers() + [group('x', 1, [])])[
        'node_groups[2].node_processes']
    assert e.message == 'must name at least one process'
    assert 'namenode' in e.hint


def test_unknown_process_lists_valid_ones(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('x', 1, ['datanode', 'tasktracker'])])[
        'node_groups[2].node_processes']
    assert e.message == 'unknown fake 1.0 process(es): tasktracker'
    assert e.hint == ('valid processes: datanode, historyserver, namenode, '
                      'nodemanager, resourcemanager, secondarynamenode')


def test_duplicate_process_in_group(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('x', 1, ['datanode', 'datanode'])])[
        'node_groups[2].node_processes']
    assert 'listed twice: datanode' in e.message


def test_anti_affinity_unknown_process(plugin):
    e = errors(plugin, anti_affinity=['datanode', 'mapper'])[
        'anti_affinity[1]']
    assert e.message == "unknown process 'mapper'"
    assert 'valid processes' in e.hint


def test_anti_affinity_process_not_in_any_group(plugin):
    e = errors(plugin, anti_affinity=['secondarynamenode'])[
        'anti_affinity[0]']
    assert e.message == "no node group runs 'secondarynamenode'"
    assert 'datanode' in e.hint


def test_unknown_cluster_config_section(plugin):
    e = errors(plugin, cluster_configs={'HDFS': {}, 'Hive': {'a': 1}})[
        'cluster_configs.Hive']
    assert e.message == "unknown config section 'Hive'"
    assert e.hint == 'valid sections: HDFS, MapReduce, YARN'


def test_unknown_node_config_section(plugin):
    e = errors(plugin, node_groups=workers(node_configs={'Spark': {}}))[
        'node_groups[1].node_configs.Spark']
    assert e.hint == 'valid sections: HDFS, MapReduce, YARN'


def test_floating_ip_needs_pool(plugin):
    e = errors(plugin, node_groups=workers(floating_ip=True))[
        'node_groups[1].floating_ip']
    assert 'no floating_ip_pool' in e.message
    assert 'floating_ip_pool' in e.hint


def test_floating_ip_with_pool_is_fine(plugin):
    validation.check(fakes.props(node_groups=workers(floating_ip=True),
                                 floating_ip_pool='public'),
                     get_plugin=fakes.get_plugin_for(plugin))


def test_volumes_need_a_size(plugin):
    e = errors(plugin, node_groups=workers(volumes_per_node=2,
                                           volume_size=0))[
        'node_groups[1].volume_size']
    assert e.message == 'must be at least 1 GB, not 0'


@pytest.mark.parametrize('extra,path', [
    ({'volume_size': 0}, 'node_groups[1].volume_size'),
    ({'volumes_per_node': 17}, 'node_groups[1].volumes_per_node'),
])
def test_group_limits_of_the_heat_schema(plugin, extra, path):
    # the same limits the resource's Heat schema declares
    assert path in errors(plugin, node_groups=workers(**extra))


def test_group_name_ending_in_a_newline(plugin):
    assert 'node_groups[1].name' in errors(plugin, node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker\n', 1, ['datanode'])])


@pytest.mark.parametrize('overrides,path', [
    ({'name': 'a' * 41}, 'name'),
    ({'name': '1abc'}, 'name'),
    ({'ssh_user': 'u' * 33}, 'ssh_user'),
])
def test_cluster_limits_of_the_heat_schema(plugin, overrides, path):
    assert path in errors(plugin, **overrides)


def test_default_name_from_the_resource_must_be_a_cluster_name(plugin):
    with pytest.raises(InvalidCluster) as info:
        validation.check(fakes.props(), default_name='my_cluster',
                         get_plugin=fakes.get_plugin_for(plugin))
    error, = info.value.errors
    assert error.path == 'name' and "'my_cluster'" in error.message
    assert 'resource\'s name is used' in error.hint


def test_group_names_unique_ignoring_case(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('Worker', 1, ['datanode'])])['node_groups[2].name']
    assert "duplicate node group name 'Worker'" in e.message
    assert 'ignoring case' in e.message


def test_hostname_longer_than_63_characters(plugin):
    # "<cluster>-<group>-<index>": 40 + 1 + 20 + 1 + 1 = 63 fits ...
    ok = fakes.props(name='c' * 40, node_groups=[
        group('m' * 20, 1, ['namenode', 'resourcemanager']),
        group('w' * 20, 10, ['datanode'])])
    validation.check(ok, get_plugin=fakes.get_plugin_for(plugin))
    # ... 11 workers make the last one w...w-10: 64 characters
    e = errors(plugin, name='c' * 40, node_groups=[
        group('m' * 20, 1, ['namenode', 'resourcemanager']),
        group('w' * 20, 11, ['datanode'])])['node_groups[1].name']
    assert e.message.endswith('has 64 characters, more than the 63 of a '
                              'hostname')
    assert 'c' * 40 + '-' + 'w' * 20 + '-10' in e.message
    assert 'shorten the cluster name' in e.hint


def test_count_bound_fails_fast_without_building_anything(plugin):
    import time
    t0 = time.monotonic()
    e = errors(plugin, node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('worker', 10 ** 20, ['datanode'])])
    assert time.monotonic() - t0 < 1
    assert list(e) == ['node_groups[1].count']
    assert e['node_groups[1].count'].message == (
        'count 100000...(21 digits) is more than the %d nodes a cluster '
        'may have' % validation.MAX_NODES)
    assert plugin.validated == []


def test_total_node_bound(plugin):
    half = validation.MAX_NODES // 2 + 1
    e = errors(plugin, node_groups=[
        group('master', 1, ['namenode', 'resourcemanager']),
        group('a', half, ['datanode']), group('b', half, ['datanode'])])
    assert list(e) == ['node_groups']
    assert 'nodes in all is more than' in e['node_groups'].message


def _max_resources(plugin, limit, workers, volumes=0):
    return validation.check(
        fakes.props(node_groups=[
            group('master', 1, ['namenode', 'resourcemanager']),
            group('worker', workers, ['datanode'],
                  volumes_per_node=volumes)]),
        get_plugin=fakes.get_plugin_for(plugin),
        max_resources_per_stack=limit)


def test_max_resources_per_stack(plugin):
    from heat_savanna.core import template
    spec = _max_resources(plugin, None, 600)
    needed = template.resource_count(spec) + 1
    _max_resources(plugin, needed, 600)          # exactly at the limit
    _max_resources(plugin, -1, 600)              # -1: unlimited
    with pytest.raises(InvalidCluster) as info:
        _max_resources(plugin, needed - 1, 600)
    error, = info.value.errors
    assert error.path == 'node_groups'
    assert error.message == (
        'the cluster needs %d resources (its nested stack and itself) for '
        '601 nodes, more than the %d heat-engine allows in one stack '
        '(max_resources_per_stack)' % (needed, needed - 1))
    assert 'raise max_resources_per_stack' in error.hint
    # volumes count too
    with pytest.raises(InvalidCluster):
        _max_resources(plugin, 1000, 100, volumes=4)


def test_default_version_is_chosen(plugin):
    props = fakes.props()
    del props['plugin_version']
    spec = validation.check(props, 'c',
                            get_plugin=fakes.get_plugin_for(plugin))
    assert spec.plugin_version == '1.0'
    assert plugin.validated[0].plugin_version == '1.0'


def test_negative_volumes_per_node(plugin):
    assert 'node_groups[1].volumes_per_node' in errors(
        plugin, node_groups=workers(volumes_per_node=-1))


def test_no_node_groups(plugin):
    e = errors(plugin, node_groups=[])['node_groups']
    assert e.message == 'must hold at least one node group'


def test_removal_candidate_not_a_node_name(plugin):
    e = errors(plugin, removal_candidates=['gpu-1'])['removal_candidates[0]']
    assert "'gpu-1' is not a node name" in e.message
    assert 'master-0' in e.hint


def test_removal_candidate_must_exist_in_layout(plugin):
    spec = validation.check(fakes.props(), get_plugin=fakes.get_plugin_for(
        plugin))
    layout = layout_mod.Layout.initial(spec)
    e = errors(plugin, layout=layout, removal_candidates=['worker-1',
                                                          'worker-9'])
    assert 'removal_candidates[0]' not in e
    assert e['removal_candidates[1]'].message == "there is no node 'worker-9'"
    assert 'worker-0, worker-1, worker-2' in e['removal_candidates[1]'].hint


def test_plugin_topology_errors_are_included(plugin):
    e = errors(plugin, node_groups=workers() + [
        group('nn2', 1, ['namenode'])])['node_groups[2].node_processes']
    assert e.message == 'a second namenode group'


def test_each_mistake_on_one_path_is_reported_once(plugin):
    # the core reports the unknown process, the plugin its own rule: two
    # mistakes of one property, each said once
    with pytest.raises(InvalidCluster) as info:
        validation.check(
            fakes.props(node_groups=workers() + [
                group('nn2', 1, ['namenode', 'bogus'])]),
            get_plugin=fakes.get_plugin_for(plugin))
    messages = [e.message for e in info.value.errors
                if e.path == 'node_groups[2].node_processes']
    assert len(messages) == 2
    assert 'unknown fake 1.0 process(es): bogus' in messages
    assert 'a second namenode group' in messages


def test_no_node_groups_leaves_the_plugin_nothing_to_check(plugin):
    errors(plugin, node_groups=[])
    assert plugin.validated == []


def test_plugin_exception_becomes_an_error(plugin):
    def boom(cluster):
        raise TypeError('oops')
    plugin.validate = boom
    e = errors(plugin)['plugin_name']
    assert 'could not validate the cluster: TypeError' in e.message


def test_all_errors_reported_at_once(plugin):
    errs = errors(plugin, plugin_version='1.0', anti_affinity=['x'],
                  cluster_configs={'Nope': {}},
                  node_groups=workers(min_active=5) + [
                      group('worker', 1, [])])
    assert {'anti_affinity[0]', 'cluster_configs.Nope',
            'node_groups[1].min_active', 'node_groups[2].name',
            'node_groups[2].node_processes'} <= set(errs)


def test_validate_cluster_returns_list(plugin):
    spec = model.parse_cluster(fakes.props(plugin_version='3'))
    out = validation.validate_cluster(spec, plugin)
    assert out and all(isinstance(e, ValidationError) for e in out)


def test_type_errors_stop_before_plugin_rules(plugin):
    errs = errors(plugin, node_groups=[group('w', 'x', ['datanode'])])
    assert list(errs) == ['node_groups[0].count']
    assert plugin.validated == []


def test_whole_numbers_are_refused_only_when_not_whole():
    groups = [{'count': 2, 'volume_size': '10', 'max_count': 3.0},
              {'count': 2.5, 'min_count': True, 'volumes_per_node': '1.5',
               'name': 'x'}, 'not a map']
    errors = validation.whole_number_errors(groups)
    assert [str(e) for e in errors] == [
        'node_groups[1].count: 2.5 is not a whole number (write a whole '
        'number, e.g. 2)',
        'node_groups[1].min_count: true is not a whole number (write a '
        'whole number, e.g. 1)',
        "node_groups[1].volumes_per_node: '1.5' is not a whole number "
        "(write a whole number, e.g. 1)"]
    assert validation.whole_number_errors(None) == []


# -- access_cidrs: who reaches the nodes from outside ------------------------
def test_access_cidrs_default_to_the_operators_ssh_and_no_web_ui(plugin):
    spec = validation.check(fakes.props(), 'c',
                            get_plugin=fakes.get_plugin_for(plugin))
    assert spec.access_cidrs == model.AccessCidrs(ssh=None, web_ui=())


def test_every_cidr_is_checked_naming_its_path(plugin):
    found = errors(plugin, access_cidrs={
        'ssh': ['192.0.2.0/24', '2001:db8::/32', '192.0.2.9'],
        'web_ui': ['203.0.113.0/24', '10.0.0/8', '10.0.0.1/8', ' 10.0.0.0/8',
                   'any']})
    assert set(found) == {'access_cidrs.web_ui[%d]' % i
                          for i in (1, 2, 3, 4)}
    assert str(found['access_cidrs.web_ui[1]']) == (
        "access_cidrs.web_ui[1]: '10.0.0/8' is not a CIDR "
        "(e.g. 203.0.113.0/24)")
    assert found['access_cidrs.web_ui[2]'].hint == \
        'host bits set: write 10.0.0.0/8'


def test_access_cidrs_shapes(plugin):
    found = errors(plugin, access_cidrs={'web_ui': '10.0.0.0/8',
                                         'http': ['10.0.0.0/8']})
    assert 'must be a list' in found['access_cidrs.web_ui'].message
    assert found['access_cidrs.http'].message == 'unknown property'
    found = errors(plugin, access_cidrs=['10.0.0.0/8'])
    assert 'must be a map' in found['access_cidrs'].message


def test_at_most_so_many_cidrs_a_key(plugin):
    many = ['10.%d.0.0/16' % i for i in range(model.ACCESS_CIDRS_MAX + 1)]
    found = errors(plugin, access_cidrs={'web_ui': many})
    assert found['access_cidrs.web_ui'].message == 'at most %d CIDRs, not ' \
        '%d' % (model.ACCESS_CIDRS_MAX, model.ACCESS_CIDRS_MAX + 1)


def test_ssh_cidrs_follow_the_transport(plugin):
    found = errors(plugin, access_cidrs={'ssh': []})
    assert 'with transport ssh heat-engine connects to every node' in \
        found['access_cidrs.ssh'].message
    found = errors(plugin, transport='heat-agent',
                   access_cidrs={'ssh': ['192.0.2.0/24']})
    assert found['access_cidrs.ssh'].message.startswith(
        'transport heat-agent opens no SSH port')
    # nothing asked, nothing refused
    validation.check(fakes.props(transport='heat-agent',
                                 access_cidrs={'ssh': []}), 'c',
                     get_plugin=fakes.get_plugin_for(plugin))


SPARK = {'plugin_name': 'spark', 'image': 'spark-4.3', 'flavor': 'm1.small',
         'management_network': 'private',
         'node_groups': [group('master', 1, ['master']),
                         group('worker', 2, ['worker'])]}
VANILLA = {'plugin_name': 'vanilla', 'image': 'hadoop-3.4',
           'flavor': 'm1.small', 'management_network': 'private',
           'node_groups': [group('master', 1, ['namenode',
                                               'resourcemanager']),
                           group('worker', 2, ['datanode', 'nodemanager'])]}


@pytest.mark.parametrize('world', ['0.0.0.0/0', '::/0'])
def test_a_port_that_runs_code_is_never_open_to_the_world(world):
    props = dict(VANILLA, access_cidrs={'web_ui': ['203.0.113.0/24',
                                                   world]})
    with pytest.raises(InvalidCluster) as info:
        validation.check(props)
    error, = info.value.errors
    assert error.path == 'access_cidrs.web_ui[1]'
    assert error.message == (
        '%s opens the web UIs to the whole internet, and port 8088 (YARN '
        'resourcemanager web UI) runs whatever code anyone sends it'
        % world)
    assert error.hint.startswith('give a narrower CIDR')
    # a narrower one is what it is for
    props['access_cidrs'] = {'web_ui': ['203.0.113.0/24', '0.0.0.0/1']}
    validation.check(props)


def test_spark_web_uis_may_be_open_to_the_world_but_not_a_code_port():
    # Spark's web UIs run no code (its REST submission, 6066, is between
    # members only)...
    spec = validation.check(dict(SPARK, access_cidrs={
        'web_ui': ['0.0.0.0/0']}))
    assert spec.access_cidrs.web_ui == ('0.0.0.0/0',)
    # ...unless a web UI is moved onto a port that does
    props = dict(SPARK, access_cidrs={'web_ui': ['0.0.0.0/0']},
                 cluster_configs={'general': {'master_webui_port': 6066}})
    with pytest.raises(InvalidCluster) as info:
        validation.check(props)
    assert [e.path for e in info.value.errors] == ['access_cidrs.web_ui[0]']
    assert 'port 6066 (Spark master REST submission (when enabled))' in \
        info.value.errors[0].message
