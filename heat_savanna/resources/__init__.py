"""The Heat resource types of heat-savanna.

:func:`resource_mapping` is what Heat's plugin loader reads (through the
shim in ``contrib/heat``): every resource module of this package adds its
own ``resource_mapping()`` to the list below.
"""

import importlib

#: modules whose ``resource_mapping()`` is registered with Heat
RESOURCE_MODULES = (
    'heat_savanna.resources.cluster',
    'heat_savanna.resources.node_set',
    'heat_savanna.resources.job',
)


def resource_mapping():
    mapping = {}
    for name in RESOURCE_MODULES:
        mapping.update(importlib.import_module(name).resource_mapping())
    return mapping
