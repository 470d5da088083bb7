"""plugins/catalog.py: the declaration types, and the plugins'
declarations made with them (one per key, complete, defaults valid)."""

import pytest

from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins import get_plugin
from heat_savanna.plugins.spark import catalog as spark_catalog
from heat_savanna.plugins.vanilla import catalog as vanilla_catalog

SPARK = spark_catalog.CATALOG
VANILLA = vanilla_catalog.CATALOG


@pytest.mark.parametrize('catalog', [SPARK, VANILLA])
def test_every_declaration_is_complete_and_its_default_valid(catalog):
    processes = set(catalog.all_processes())
    for entry in catalog.declared():
        assert entry.description.strip(), entry.key
        assert entry.kind.text, entry.key
        if entry.default is not None:
            assert entry.kind.error(entry.default) is None, entry.key
        assert set(entry.restart) <= processes, entry.key
        if entry.opens:
            assert entry.opens in cat.OPENS and entry.label, entry.key


@pytest.mark.parametrize('name,catalog', [('spark', SPARK),
                                          ('vanilla', VANILLA)])
def test_the_plugin_hands_out_its_catalog(name, catalog):
    plugin = get_plugin(name)
    version = plugin.get_default_version()
    assert plugin.get_config_catalog(version) is catalog
    assert plugin.get_config_sections(version) == catalog.defaults()
    with pytest.raises(ValueError):
        plugin.get_config_catalog('0.1')


@pytest.mark.parametrize('kind,value,error', [
    (cat.Integer(1, 3), '2', None),
    (cat.Integer(1, 3), 4, 'must be a whole number from 1 to 3, not 4'),
    (cat.Boolean(), 'TRUE', None),
    (cat.Choice('a', 'b'), 'c', "must be one of a, b, not 'c'"),
    (cat.Text('line'), 'a\nb', 'must be one line of text (no line breaks '
     "or control characters), not 'a\\nb'"),
    (cat.Text('xml'), 'a\nb', None),
    (cat.PATH, '/opt/x', None),
])
def test_kinds(kind, value, error):
    assert kind.error(value) == error


def test_kinds_normalize():
    assert cat.Integer().normalize('7077') == 7077
    assert cat.Boolean().normalize('False') is False
    assert cat.Text('env').normalize(True) == 'true'
    assert cat.PORT.normalize('x') == 'x'     # invalid: left as it is


def test_env_variables_accept_any_variable_name():
    other = cat.env_variables('X_OPTS', ('worker',), 'x-env.sh')
    rule, = other.rules
    assert other.key_text.endswith('e.g. X_OPTS')
    assert (rule.restart, rule.description) == (('worker',),
                                                'exported by x-env.sh')
    assert rule.kind.error('a\x01') is not None
