"""Heat plugin-dir shim for heat-savanna.

Drop this file into a directory listed in heat.conf ``plugin_dirs`` (for
example /usr/lib/heat) after ``pip install heat-savanna`` into Heat's
environment, then restart heat-engine. Heat imports every module of a plugin
dir as ``heat.engine.plugins.<name>``; this one only re-exports the installed
package's mappings, so the package is imported once, under its own name.
"""

from heat_savanna.resources import resource_mapping  # noqa: F401
