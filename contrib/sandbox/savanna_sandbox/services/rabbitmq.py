"""RabbitMQ (and its epmd) started by hand for Heat's RPC.

Node ``rabbit@localhost`` on 127.0.0.1 with its own mnesia, logs, cookie
(HOME) and enabled-plugins file in the state dir, so it neither needs nor
disturbs the system service. epmd is started as its own supervised process
so ``down`` stops it by pid instead of leaving Erlang's daemon behind.
"""

import os

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services

RABBIT_BIN = '/usr/lib/rabbitmq/bin'
USER = 'heat'


def transport_url(secrets):
    return 'rabbit://%s:%s@%s:%d/' % (USER, secrets['rabbit'], paths.HOST,
                                      paths.PORTS['rabbitmq'])


def _env(layout, base):
    env = dict(base)
    home = layout.dir('rabbitmq')
    env.update({
        'HOME': home,
        'RABBITMQ_NODENAME': 'rabbit@localhost',
        'RABBITMQ_NODE_IP_ADDRESS': paths.HOST,
        'RABBITMQ_NODE_PORT': str(paths.PORTS['rabbitmq']),
        'RABBITMQ_DIST_PORT': str(paths.PORTS['rabbitmq_dist']),
        'RABBITMQ_MNESIA_BASE': layout.dir('rabbitmq', 'mnesia'),
        'RABBITMQ_LOG_BASE': layout.dir('rabbitmq', 'log'),
        'RABBITMQ_LOGS': '-',
        'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(home,
                                                      'enabled_plugins'),
        'RABBITMQ_CONFIG_FILE': os.path.join(home, 'rabbitmq'),
        'RABBITMQ_CONF_ENV_FILE': os.path.join(home, 'rabbitmq-env.conf'),
        'ERL_EPMD_ADDRESS': paths.HOST,
        'ERL_EPMD_PORT': str(paths.PORTS['epmd']),
    })
    return env


class Epmd(services.Part):
    name = 'epmd'
    port = paths.PORTS['epmd']
    timeout = 15
    hint = 'is another epmd bound to 127.0.0.1:4369 by someone else?'

    def available(self):
        if not os.path.exists('/usr/bin/epmd'):
            return 'epmd (erlang) not installed'
        return None

    def argv(self):
        return ['/usr/bin/epmd', '-address', paths.HOST,
                '-port', str(self.port)]


class RabbitMQ(services.Part):
    name = 'rabbitmq'
    deps = ('epmd',)
    port = paths.PORTS['rabbitmq']
    timeout = 90
    hint = ('check that rabbitmq-server is installed and port %d is free'
            % paths.PORTS['rabbitmq'])

    def available(self):
        if not os.path.exists(os.path.join(RABBIT_BIN, 'rabbitmq-server')):
            return 'rabbitmq-server not installed'
        return None

    def env(self):
        return _env(self.layout, super().env())

    def prepare(self):
        home = self.layout.dir('rabbitmq')
        with open(os.path.join(home, 'enabled_plugins'), 'w') as f:
            f.write('[].\n')
        with open(os.path.join(home, 'rabbitmq-env.conf'), 'w') as f:
            f.write('# the sandbox sets everything in the environment\n')
        with open(os.path.join(home, 'rabbitmq.conf'), 'w') as f:
            f.write('listeners.tcp.default = %s:%d\n'
                    'loopback_users = none\n'
                    'vm_memory_high_watermark.relative = 0.2\n'
                    'disk_free_limit.absolute = 50MB\n'
                    % (paths.HOST, self.port))

    def argv(self):
        return [os.path.join(RABBIT_BIN, 'rabbitmq-server')]

    def ctl(self, *args, **kwargs):
        """rabbitmqctl against this node; secrets go on stdin only."""
        import subprocess
        with open(self.log, 'ab') as log:
            return subprocess.run(
                [os.path.join(RABBIT_BIN, 'rabbitmqctl'), '-n',
                 'rabbit@localhost'] + list(args),
                env=self.env(), stdout=log, stderr=log,
                input=kwargs.get('input'), timeout=60).returncode

    def ready(self):
        return procs.tcp_open(paths.HOST, self.port)

    def after_start(self):
        # A user of our own instead of guest: its password is ours alone.
        if self.ctl('add_user', USER, input=(
                self.secrets['rabbit'] + '\n').encode()) != 0:
            if self.ctl('change_password', USER, input=(
                    self.secrets['rabbit'] + '\n').encode()) != 0:
                raise self.fail('cannot create the RabbitMQ user')
        if self.ctl('set_permissions', '-p', '/', USER,
                    '.*', '.*', '.*') != 0:
            raise self.fail('cannot grant the RabbitMQ user its rights')
