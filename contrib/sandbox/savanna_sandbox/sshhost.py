"""A simulated server: one real sshd with its own hostname and filesystem.

Each host is ``/usr/sbin/sshd -D`` listening on its own loopback address,
started inside ``unshare --mount --uts --propagation private`` so that it
(and every SSH session and daemon started through it) sees:

* its own hostname (the server name),
* its own writable /etc/spark, /etc/hadoop,
  /var/lib/{spark,hadoop,heat-savanna}, /var/log/{spark,hadoop,heat-savanna},
  /volumes and /etc/hosts (per-host directories under ``workdir``
  bind-mounted over the real paths; :meth:`SSHHost._prepare` makes the
  mount points on the machine),
* read-only "image" directories from ``binds`` (e.g. /opt/spark).

Everything else (/usr, /tmp, the network) is the machine's own. Processes
started over SSH live in the host's mount namespace, which is how
:meth:`SSHHost.stop` finds and kills them (Spark daemons detach from the
SSH session with nohup, so a process group would miss them).

This module is part of the sandbox: it never imports heat_savanna.
"""

import logging
import os
import pwd
import shlex
import signal
import socket
import subprocess
import threading
import time

LOG = logging.getLogger(__name__)

SSHD = '/usr/sbin/sshd'
SSH_KEYGEN = '/usr/bin/ssh-keygen'
UNSHARE = '/usr/bin/unshare'

#: real path -> per-host directory name under ``workdir/fs``
WRITABLE_DIRS = {
    '/etc/spark': 'etc-spark',
    '/etc/hadoop': 'etc-hadoop',
    '/var/lib/spark': 'var-lib-spark',
    '/var/log/spark': 'var-log-spark',
    '/var/lib/hadoop': 'var-lib-hadoop',
    '/var/log/hadoop': 'var-log-hadoop',
    # the auto-heal watchdog's program, pid file and log (the plugin's
    # heat_savanna.plugins.watch): each host runs its own
    '/var/lib/heat-savanna': 'var-lib-heat-savanna',
    '/var/log/heat-savanna': 'var-log-heat-savanna',
    '/volumes': 'volumes',
}

_user_lock = threading.Lock()


def ensure_user(user='savanna'):
    """Create the local login ``user`` with passwordless sudo if missing.

    The account gets a ``*`` password (not ``!``): with ``UsePAM no`` sshd
    refuses public-key logins to accounts whose password is locked.
    """
    with _user_lock:
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(['useradd', '--create-home', '--shell',
                            '/bin/bash', user], check=True,
                           capture_output=True)
        subprocess.run(['usermod', '-p', '*', user], check=True,
                       capture_output=True)
        if user == 'root':
            return
        sudoers = '/etc/sudoers.d/savanna-sandbox-%s' % user
        if os.path.isdir('/etc/sudoers.d') and not os.path.exists(sudoers):
            tmp = sudoers + '.tmp'
            with open(tmp, 'w') as f:
                f.write('%s ALL=(ALL) NOPASSWD: ALL\n' % user)
            os.chmod(tmp, 0o440)
            os.rename(tmp, sudoers)


def _mnt_ns(pid):
    try:
        return os.readlink('/proc/%d/ns/mnt' % pid)
    except OSError:
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours still answers kill(0): reap it
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


