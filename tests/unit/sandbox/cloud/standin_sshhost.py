"""A minimal stand-in for savanna_sandbox.sshhost.SSHHost, tests only.

Used when the real SSH host primitive is not importable yet. Same
constructor and methods; a real sshd on the given loopback address, root
only (no user creation, no bind mounts, no separate filesystem view).
"""

import os
import signal
import subprocess
import time


class StandInSSHHost(object):

    def __init__(self, name, address, workdir, authorized_keys, user,
                 binds=None):
        self.name = name
        self.address = address
        self.workdir = workdir
        self.authorized_keys = list(authorized_keys or [])
        self.user = user
        self.binds = binds
        self.proc = None
        os.makedirs(workdir, exist_ok=True)
        self.key_path = os.path.join(workdir, 'ssh_host_ed25519_key')
        if not os.path.exists(self.key_path):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '',
                            '-C', 'root@%s' % name, '-f', self.key_path],
                           check=True)
        with open(os.path.join(workdir, 'authorized_keys'), 'w') as f:
            f.write('\n'.join(self.authorized_keys) + '\n')
        self.config = os.path.join(workdir, 'sshd_config')
        with open(self.config, 'w') as f:
            f.write('ListenAddress %s:22\nHostKey %s\n'
                    'AuthorizedKeysFile %s/authorized_keys\n'
                    'PidFile %s/sshd.pid\nStrictModes no\nUsePAM no\n'
                    'PermitRootLogin prohibit-password\n'
                    'PasswordAuthentication no\n'
                    'Subsystem sftp internal-sftp\n'
                    % (address, self.key_path, workdir, workdir))

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def host_keys(self):
        with open(self.key_path + '.pub') as f:
            return [f.read().strip()]

    def start(self):
        if self.running:
            return
        os.makedirs('/run/sshd', exist_ok=True)
        self.proc = subprocess.Popen(
            ['/usr/sbin/sshd', '-D', '-e', '-f', self.config],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.05)

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None

    def refuse(self):
        self.stop()

    def allow(self):
        self.start()

    def console_output(self):
        out = subprocess.run(['ssh-keygen', '-l', '-f',
                              self.key_path + '.pub'],
                             capture_output=True, text=True).stdout
        return ('Cloud-init v. 23.1 running\n'
                '-----BEGIN SSH HOST KEY FINGERPRINTS-----\n%s'
                '-----END SSH HOST KEY FINGERPRINTS-----\n'
                '-----BEGIN SSH HOST KEY KEYS-----\n%s\n'
                '-----END SSH HOST KEY KEYS-----\n'
                % (out, self.host_keys[0]))
