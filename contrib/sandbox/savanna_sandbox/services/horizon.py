"""Horizon 27 with heat-dashboard against the sandbox (optional part).

Horizon's pins (Django and friends) do not fit Heat's venv, so it lives in
a venv of its own, ``<repo>/.venv-horizon``, built by tools/install-deps.sh
from contrib/sandbox/horizon-constraints.txt. Without that venv the part is
skipped and the rest of the sandbox works as before.

It is served by Django's development server on 127.0.0.1:8088 with
``DEBUG`` on (static files served as they are, nothing to compress), the
session in a signed cookie and an in-process cache: a single-user demo
console, not a deployment. heat-dashboard is enabled the way its install
guide says, by copying its ``enabled`` files into
``openstack_dashboard/local/enabled`` of that venv. The settings (with the
secret key) are written to the state dir and found first on PYTHONPATH as
the ``local.local_settings`` module Horizon imports.
"""

import glob
import os
import shutil

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services
from savanna_sandbox.services import keystone

PORT = 8088
URL = 'http://%s:%d' % (paths.HOST, PORT)


def venv(environ=None):
    return os.path.join(paths.repo_root(environ), '.venv-horizon')


def python(environ=None):
    return os.path.join(venv(environ), 'bin', 'python')


def _site_packages():
    found = glob.glob(os.path.join(venv(), 'lib', 'python3*',
                                   'site-packages'))
    return found[0] if found else None


SETTINGS = '''# Written by the heat-savanna sandbox: a one-user demo console.
DEBUG = True
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
SECRET_KEY = {secret!r}
OPENSTACK_HOST = {host!r}
OPENSTACK_KEYSTONE_URL = {auth_url!r}
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = 'Default'
OPENSTACK_ENDPOINT_TYPE = 'publicURL'
SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
CACHES = {{'default': {{
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}}}
COMPRESS_ENABLED = False
COMPRESS_OFFLINE = False
# The project overview asks every service for quotas and usage the cloud
# simulator does not model; start where this sandbox is about.
LOGIN_REDIRECT_URL = '/project/stacks/'
LOGGING = {{'version': 1, 'disable_existing_loggers': False,
           'handlers': {{'console': {{'class': 'logging.StreamHandler'}}}},
           'root': {{'handlers': ['console'], 'level': 'WARNING'}}}}
'''


class Horizon(services.Part):
    name = 'horizon'
    deps = ('identity', 'heat-api')
    port = PORT
    timeout = 120
    hint = ('read the horizon log; tools/install-deps.sh rebuilds '
            '.venv-horizon')

    @property
    def settings_dir(self):
        return self.layout.dir('horizon')

    def available(self):
        if not os.path.exists(python()):
            return ('Horizon venv %s missing (tools/install-deps.sh builds '
                    'it)' % venv())
        return None

    def _enable_heat_dashboard(self):
        site = _site_packages()
        src = os.path.join(site, 'heat_dashboard', 'enabled')
        dst = os.path.join(site, 'openstack_dashboard', 'local', 'enabled')
        for path in glob.glob(os.path.join(src, '_[0-9]*.py')):
            target = os.path.join(dst, os.path.basename(path))
            if not os.path.exists(target):
                shutil.copyfile(path, target)

    def prepare(self):
        self._enable_heat_dashboard()
        local = os.path.join(self.settings_dir, 'local')
        os.makedirs(local, exist_ok=True)
        with open(os.path.join(local, '__init__.py'), 'w'):
            pass
        paths.write_private(os.path.join(local, 'local_settings.py'),
                            SETTINGS.format(secret=self.secrets['horizon'],
                                            host=paths.HOST,
                                            auth_url=keystone.AUTH_URL))

    def env(self):
        env = super().env()
        env['PYTHONPATH'] = self.settings_dir
        env['DJANGO_SETTINGS_MODULE'] = 'openstack_dashboard.settings'
        return env

    def argv(self):
        return [python(), '-m', 'django', 'runserver', '--noreload',
                '%s:%d' % (paths.HOST, PORT)]

    def ready(self):
        # The first render of the login page compiles Horizon's templates:
        # over 3 s on a loaded 2-CPU machine (the agent image is built at
        # the same time), and a probe that gives up sooner never sees it
        # finish (seen: "not ready after 120s" with the page answering in
        # 2.8 s once warm)
        return procs.http_status(URL + '/auth/login/', timeout=30) == 200
