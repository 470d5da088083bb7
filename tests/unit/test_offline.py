"""A HOT template read offline as heat-engine receives it
(heat_savanna.offline); the commands using it are test_cli's."""

import pytest

from heat_savanna.common import exceptions
from heat_savanna.core import job as core_job
from heat_savanna import offline


def test_get_param_is_resolved_and_other_intrinsics_name_their_path():
    params = {'n': 3, 'm': {'a': ['x', 'y']}}
    assert offline.resolve({'count': {'get_param': 'n'},
                            'l': [{'get_param': ['m', 'a', 1]}]},
                           params) == {'count': 3, 'l': ['y']}
    with pytest.raises(offline.Unresolvable) as exc:
        offline.resolve({'groups': [{'image': {'get_attr': ['i', 'id']}}]},
                        params)
    assert (exc.value.path, exc.value.message) == (
        'groups[0].image', 'get_attr cannot be resolved offline')
    with pytest.raises(offline.Unresolvable, match='no item'):
        offline.resolve({'get_param': ['m', 'b']}, params)
    with pytest.raises(offline.Unresolvable, match="'x' has no value"):
        offline.resolve({'a': {'get_param': 'x'}}, params)


def test_parameters_overrides_defaults_and_pseudo_parameters():
    template = {'parameters': {
        'count': {'type': 'number', 'default': 2},
        'on': {'type': 'boolean', 'default': 'yes'},
        'names': {'type': 'comma_delimited_list'},
        'free': {'type': 'string'}}}
    assert offline.resolve_parameters(template, {
        'names': 'a, b', 'OS::stack_name': 's'}) == {
        'count': 2, 'on': True, 'names': ['a', 'b'], 'OS::stack_name': 's'}
    assert offline.resolve_parameters(template, {'count': '2.5'})[
        'count'] == 2.5
    with pytest.raises(offline.TemplateError, match='not a number'):
        offline.resolve_parameters(template, {'count': 'many'})
    with pytest.raises(offline.TemplateError,
                       match=r'unknown parameter\(s\): other'):
        offline.resolve_parameters(template, {'other': '1'})


def test_heat_paths_read_as_property_paths():
    assert offline.heat_path(['properties', 'node_groups', 1, 'count']) == \
        'node_groups[1].count'
    assert offline.heat_path(['main', 'url']) == 'main.url'


def test_expanded_size_counts_up_to_just_past_the_limit():
    small = {'a': ['b', 'c']}
    assert offline._expanded_size(small, 1000) < 1000
    bomb = ['x' * 10] * 10
    for _ in range(20):          # what YAML aliases make of a few lines
        bomb = [bomb] * 10
    assert 1000 < offline._expanded_size(bomb, 1000) < 2000


def test_job_properties_are_checked_by_the_jobs_heat_schema():
    heat = offline.Heat.load()
    values = offline.checked_values(
        heat.job_schema, core_job.PROPERTIES,
        {'cluster': 'ref', 'type': 'shell', 'main': {'inline': 'x'}})
    assert values['run_on'] == list(core_job.RUN_ON_VALUES)
    assert values['timeout'] == 3600
    with pytest.raises(exceptions.InvalidCluster) as exc:
        offline.checked_values(heat.job_schema, core_job.PROPERTIES,
                               {'cluster': 'ref', 'type': 'shell',
                                'main': {'url': 'ftp://x'}})
    [error] = exc.value.errors
    assert error.path == 'main.url'
    with pytest.raises(exceptions.InvalidCluster, match='must be a map'):
        offline.checked_values(heat.job_schema, core_job.PROPERTIES, [])
