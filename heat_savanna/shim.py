"""Heat plugin-dir shim for heat-savanna.

Heat 27 loads resource types only from the directories of heat.conf's
``[DEFAULT] plugin_dirs``: it imports every module there as
``heat.engine.plugins.<name>`` and registers its ``resource_mapping()``.
This module is that plugin-dir module. It ships inside the installed
package; put a copy of it, named ``heat_savanna_plugin.py``, in a plugin
dir (``heat-savanna shim /usr/lib/heat`` writes it there) and restart
heat-engine. It only re-exports the installed package's mapping, so the
package is imported once, under its own name.

The checkout's ``contrib/heat/heat_savanna_plugin.py`` is a symlink to
this file (the sandbox's ``plugin_dirs``).
"""

from heat_savanna.resources import resource_mapping  # noqa: F401
