"""The pure rules of OS::Savanna::Job (heat_savanna.core.job)."""

import re

import pytest

from heat_savanna.common import exceptions
from heat_savanna.core import job as core_job
from heat_savanna.plugins import base as plugin_base


def props(**given):
    """A job's properties with the schema's defaults."""
    out = {'cluster': 'ref', 'type': 'shell', 'main': {'inline': 'echo'},
           'main_class': None, 'args': [], 'configs': {},
           'run_on': list(core_job.RUN_ON_VALUES), 'on_failure': 'fail',
           'timeout': 3600}
    out.update(given)
    return out


class Plugin(object):
    name = 'spark'

    def supported_job_types(self, version):
        return ('spark', 'shell')


def get_plugin(name):
    if name != 'spark':
        raise exceptions.PluginNotFound(name, {})
    return Plugin()


def test_signal_request():
    assert core_job.signal_request(None) == {
        'action': 'run', 'args': None, 'configs': None}
    assert core_job.signal_request(
        {'args': [1, 'b'], 'configs': {'x': True}, 'other': 1}) == {
        'action': 'run', 'args': ['1', 'b'], 'configs': {'x': 'true'}}
    assert core_job.signal_request({'action': 'kill'})['action'] == 'kill'


@pytest.mark.parametrize('data, why', [
    ({'args': 'x'}, '"args" must be a list'),
    ({'args': [{'a': 1}]}, '"args" must be a list'),
    ({'action': 'dance'}, '"run" or "kill"'),
    ({'configs': {'A': [1]}}, '"configs" must map'),
    ({'configs': 'A=1'}, '"configs" must map'),
])
def test_bad_signal_data_names_the_key(data, why):
    with pytest.raises(ValueError, match=re.escape(why)):
        core_job.signal_request(data)


def test_main_file_names():
    def name(job_type, **main):
        return core_job.main_file_name({'main': main, 'type': job_type})
    assert name('spark', inline='x') == 'main.py'
    assert name('shell', inline='x') == 'main.sh'
    assert name('spark', url='https://h/p/app.jar?x=1') == 'app.jar'
    assert name('mapreduce', url='https://h/') == 'main.jar'
    assert name('shell', url='https://h/$(x)') == 'main.sh'


def test_job_spec_takes_the_jobs_own_args_unless_given():
    spec = core_job.job_spec(props(args=['a', 1], configs={'B': True,
                                                           'A': 2}))
    assert spec == plugin_base.JobSpec(
        job_type='shell', main='main.sh', main_class=None, args=('a', '1'),
        configs=(('A', '2'), ('B', 'true')))
    spec = core_job.job_spec(props(main={'path': '/opt/x.sh'}),
                             args=['z'], configs={})
    assert (spec.main, spec.args, spec.configs) == ('/opt/x.sh', ('z',), ())


def test_execution_ids_sort_by_time_and_are_safe_names():
    first = core_job.new_execution_id(1796119200.5)
    later = core_job.new_execution_id(1796119201.0)
    assert first.startswith('20261201T')
    assert first < later
    assert core_job.safe_name(first) and core_job.safe_name(later)
    assert first != core_job.new_execution_id(1796119200.5)


def test_epoch_of_a_stamp():
    assert core_job.epoch('1970-01-01T00:01:00Z') == 60
    assert core_job.epoch(None) == 0
    assert core_job.epoch('yesterday') == 0


@pytest.mark.parametrize('name, ok', [
    ('A_1', True), ('_x', True), ('1a', False), ('a-b', False),
    ('A\n', False), ('\u00e9', False), ('', False), (None, False)])
def test_env_names(name, ok):
    assert core_job.is_env_name(name) is ok


def test_safe_names():
    assert core_job.safe_name('app-1.jar')
    for bad in ('', None, '.hidden', '../x', 'a/b', '$(x)', 'a b'):
        assert not core_job.safe_name(bad), bad


def test_cluster_name_only_from_get_resource():
    assert core_job.cluster_name({'get_resource': 'c'}) == 'c'
    for other in ('c', {'get_attr': ['c', 'x']}, {'get_resource': ['c']},
                  {'get_resource': 'c', 'x': 1}, None):
        assert core_job.cluster_name(other) is None


def test_a_valid_job_has_no_errors():
    assert core_job.job_errors(props(), True, ('spark', '4.3.0', 'ssh'),
                               get_plugin) == []


def test_errors_name_their_property():
    errors = core_job.job_errors(props(main={}, configs={'not-env': 1}),
                                 False)
    assert errors == [
        core_job.CLUSTER_REFERENCE_ERROR,
        'Property main: give exactly one of inline, url, path (got none)',
        'Property configs.not-env: a shell job gets its configs as '
        'environment variables: use letters, digits and _, not starting '
        'with a digit']
    assert core_job.CLUSTER_REFERENCE_ERROR == (
        'Property cluster: must be {get_resource: NAME} of an '
        'OS::Savanna::Cluster of this stack')


def test_definition_errors():
    def errors(**given):
        return core_job.job_definition_errors(props(**given))
    assert errors(main={'inline': 'x', 'path': '/x'}) == [
        'Property main: give exactly one of inline, url, path (got '
        'inline, path)']
    assert errors(type='mapreduce', main={'inline': 'x'}) == [
        'Property main.inline: a mapreduce job needs a jar: give its url '
        'or path']
    assert errors(type='spark', main={'inline': 'x'}, main_class='Pi') == [
        'Property main_class: only a jar has a main class (the main '
        'program is not a .jar)']
    assert errors(type='spark', main={'path': '/a.JAR'},
                  main_class='Pi') == []
    assert errors(type='mapreduce', main={'url': 'https://h/x'},
                  main_class='wordcount') == []
    assert errors(type='spark', main={'inline': 'x'},
                  configs={'a=b': 1, 'c d': 2, 'ok.key': 3}) == [
        'Property configs.a=b: a config key has no "=" and no blanks',
        'Property configs.c d: a config key has no "=" and no blanks']
    assert errors(configs={'A': {'b': 1}}) == [
        'Property configs.A: a value must be a string or a number']


def test_the_plugin_is_checked_only_for_a_valid_job_on_a_cluster():
    mapreduce = props(type='mapreduce', main={'path': '/a.jar'})
    assert core_job.job_errors(mapreduce, True, ('spark', '4.3.0', 'ssh'),
                               get_plugin) == [
        'Property type: the spark plugin runs spark and shell jobs, not '
        'mapreduce']
    assert core_job.job_errors(mapreduce, True, None, get_plugin) == []
    assert core_job.job_errors(mapreduce, False, ('spark', '4.3.0', 'ssh'),
                               get_plugin) == [
        core_job.CLUSTER_REFERENCE_ERROR]


def test_plugin_errors():
    assert core_job.plugin_errors('mapreduce', 'nosuch', '1', 'ssh',
                                  get_plugin) == []
    assert core_job.plugin_errors('mapreduce', 'spark', '4.3.0',
                                  'heat-agent', get_plugin) == [
        'Property type: the spark plugin runs spark and shell jobs, not '
        'mapreduce']
    # the master's Heat agent runs jobs as well as SSH does
    assert core_job.plugin_errors('shell', 'spark', '4.3.0', 'heat-agent',
                                  get_plugin) == []
