"""The cloud simulator (package ``savanna_sandbox.cloud``) as one process.

This module only writes the simulator's configuration (Keystone URL, the
``cloudsim`` service user, its state dir) and supervises it; the simulator
itself is another engineer's code.
"""

import importlib.util
import json
import os

from savanna_sandbox import paths
from savanna_sandbox import procs
from savanna_sandbox import services
from savanna_sandbox.services import agent
from savanna_sandbox.services import keystone

DEFAULT_PORTS = {'compute': 8774, 'volumev3': 8776, 'network': 9696,
                 'image': 9292, 'admin': 8799}


def ports():
    try:
        from savanna_sandbox.cloud import PORTS
    except ImportError:
        return dict(DEFAULT_PORTS)
    return dict(PORTS)


def state_dir(layout):
    return layout.path('cloud')


class CloudSim(services.Part):
    name = 'cloudsim'
    deps = ('identity',)
    timeout = 60
    hint = ('read the cloudsim log; `python -m savanna_sandbox.cloud '
            '--config <state>/cloud.conf --debug` runs it in the foreground')

    @property
    def port(self):
        return ports()['compute']

    @property
    def conf(self):
        return self.layout.path('cloud.conf')

    def available(self):
        try:
            spec = importlib.util.find_spec('savanna_sandbox.cloud')
        except ImportError:
            spec = None
        if spec is None:
            return ('the cloud simulator (savanna_sandbox.cloud) is not '
                    'installed yet: Heat runs without compute/volume/'
                    'network/image services')
        return None

    def config(self):
        return {
            'bind_host': paths.HOST,
            'ports': ports(),
            'state_dir': state_dir(self.layout),
            'agent_image': agent.image_root(self.layout),
            'region': paths.REGION,
            'auth': {
                'strategy': 'keystone',
                'auth_url': keystone.AUTH_URL,
                'www_authenticate_uri': keystone.AUTH_URL,
                'username': 'cloudsim',
                'password': self.secrets['cloudsim'],
                'project_name': 'service',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default',
            },
        }

    def prepare(self):
        os.makedirs(state_dir(self.layout), mode=0o700, exist_ok=True)
        # sshd reads each host's authorized_keys as the login user, so the
        # path down to the hosts must be traversable (not listable) by it;
        # the secrets beside it stay 0600.
        for path in (self.layout.root, state_dir(self.layout)):
            os.chmod(path, 0o711)
        paths.write_private(self.conf, json.dumps(self.config(), indent=1))

    def argv(self):
        import sys
        return [sys.executable, '-m', 'savanna_sandbox.cloud',
                '--config', self.conf]

    def ready(self):
        if not procs.tcp_open(paths.HOST, self.port):
            return False
        # Only this run's output counts (the log is appended to), all of
        # it: a fixed tail lost the "ready" of a simulator that had logged
        # 400 lines since, and a warm `up` failed on it
        return any(line.startswith('cloudsim ready')
                   for line in procs.this_run(self.log))
