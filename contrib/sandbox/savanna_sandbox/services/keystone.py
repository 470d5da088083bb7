"""Keystone 30 from the venv, served by gunicorn on 127.0.0.1:5000.

Fernet tokens, its own MariaDB database, ``bootstrap`` for the admin user
and the identity endpoint. Everything else in the catalog is created by
``identity.Identity`` through the API.
"""

import os

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services
from savanna_sandbox.services import mariadb

URL = 'http://%s:%d' % (paths.HOST, paths.PORTS['keystone'])
AUTH_URL = URL + '/v3'


class Keystone(services.Part):
    name = 'keystone'
    deps = ('mariadb',)
    port = paths.PORTS['keystone']
    timeout = 90
    hint = ('read the keystone log; `heat-savanna sandbox down --purge` '
            'then `up` rebuilds its database from scratch')

    @property
    def conf(self):
        return self.layout.path('keystone', 'keystone.conf')

    def available(self):
        for tool in ('keystone-manage', 'gunicorn'):
            if not os.path.exists(paths.venv_tool(tool)):
                return '%s not in %s' % (tool, paths.venv_bin())
        return None

    def write_conf(self):
        base = self.layout.dir('keystone')
        text = '\n'.join([
            '[DEFAULT]',
            'debug = false',
            'use_stderr = true',
            '',
            '[database]',
            'connection = %s' % mariadb.url(self.secrets, 'keystone'),
            'max_pool_size = 5',
            '',
            '[token]',
            'provider = fernet',
            'expiration = 14400',
            '',
            '[fernet_tokens]',
            'key_repository = %s' % os.path.join(base, 'fernet-keys'),
            '',
            '[credential]',
            'key_repository = %s' % os.path.join(base, 'credential-keys'),
            '',
            '[cache]',
            '# In-process cache: token validation and role lookups are',
            '# CPU-bound and otherwise repeated on every request.',
            'enabled = true',
            'backend = dogpile.cache.memory',
            '',
        ])
        paths.write_private(self.conf, text)

    def env(self):
        env = super().env()
        env['OS_KEYSTONE_CONFIG_FILES'] = self.conf
        return env

    def manage(self, *args, **kwargs):
        self.run([paths.venv_tool('keystone-manage'), '--config-file',
                  self.conf] + list(args), **kwargs)

    def prepare(self):
        self.write_conf()
        base = self.layout.path('keystone')
        if not os.path.isdir(os.path.join(base, 'fernet-keys')):
            self.manage('fernet_setup', '--keystone-user', 'root',
                        '--keystone-group', 'root')
        if not os.path.isdir(os.path.join(base, 'credential-keys')):
            self.manage('credential_setup', '--keystone-user', 'root',
                        '--keystone-group', 'root')
        stamp = os.path.join(base, 'bootstrapped')
        if os.path.exists(stamp):
            return
        self.manage('db_sync')
        env = self.env()
        # The password goes through the environment, never argv.
        env['OS_BOOTSTRAP_PASSWORD'] = self.secrets['admin']
        self.manage('bootstrap', '--bootstrap-username', 'admin',
                    '--bootstrap-project-name', 'admin',
                    '--bootstrap-role-name', 'admin',
                    '--bootstrap-service-name', 'keystone',
                    '--bootstrap-region-id', paths.REGION,
                    '--bootstrap-admin-url', AUTH_URL,
                    '--bootstrap-internal-url', AUTH_URL,
                    '--bootstrap-public-url', AUTH_URL, env=env)
        open(stamp, 'w').close()

    def argv(self):
        return [paths.venv_tool('gunicorn'),
                '--bind', '%s:%d' % (paths.HOST, self.port),
                '--workers', '1', '--threads', '8',
                '--worker-class', 'gthread', '--timeout', '120',
                '--name', 'sandbox-keystone',
                'savanna_sandbox.services.keystone_wsgi:application']

    def ready(self):
        return procs.http_status(AUTH_URL) == 200
