"""``heat-savanna shim DIR``: write Heat's plugin-dir shim into DIR.

The shim (:mod:`heat_savanna.shim`, a module of the installed package)
is written as ``DIR/heat_savanna_plugin.py``; DIR must be listed in
heat.conf's ``[DEFAULT] plugin_dirs`` (Heat's defaults include
``/usr/lib/heat``). Restart heat-engine afterwards. Without the command,
the same file is::

    python -c 'import importlib.resources as r; \
print(r.files("heat_savanna").joinpath("shim.py").read_text(), end="")'
"""

import importlib.resources
import os
import sys

SHIM_NAME = 'heat_savanna_plugin.py'


def shim_source():
    """The text of the packaged shim module (read, not imported: importing
    it would load Heat)."""
    return importlib.resources.files('heat_savanna').joinpath(
        'shim.py').read_text()


def register(subparsers):
    parser = subparsers.add_parser(
        'shim', help="write Heat's plugin-dir shim (%s) into a directory "
        "of heat.conf's plugin_dirs" % SHIM_NAME)
    parser.add_argument('plugin_dir', metavar='DIR',
                        help='a directory listed in plugin_dirs, e.g. '
                        '/usr/lib/heat (created if missing)')
    parser.set_defaults(func=run)
    return parser


def run(args):
    os.makedirs(args.plugin_dir, exist_ok=True)
    path = os.path.join(args.plugin_dir, SHIM_NAME)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(shim_source())
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    print('wrote %s; restart heat-engine to load OS::Savanna::*' % path,
          file=sys.stderr)
    return 0