class SSHHost(object):
    """One simulated server (see the module doc).

    :param authorized_keys: public key lines allowed to log in.
    :param user: the login user (created if missing, see
        :func:`ensure_user`).
    :param binds: ``{path_on_host_view: source_dir}`` read-only image dirs.
    """

    #: up once its sshd answers on port 22
    has_sshd = True

    def __init__(self, name, address, workdir, authorized_keys, user,
                 binds=None, port=22):
        self.name = name
        self.address = address
        self.port = port
        self.workdir = os.path.abspath(workdir)
        if isinstance(authorized_keys, str):
            authorized_keys = [authorized_keys]
        self.authorized_keys = [k.strip() for k in authorized_keys or ()]
        self.user = user
        self.binds = dict(binds or {})
        self._proc = None
        self._namespaces = set()   # every mount ns this host ever had
        self._lock = threading.RLock()
        self._refused = False

    # -- files -------------------------------------------------------
    def _path(self, *parts):
        return os.path.join(self.workdir, *parts)

    @property
    def _home_ssh(self):
        return os.path.join(pwd.getpwnam(self.user).pw_dir, '.ssh')

    @property
    def host_key_file(self):
        return self._path('ssh_host_ed25519_key')

    def _prepare(self):
        os.makedirs(self._path('fs'), exist_ok=True)
        # sshd reads AuthorizedKeysFile as the login user: the workdir
        # (and its parents) must be traversable by that user.
        os.chmod(self.workdir, 0o755)
        os.makedirs('/run/sshd', exist_ok=True)
        for real, local in WRITABLE_DIRS.items():
            os.makedirs(self._path('fs', local), exist_ok=True)
            os.makedirs(real, exist_ok=True)
        for real in self.binds:
            os.makedirs(real, exist_ok=True)
        for part in ('etc-upper', 'etc-work'):
            os.makedirs(self._path('fs', part), exist_ok=True)
        if not os.path.exists(self.host_key_file):
            subprocess.run([SSH_KEYGEN, '-q', '-t', 'ed25519', '-N', '',
                            '-C', 'root@%s' % self.name,
                            '-f', self.host_key_file], check=True,
                           capture_output=True)
        hosts = self._path('fs', 'hosts')
        if not os.path.exists(hosts):
            with open(hosts, 'w') as f:
                f.write('127.0.0.1\tlocalhost\n%s\t%s\n'
                        % (self.address, self.name))
        # Like cloud-init, put the instance's keys in the login user's
        # ~/.ssh/authorized_keys: a per-host directory mounted over ~/.ssh,
        # so a key authorised later on one host stays on that host.
        ssh_dir = self._path('fs', 'ssh-home')
        os.makedirs(ssh_dir, exist_ok=True)
        keys_file = os.path.join(ssh_dir, 'authorized_keys')
        if not os.path.exists(keys_file):
            with open(keys_file, 'w') as f:
                f.write(''.join(k + '\n' for k in self.authorized_keys))
        info = pwd.getpwnam(self.user)
        for path, mode in ((ssh_dir, 0o700), (keys_file, 0o600)):
            os.chown(path, info.pw_uid, info.pw_gid)
            os.chmod(path, mode)
        os.makedirs(self._home_ssh, exist_ok=True)
        with open(self._path('sshd_config'), 'w') as f:
            f.write(self._sshd_config())

    def _sshd_config(self):
        return '\n'.join([
            'ListenAddress %s:%d' % (self.address, self.port),
            'HostKey %s' % self.host_key_file,
            'PidFile %s' % self._path('sshd.pid'),
            'AuthorizedKeysFile .ssh/authorized_keys',
            'AllowUsers %s' % self.user,
            'PubkeyAuthentication yes',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'PermitRootLogin prohibit-password',
            'StrictModes no',
            'UsePAM no',
            'UseDNS no',
            'PrintMotd no',
            'MaxSessions 64',
            'MaxStartups 64:30:128',
            'Subsystem sftp internal-sftp',
            'LogLevel ERROR',
            '',
        ])

    def etc_overlay(self):
        """The line that gives the host its own /etc: an overlay over the
        machine's, so what a node changes there (users and groups above
        all: /etc/passwd, /etc/group) stays the node's, as on a real
        cloud. Per-host directories are mounted inside it afterwards."""
        q = shlex.quote
        return ('mount -t overlay savanna-etc -o lowerdir=/etc,upperdir=%s,'
                'workdir=%s /etc' % (q(self._path('fs', 'etc-upper')),
                                     q(self._path('fs', 'etc-work'))))

    def _script(self):
        q = shlex.quote
        lines = ['set -e', self.etc_overlay()]
        for real, local in WRITABLE_DIRS.items():
            lines.append('mount --bind %s %s'
                         % (q(self._path('fs', local)), q(real)))
        lines.append('mount --bind %s /etc/hosts'
                     % q(self._path('fs', 'hosts')))
        lines.append('mount --bind %s %s'
                     % (q(self._path('fs', 'ssh-home')), q(self._home_ssh)))
        for real, src in sorted(self.binds.items()):
            lines.append('mount --bind %s %s' % (q(src), q(real)))
            lines.append('mount -o remount,bind,ro %s' % q(real))
        lines.append('hostname %s' % q(self.name))
        lines.append('exec %s -D -f %s -E %s' % (
            SSHD, q(self._path('sshd_config')), q(self._path('sshd.log'))))
        return '\n'.join(lines)

    # -- what a cloud shows ---------------------------------------------
    @property
    def host_keys(self):
        """Public host key lines, e.g. ``['ssh-ed25519 AAAA... root@n']``.
        """
        with open(self.host_key_file + '.pub') as f:
            return [line.strip() for line in f if line.strip()]

    def _fingerprints(self):
        out = subprocess.run([SSH_KEYGEN, '-l', '-E', 'sha256', '-f',
                              self.host_key_file + '.pub'], check=True,
                             capture_output=True, text=True).stdout
        return [line.strip() for line in out.splitlines() if line.strip()]

    def console_output(self):
        """Console text shaped like cloud-init's, with the host key
        fingerprints (syslog-prefixed as ``ec2:``) and the keys block."""
        if not os.path.exists(self.host_key_file):
            return ''
        stamp = time.strftime('%b %d %H:%M:%S')
        pre = '<14>%s ec2: ' % stamp
        bar = '#' * 61
        lines = ['[    2.104912] cloud-init[412]: Cloud-init v. 22.4.2 '
                 'running \'modules:final\'.',
                 pre, pre + bar,
                 pre + '-----BEGIN SSH HOST KEY FINGERPRINTS-----']
        lines += [pre + fp for fp in self._fingerprints()]
        lines += [pre + '-----END SSH HOST KEY FINGERPRINTS-----',
                  pre + bar,
                  '-----BEGIN SSH HOST KEY KEYS-----']
        lines += self.host_keys
        lines += ['-----END SSH HOST KEY KEYS-----',
                  '[    3.020001] cloud-init[412]: Cloud-init v. 22.4.2 '
                  'finished. Datasource DataSourceOpenStackLocal.']
        return '\n'.join(lines) + '\n'

    # -- life cycle --------------------------------------------------
    @property
    def pid(self):
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self):
        """True while sshd accepts connections (False when refused)."""
        return self._proc is not None and _alive(self._proc.pid)

    def start(self, timeout=10.0):
        """Start sshd (no-op if running) and wait until it listens."""
        with self._lock:
            self._refused = False
            if self.running:
                return
            ensure_user(self.user)
            self._prepare()
            log = open(self._path('start.log'), 'ab')
            try:
                self._proc = subprocess.Popen(
                    [UNSHARE, '--mount', '--uts', '--propagation',
                     'private', 'sh', '-c', self._script()],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=True, close_fds=True)
            finally:
                log.close()
            self._wait_listening(timeout)

    def _wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        own_ns = _mnt_ns(os.getpid())
        while time.monotonic() < deadline:
            ns = _mnt_ns(self._proc.pid)
            if ns and ns != own_ns:
                self._namespaces.add(ns)
            if self._proc.poll() is not None:
                raise RuntimeError('sshd of %s exited with %s; see %s' % (
                    self.name, self._proc.returncode,
                    self._path('start.log')))
            try:
                socket.create_connection((self.address, self.port),
                                         timeout=0.5).close()
                ns = _mnt_ns(self._proc.pid)
                if ns and ns != own_ns:
                    self._namespaces.add(ns)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('sshd of %s not listening on %s:%d after %ss'
                           % (self.name, self.address, self.port, timeout))

    def _stop_sshd(self):
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def namespace_pids(self):
        """Pids of every process living in this host's namespace(s).

        The kernel reuses a namespace's id once the namespace is gone (a
        refused host whose sshd was its last process, say): a recorded
        id is only trusted while its processes see this host's own
        mounts, so stopping this host never kills another host's
        processes that happen to live in a namespace with a reused id.
        """
        if not self._namespaces:
            return []
        by_ns = {}
        for entry in os.listdir('/proc'):
            if not entry.isdigit():
                continue
            ns = _mnt_ns(int(entry))
            if ns in self._namespaces:
                by_ns.setdefault(ns, []).append(int(entry))
        pids = []
        for ns, members in by_ns.items():
            if self._owns(members):
                pids.extend(members)
            else:
                self._namespaces.discard(ns)
        return pids

    def _owns(self, pids):
        """Whether these processes (of one namespace) see this host's
        per-host directories mounted."""
        # the mount's root as mountinfo shows it may be relative to the
        # filesystem the workdir is on: match its own unique tail
        workdir = os.path.abspath(self.workdir)
        marker = '%s/%s/fs/' % (os.path.basename(os.path.dirname(workdir)),
                                os.path.basename(workdir))
        for pid in pids:
            try:
                with open('/proc/%d/mountinfo' % pid) as f:
                    return marker in f.read()
            except OSError:
                continue
        return False

    def _kill_namespace(self, grace=3.0):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.namespace_pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and self.namespace_pids():
                time.sleep(0.1)

    def stop(self):
        """Stop sshd and every process started inside the host (daemons
        included); files are kept, so :meth:`start` is a reboot."""
        with self._lock:
            self._stop_sshd()
            self._kill_namespace()
            self._namespaces.clear()
            self._refused = False

    # -- faults ------------------------------------------------------
    def refuse(self):
        """Stop accepting SSH connections (sshd stops; daemons started on
        the host keep running, files are kept)."""
        with self._lock:
            self._refused = True
            self._stop_sshd()

    def allow(self):
        """Accept SSH connections again after :meth:`refuse`."""
        with self._lock:
            if not self.running:
                self.start()

    @property
    def refused(self):
        return self._refused

    def drop_connections(self):
        """Cut every open SSH connection (the listener keeps running)."""
        with self._lock:
            listener = self.pid
            for pid in self.namespace_pids():
                if pid == listener:
                    continue
                try:
                    with open('/proc/%d/comm' % pid) as f:
                        comm = f.read().strip()
                except OSError:
                    continue
                if comm.startswith('sshd'):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass

    def __repr__(self):
        return '<SSHHost %s %s:%d>' % (self.name, self.address, self.port)
