"""Test helper: real sshd hosts (the sandbox's SSHHost) on loopback.

Shared by the remote-layer and plugin tests. Each test session picks its
own 127.x.y.0/24 block so parallel runs (and a running sandbox) do not
collide.
"""

import os
import random
import shutil
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, 'contrib', 'sandbox'))

from savanna_sandbox import sshhost  # noqa: E402

from heat_savanna import remote  # noqa: E402

USER = 'savanna'


def can_run_sshd():
    return os.geteuid() == 0 and os.path.exists(sshhost.SSHD) and \
        shutil.which('unshare') is not None


requires_sshd = pytest.mark.skipif(
    not can_run_sshd(), reason='needs root, /usr/sbin/sshd and unshare')


class HostFactory(object):
    """Creates SSHHosts in one temp dir; ``cleanup`` stops them all."""

    def __init__(self):
        self.workdir = tempfile.mkdtemp(prefix='savanna-hosts-')
        os.chmod(self.workdir, 0o755)
        self.net = '127.%d.%d' % (random.randint(100, 250),
                                  random.randint(1, 250))
        self.private, self.public = remote.generate_keypair()
        self.pkey = remote.load_private_key(self.private)
        self.hosts = []

    def address(self, index):
        return '%s.%d' % (self.net, index)

    def host(self, name, binds=None, start=True):
        index = len(self.hosts) + 2
        h = sshhost.SSHHost(name, self.address(index),
                            os.path.join(self.workdir, name),
                            [self.public], USER, binds=binds)
        self.hosts.append(h)
        if start:
            h.start()
        return h

    def remote(self, host, **kwargs):
        pins = kwargs.pop('host_keys', None)
        if pins is None:
            pins = remote.parse_console_host_keys(host.console_output())
        kwargs.setdefault('connect_retries', 2)
        kwargs.setdefault('connect_timeout', 5)
        return remote.NodeRemote(host.name, host.address, USER, self.pkey,
                                 pins, **kwargs)

    def cleanup(self):
        for h in self.hosts:
            h.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
