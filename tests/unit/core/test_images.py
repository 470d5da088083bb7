"""core/images.py: an image made for something else, refused by name."""

from heat_savanna.core import images
from heat_savanna.core import validation

PROPS = {
    'name': 'c', 'plugin_name': 'spark', 'plugin_version': '4.3.0',
    'image': 'spark-4.3', 'flavor': 'm1.small',
    'management_network': 'private',
    'node_groups': [
        {'name': 'master', 'count': 1, 'node_processes': ['master']},
        {'name': 'worker', 'count': 2, 'node_processes': ['worker'],
         'image': 'other'}]}


def spec(**changes):
    return validation.check(dict(PROPS, **changes))


def test_version_matches_by_leading_parts():
    assert images.version_matches('4.3', '4.3.0')
    assert images.version_matches('4.3.0', '4.3.0')
    assert not images.version_matches('4.3', '4.30.1')
    assert not images.version_matches('3.5', '4.3.0')


def test_each_image_is_judged_once_at_the_path_that_chose_it():
    errors = images.image_errors(spec(), {
        'spark-4.3': {'savanna_plugin': 'vanilla'},
        'other': {'savanna_version': '3.5'}})
    assert [(e.path, e.message) for e in errors] == [
        ('image', "image 'spark-4.3' is made for plugin vanilla, not spark"),
        ('node_groups[1].image',
         "image 'other' is made for spark 3.5, not 4.3.0")]


def test_nothing_said_nothing_refused():
    assert images.image_errors(spec(), {}) == []
    assert images.image_errors(spec(), {'spark-4.3': {}, 'other': {
        'savanna_plugin': 'spark', 'savanna_version': '4.3',
        'savanna_transport': 'ssh'}}) == []
    agent = spec(transport='heat-agent')
    errors = images.image_errors(agent, {'other': {
        'savanna_transport': 'ssh'}})
    assert [e.hint for e in errors] == [
        'set transport: ssh, or use an image made for heat-agent']
