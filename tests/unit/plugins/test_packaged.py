"""plugins/packaged.py: a plugin made of modules forwards every call to
the module that does it."""

import types

import pytest

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.plugins import base
from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins import config_catalog
from heat_savanna.plugins import packaged


def _catalog_module():
    catalog = config_catalog.ConfigCatalog('toy', '1.0', [cat.Section(
        'general', 'g', (cat.Entry('general', 'ui_port', cat.PORT, 8080,
                                   'web UI', opens=cat.PUBLIC,
                                   label='toy UI'),))])

    def catalog_for(version):
        if version != '1.0':
            raise ValueError(version)
        return catalog
    return types.SimpleNamespace(VERSIONS=['1.0'],
                                 PROCESSES={'Toy': ('boss', 'hand')},
                                 CATALOG=catalog, catalog_for=catalog_for)


def _calls(*names):
    """A module whose functions return (name, args)."""
    return types.SimpleNamespace(**{
        n: (lambda n: lambda *args: (n, args))(n) for n in names})


class ToyPlugin(packaged.PackagedPlugin):
    name = 'toy'
    catalog = _catalog_module()
    validation = types.SimpleNamespace(
        validate=lambda cluster: ['topology of %s' % cluster.name],
        validate_scaling=_calls('validate_scaling').validate_scaling)
    start = _calls('create_steps', 'health_steps')
    scaling = _calls('scale_up_steps', 'membership_steps',
                     'decommission_steps')
    reconfigure = _calls('reconfigure_steps')
    jobs = types.SimpleNamespace(JOB_TYPES=(base.JOB_SHELL,),
                                 job_command=lambda ci, job: (ci, job))
    mandatory_processes = ('boss',)

    def service_ports(self, cluster):
        return [base.PortRule(9999)]


@pytest.fixture
def toy():
    return ToyPlugin()


def test_packaged_plugin_offers_what_its_catalog_declares(toy):
    assert toy.get_versions() == ['1.0']
    assert toy.get_default_version() == '1.0'
    assert toy.get_node_processes('1.0') == {'Toy': ['boss', 'hand']}
    assert toy.get_all_processes('1.0') == {'boss', 'hand'}
    assert toy.get_mandatory_processes('1.0') == ['boss']
    assert toy.get_config_sections('1.0') == {'general': {'ui_port': 8080}}
    with pytest.raises(ValueError):
        toy.get_config_catalog('2.0')
    assert toy.supported_job_types('1.0') == (base.JOB_SHELL,)


def test_packaged_plugin_forwards_each_call_to_its_module(toy):
    assert toy.validate_scaling('c', {}) == ('validate_scaling', ('c', {}))
    assert toy.create_steps('i') == ('create_steps', ('i',))
    assert toy.health_steps('i') == ('health_steps', ('i',))
    assert toy.scale_up_steps('i', 'n') == ('scale_up_steps', ('i', 'n'))
    assert toy.membership_steps('i') == ('membership_steps', ('i',))
    assert toy.decommission_steps('i', 'n') == ('decommission_steps',
                                                ('i', 'n'))
    assert toy.reconfigure_steps('i', 'n', 'r') == ('reconfigure_steps',
                                                    ('i', 'n', 'r'))
    assert toy.job_command('i', 'j') == ('i', 'j')


def test_packaged_plugin_validates_config_keys_then_topology(toy):
    cluster = types.SimpleNamespace(
        name='c', node_groups=(),
        cluster_configs={'general': {'ui_port': 0, 'nope': 1}})
    errors = toy.validate(cluster)
    assert [e.path for e in errors[:2]] == [
        'cluster_configs.general.ui_port', 'cluster_configs.general.nope']
    assert errors[2:] == ['topology of c']


def test_packaged_plugin_validate_never_raises(toy):
    def boom(cluster):
        raise TypeError('odd')
    toy.validation = types.SimpleNamespace(validate=boom)
    assert toy.validate('c') == [ValidationError(
        '', 'invalid cluster definition: odd')]


def test_packaged_plugin_ports_configured_then_its_services(toy):
    cluster = types.SimpleNamespace(
        node_groups=(), cluster_configs={'general': {'ui_port': 81}})
    assert toy.get_ports(cluster) == [
        base.PortRule(81, public=True, description='toy UI'),
        base.PortRule(9999)]
