"""A simulated server booted from the agent image: no sshd, a Heat agent.

Like :class:`savanna_sandbox.sshhost.SSHHost` (own mount namespace,
hostname, per-host /etc/spark, /etc/hosts ...), but what runs in it is
what an image built for Heat software deployments runs at boot:
:mod:`savanna_sandbox.agentboot` plays cloud-init (it reads the server's
user data from the simulator's metadata service and runs Heat's part
handler on it, which leaves the first metadata, with the server's own
stack-user credentials, in /var/lib/heat-cfntools/cfn-init-data), then
execs os-collect-config, which polls Heat's API for the server's
deployments and runs them through os-refresh-config and the heat-config
``script`` hook, as root. Nothing listens on port 22: the engine cannot
connect to such a host, which is the point of the agent transport.

Besides the SSH host's directories each agent host gets its own
/var/lib/{heat-cfntools,cloud,os-collect-config,os-apply-config,
heat-config}, /var/log and a private /run (the agent's locks and rendered
configuration live there), a copy-on-write /etc (an overlay: os-apply-
config renames /etc/os-collect-config.conf into place, which a file bind
mount would refuse), and the image's read-only /usr/libexec/
{os-refresh-config,os-apply-config,heat-config}.

This module is part of the sandbox: it never imports heat_savanna.
"""

import os
import shlex
import sys
import time

from savanna_sandbox import agentimage
from savanna_sandbox import sshhost

#: per-host writable directories of the agent (real path -> local name)
AGENT_DIRS = {
    '/var/lib/heat-cfntools': 'var-lib-heat-cfntools',
    '/var/lib/cloud': 'var-lib-cloud',
    '/var/lib/os-collect-config': 'var-lib-os-collect-config',
    '/var/lib/os-apply-config': 'var-lib-os-apply-config',
    '/var/lib/heat-config': 'var-lib-heat-config',
}
OCC_CONF = '/etc/os-collect-config.conf'
#: the image's configuration of os-collect-config before the first
#: metadata (heat_local reads what cloud-init left; os-apply-config then
#: rewrites the file from the metadata's os-collect-config key)
INITIAL_OCC_CONF = '[DEFAULT]\ncommand = os-refresh-config\n'


class AgentHost(sshhost.SSHHost):
    """One server of the agent image (see the module doc).

    :param image_root: the built agent image (:mod:`agentimage`).
    :param metadata_url: the simulator's metadata service for this server
        (``.../openstack/latest/user_data`` and ``.../latest/meta-data``
        below it).
    :param polling_interval: os-collect-config's longest pause between
        two polls of Heat.
    """

    #: no sshd: the host is up once its agent has booted (:meth:`start`
    #: returns then, or raises)
    has_sshd = False

    def __init__(self, name, address, workdir, authorized_keys, user,
                 binds=None, port=22, image_root=None, metadata_url=None,
                 polling_interval=10):
        super(AgentHost, self).__init__(name, address, workdir,
                                        authorized_keys, user, binds, port)
        self.image_root = image_root
        self.metadata_url = metadata_url
        self.polling_interval = polling_interval

    def _prepare(self):
        problem = agentimage.problem(self.image_root)
        if problem:
            raise RuntimeError(problem)
        super(AgentHost, self)._prepare()
        for real, local in AGENT_DIRS.items():
            os.makedirs(self._path('fs', local), exist_ok=True)
            os.makedirs(real, exist_ok=True)
        os.makedirs(self._path('fs', 'var-log'), exist_ok=True)
        for real in sshhost.WRITABLE_DIRS:
            if real.startswith('/var/log/'):
                # mount points inside the host's own /var/log
                os.makedirs(self._path('fs', 'var-log',
                                       real[len('/var/log/'):]),
                            exist_ok=True)
        for real in agentimage.BINDS:
            os.makedirs(real, exist_ok=True)
        conf = self._path('fs', 'etc-upper', os.path.basename(OCC_CONF))
        if not os.path.exists(conf):
            with open(conf, 'w') as f:
                f.write(INITIAL_OCC_CONF)

    def _script(self):
        q = shlex.quote
        lines = ['set -e',
                 # the host's own /etc and /var/log first: per-host
                 # directories are mounted inside them
                 self.etc_overlay(),
                 'mount --bind %s /var/log' % q(self._path('fs', 'var-log'))]
        for real, local in sshhost.WRITABLE_DIRS.items():
            lines.append('mount --bind %s %s'
                         % (q(self._path('fs', local)), q(real)))
        for real, local in AGENT_DIRS.items():
            lines.append('mount --bind %s %s'
                         % (q(self._path('fs', local)), q(real)))
        lines.append('mount --bind %s /etc/hosts'
                     % q(self._path('fs', 'hosts')))
        lines.append('mount -t tmpfs -o mode=0755 savanna-run /run')
        for real, src in sorted(self.binds.items()):
            lines.append('mount --bind %s %s' % (q(src), q(real)))
            lines.append('mount -o remount,bind,ro %s' % q(real))
        for real, local in sorted(agentimage.BINDS.items()):
            lines.append('mount --bind %s %s'
                         % (q(os.path.join(self.image_root, local)),
                            q(real)))
            lines.append('mount -o remount,bind,ro %s' % q(real))
        lines.append('hostname %s' % q(self.name))
        lines.append('export PATH=%s:/usr/local/sbin:/usr/local/bin:'
                     '/usr/sbin:/usr/bin:/sbin:/bin'
                     % q(agentimage.venv_bin(self.image_root)))
        # the C locale: Python takes C.UTF-8 for en_US.UTF-8, which a
        # minimal image lacks (os-collect-config sets and restores it)
        lines.append('export LANG=C LC_ALL=C')
        lines.append('cd /')
        lines.append('exec %s -m savanna_sandbox.agentboot '
                     '--metadata-url %s --polling-interval %d '
                     '--ready %s >>%s 2>&1'
                     % (q(sys.executable), q(self.metadata_url),
                        self.polling_interval, q(self._path('booted')),
                        q(self._path('agent.log'))))
        return '\n'.join(lines)

    def _wait_listening(self, timeout):
        """Ready once the boot has read the user data (the host's
        ``booted`` file); there is no port to wait for."""
        deadline = time.monotonic() + timeout
        own_ns = sshhost._mnt_ns(os.getpid())
        while time.monotonic() < deadline:
            ns = sshhost._mnt_ns(self._proc.pid)
            if ns and ns != own_ns:
                self._namespaces.add(ns)
            if self._proc.poll() is not None:
                raise RuntimeError('the agent of %s exited with %s; see %s'
                                   % (self.name, self._proc.returncode,
                                      self._path('agent.log')))
            if os.path.exists(self._path('booted')):
                return
            time.sleep(0.1)
        raise RuntimeError('the agent of %s did not boot within %ss; see %s'
                           % (self.name, timeout, self._path('agent.log')))

    def start(self, timeout=30.0):
        try:
            os.unlink(self._path('booted'))
        except OSError:
            pass
        super(AgentHost, self).start(timeout)

    def console_output(self):
        """No SSH host keys to print: only cloud-init's lines."""
        return ('[    2.104912] cloud-init[412]: Cloud-init v. 22.4.2 '
                'running \'modules:final\'.\n'
                '[    3.020001] cloud-init[412]: Cloud-init v. 22.4.2 '
                'finished. Datasource DataSourceOpenStack.\n')

    def refuse(self):
        """Nothing to refuse: no sshd."""
        self._refused = True

    def __repr__(self):
        return '<AgentHost %s %s>' % (self.name, self.address)
