"""Heat's own plugin loader registers OS::Savanna::Cluster from contrib/heat.

The conftest points ``plugin_dirs`` at contrib/heat and calls
heat.engine.resources.initialise(), exactly what heat-engine does at start.
"""

import sys

from heat.engine import resources

from heat_savanna.resources import cluster


def test_loader_registers_type_from_plugin_dir():
    env = resources.global_env()
    info = env.get_resource_info('OS::Savanna::Cluster')
    assert info is not None
    assert info.value is cluster.SavannaCluster


def test_shim_reexports_without_a_second_copy():
    # Heat imports plugin-dir modules as heat.engine.plugins.<name>; the
    # shim re-exports our mapping, so the registered class is the one from
    # the installed package, not a copy imported under another name.
    info = resources.global_env().get_resource_info('OS::Savanna::Cluster')
    assert info.value.__module__ == 'heat_savanna.resources.cluster'
    copies = [m for m in sys.modules.values()
              if getattr(m, 'SavannaCluster', None) is not None and
              m.SavannaCluster is not cluster.SavannaCluster]
    assert copies == []


def test_every_property_and_attribute_is_described():
    cls = cluster.SavannaCluster
    for name, schema in cls.properties_schema.items():
        assert schema.description, name
        for sub, sub_schema in (getattr(schema.schema, 'schema', None) or
                                {}).items():
            assert sub_schema.description, '%s.%s' % (name, sub)
    for name, schema in cls.attributes_schema.items():
        assert schema.description, name
    assert set(cls.PROPERTIES) == set(cls.properties_schema)
    # Heat adds its base attribute 'show' to the schema when a resource is
    # instantiated; every one of ours must be there.
    assert set(cls.ATTRIBUTES) <= set(cls.attributes_schema)
    assert set(cls.attributes_schema) - set(cls.ATTRIBUTES) <= {'show'}
