"""Heat's own in-process harness, pointed at an installed (wheel) Heat.

HeatTestCase expects a source tree (etc/heat beside heat/); the wheel puts
those files under sys.prefix/etc/heat. Plugin types are loaded the way a real
engine loads them: from ``plugin_dirs``, here our contrib/heat shim.
"""

import os
import sys

from oslo_config import cfg

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
PLUGIN_DIR = os.path.join(REPO, 'contrib', 'heat')
HEAT_ETC = os.path.join(sys.prefix, 'etc', 'heat')

from heat.common import config as heat_config  # noqa: E402,F401

cfg.CONF.set_default('environment_dir', os.path.join(HEAT_ETC,
                                                     'environment.d'))
cfg.CONF.set_default('template_dir', os.path.join(HEAT_ETC, 'templates'))
cfg.CONF.set_default('plugin_dirs', [PLUGIN_DIR])

from heat.engine import resources  # noqa: E402

resources.initialise()
