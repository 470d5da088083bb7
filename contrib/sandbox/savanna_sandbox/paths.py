"""Where the sandbox keeps things, and which ports it uses.

Everything is derived from the environment or the installed packages'
locations, never hard-coded to one checkout, so the same code works from
/work/main, a CI workspace or an operator's clone.
"""

import json
import os
import secrets
import sys

#: Every listener binds here (the sandbox never leaves loopback).
HOST = '127.0.0.1'

DEFAULT_STATE_DIR = '/var/tmp/heat-savanna-sandbox'

#: Fixed ports: chosen off the services' defaults, so a system RabbitMQ or
#: MySQL on the same machine does not collide with the sandbox's own.
PORTS = {
    'mariadb': 13306,
    'epmd': 4369,
    'rabbitmq': 5673,
    'rabbitmq_dist': 25673,
    'keystone': 5000,
    'heat-api': 8004,
}

REGION = 'RegionOne'


def state_dir(environ=None):
    """The state directory: $HEAT_SAVANNA_SANDBOX_DIR or the default."""
    environ = os.environ if environ is None else environ
    return os.path.abspath(
        environ.get('HEAT_SAVANNA_SANDBOX_DIR') or DEFAULT_STATE_DIR)


def repo_root(environ=None):
    """The heat-savanna checkout (it holds contrib/heat, Heat's plugin dir).

    $HEAT_SAVANNA_REPO wins; else the checkout this package is installed
    from (editable install: contrib/sandbox/savanna_sandbox/..); else the
    parent of the installed ``heat_savanna`` package.
    """
    environ = os.environ if environ is None else environ
    if environ.get('HEAT_SAVANNA_REPO'):
        return os.path.abspath(environ['HEAT_SAVANNA_REPO'])
    here = os.path.dirname(os.path.abspath(__file__))
    candidate = os.path.abspath(os.path.join(here, '..', '..', '..'))
    if os.path.isdir(os.path.join(candidate, 'contrib', 'heat')):
        return candidate
    try:
        import heat_savanna
    except ImportError:
        return candidate
    return os.path.dirname(os.path.dirname(
        os.path.abspath(heat_savanna.__file__)))


def heat_plugin_dir(environ=None):
    return os.path.join(repo_root(environ), 'contrib', 'heat')


def venv_bin():
    """The bin directory of the Python running us (the venv)."""
    return os.path.dirname(os.path.abspath(sys.executable))


def venv_tool(name):
    return os.path.join(venv_bin(), name)


def heat_etc():
    """Heat's data files (api-paste.ini, environment.d, templates)."""
    return os.path.join(sys.prefix, 'etc', 'heat')


class Layout(object):
    """The state directory's layout; creates directories on demand."""

    def __init__(self, root=None):
        self.root = root or state_dir()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def dir(self, *parts):
        path = self.path(*parts)
        os.makedirs(path, mode=0o700, exist_ok=True)
        return path

    @property
    def logs(self):
        return self.dir('logs')

    @property
    def run(self):
        return self.dir('run')

    def log(self, name):
        """The log of ``name``; its directory exists (on a fresh machine
        the first part to write a log may be a step, not a daemon the
        supervisor starts: the agent image's build failed so)."""
        return os.path.join(self.logs, name + '.log')

    def secrets(self):
        """Passwords and keys of this sandbox, generated once (mode 0600).

        They stay in the state dir; nothing here is ever logged.
        """
        path = self.path('secrets.json')
        data = {}
        if os.path.exists(path):
            with open(path) as f:
                data = json.load(f)
        wanted = ('admin', 'demo', 'heat', 'heat_domain_admin', 'cloudsim',
                  'db_keystone', 'db_heat', 'rabbit', 'horizon')
        changed = False
        for key in wanted:
            if key not in data:
                data[key] = secrets.token_urlsafe(18)
                changed = True
        if 'auth_encryption_key' not in data:
            data['auth_encryption_key'] = secrets.token_hex(16)
            changed = True
        if changed:
            os.makedirs(self.root, mode=0o700, exist_ok=True)
            fd = os.open(path + '.tmp',
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w') as f:
                json.dump(data, f, indent=1)
            os.replace(path + '.tmp', path)
        return data


def write_private(path, text):
    """Write a config file that holds secrets: mode 0600, atomically."""
    tmp = '%s.%d.tmp' % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.replace(tmp, path)
