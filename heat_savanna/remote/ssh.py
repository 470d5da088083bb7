"""One SSH connection to one node, with pinned host keys (paramiko).

Why a thin class of our own instead of ``paramiko.SSHClient``: we must
choose which host-key algorithm the server presents (the one we pinned
from the console, possibly only as a fingerprint), refuse unknown keys
without ever writing a known_hosts file, reconnect after a dropped
connection, and turn every failure into one of our exceptions with
secrets redacted. paramiko's ``Transport`` gives all of that directly.
"""

import collections
import io
import logging
import posixpath
import select
import shlex
import socket
import threading
import time
import uuid

import paramiko
import tenacity

from heat_savanna.common import config
from heat_savanna.common import exceptions
from heat_savanna.remote import hostkeys
from heat_savanna.remote import install
from heat_savanna.remote import redaction

LOG = logging.getLogger(__name__)

POLICIES = hostkeys.POLICIES

CommandResult = collections.namedtuple('CommandResult',
                                       'exit_code stdout stderr')
CommandResult.__doc__ = 'Outcome of :meth:`NodeRemote.run` (str outputs).'

_TRANSIENT = (OSError, EOFError, paramiko.SSHException)


class _PermanentConnectError(exceptions.RemoteError):
    """Authentication refused: retrying cannot help."""


def load_private_key(text):
    """A paramiko PKey from an OpenSSH/PEM private key text."""
    errors = []
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError) as exc:
            errors.append(type(exc).__name__)
    raise ValueError('unsupported or malformed private key (%s)'
                     % ', '.join(errors))


def generate_keypair(comment='heat-savanna'):
    """A fresh ed25519 key pair: ``(private_openssh_text, public_line)``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    return private, '%s %s' % (public, comment)


class NodeRemote(object):
    """Commands and files on one node over one (re)used SSH connection.

    :param node_name: used in every error (``RemoteError.node``).
    :param host: address to connect to (management IP).
    :param pkey: a ``paramiko.PKey`` (see :func:`load_private_key`).
    :param host_keys: pins, see :mod:`heat_savanna.remote.hostkeys`.
    :param policy: ``pinned`` | ``accept-new`` | ``insecure-auto-add``;
        default ``[savanna] host_key_policy``.
    :param secrets: strings redacted from every error message.
    :param connect_retries: attempts; default ``[savanna]
        ssh_connect_retries``.

    Thread-safe: several threads may run commands at once (one SSH channel
    each over the shared connection).
    """

    def __init__(self, node_name, host, username, pkey, host_keys, port=22,
                 policy=None, connect_timeout=None, command_timeout=None,
                 secrets=(), connect_retries=None):
        conf = config.CONF.savanna
        self.node_name = node_name
        self.host = host
        self.port = port
        self.username = username
        self._pkey = pkey
        self.policy = policy or conf.host_key_policy
        self.host_key_check = hostkeys.HostKeyCheck(node_name, host_keys,
                                                    self.policy, LOG)
        self.connect_timeout = connect_timeout or conf.ssh_connect_timeout
        self.command_timeout = command_timeout or conf.ssh_command_timeout
        self.connect_retries = connect_retries or conf.ssh_connect_retries
        self.secrets = tuple(s for s in secrets if s)
        self._transport = None
        self._sftp = None
        self._lock = threading.RLock()

    # -- helpers ------------------------------------------------------
    def __repr__(self):
        return '<NodeRemote %s %s@%s:%s>' % (self.node_name, self.username,
                                             self.host, self.port)

    def _redact(self, text):
        return redaction.redact(text, self.secrets)

    def _error(self, message, cls=exceptions.RemoteError):
        return cls(self.node_name, self._redact(message))

    @property
    def is_root(self):
        return self.username == 'root'

    def wrap(self, command, sudo=False):
        """The command line actually sent: through ``sudo -n`` when asked
        and the login user is not root (``-n``: fail, never prompt)."""
        if sudo and not self.is_root:
            return 'sudo -n -- sh -c %s' % shlex.quote(command)
        return command

    # -- connection ---------------------------------------------------
    @property
    def seen_host_key(self):
        """Pin string of the key the server presented (after
        connecting)."""
        return self.host_key_check.seen

    def _verify(self, key):
        try:
            self.host_key_check.verify(key.get_name(), key.asbytes(),
                                       key.get_base64())
        except hostkeys.UnknownHostKey as exc:
            raise self._error(str(exc), exceptions.HostKeyMismatch)

    def _connect_once(self):
        sock = socket.create_connection((self.host, self.port),
                                        timeout=self.connect_timeout)
        transport = paramiko.Transport(sock)
        try:
            transport.banner_timeout = self.connect_timeout
            transport.handshake_timeout = self.connect_timeout
            opts = transport.get_security_options()
            opts.key_types = self.host_key_check.preferred_algorithms(
                list(opts.key_types))
            transport.start_client(timeout=self.connect_timeout)
            self._verify(transport.get_remote_server_key())
            try:
                transport.auth_publickey(self.username, self._pkey)
            except paramiko.AuthenticationException as exc:
                raise self._error('authentication as %s refused: %s'
                                  % (self.username, exc),
                                  _PermanentConnectError)
            transport.set_keepalive(30)
            return transport
        except BaseException:
            transport.close()
            raise

    def connect(self):
        """Open the connection now (it is otherwise opened on first use).

        Retries transient failures with exponential backoff; a host-key
        mismatch or an authentication failure raises at once.
        """
        with self._lock:
            if self._transport is not None and self._transport.is_active():
                return self._transport
            self._drop()
            retrying = tenacity.Retrying(
                stop=tenacity.stop_after_attempt(self.connect_retries),
                wait=tenacity.wait_exponential(multiplier=0.5, min=0.2,
                                               max=10),
                retry=tenacity.retry_if_exception_type(_TRANSIENT),
                before_sleep=self._log_retry, reraise=True)
            try:
                self._transport = retrying(self._connect_once)
            except _PermanentConnectError as exc:
                raise exceptions.RemoteError(exc.node, exc.message)
            except _TRANSIENT as exc:
                raise self._error('cannot connect to %s:%s after %d '
                                  'attempt(s): %s'
                                  % (self.host, self.port,
                                     self.connect_retries,
                                     exc or type(exc).__name__))
            return self._transport

    def _log_retry(self, state):
        LOG.debug('%s: connect attempt %d failed (%s), retrying',
                  self.node_name, state.attempt_number,
                  self._redact(str(state.outcome.exception())))

    def _drop(self):
        if self._sftp is not None:
            try:
                self._sftp.close()
            except Exception:  # noqa: the connection is going anyway
                pass
        if self._transport is not None:
            self._transport.close()
        self._sftp = None
        self._transport = None

    def close(self):
        with self._lock:
            self._drop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _open_channel(self):
        """A session channel; reconnects once if the old connection
        turned out to be dead (nothing was started on it yet)."""
        for attempt in (1, 2):
            transport = self.connect()
            try:
                return transport.open_session(timeout=self.connect_timeout)
            except _TRANSIENT as exc:
                if attempt == 2:
                    raise self._error('cannot open a session: %s' % exc)
                LOG.debug('%s: session failed (%s), reconnecting',
                          self.node_name, exc)
                with self._lock:
                    if self._transport is transport:
                        self._drop()

    def _sftp_client(self):
        with self._lock:
            transport = self.connect()
            if self._sftp is None:
                try:
                    self._sftp = paramiko.SFTPClient.from_transport(
                        transport)
                except _TRANSIENT:
                    self._drop()
                    self._sftp = paramiko.SFTPClient.from_transport(
                        self.connect())
            return self._sftp

    # -- commands -----------------------------------------------------
    def run(self, command, timeout=None, check=True, input=None,
            sudo=False):
        """Run ``command`` (a shell command line) and wait for it.

        :param input: str/bytes written to its stdin (then EOF).
        :param sudo: run as root (``sudo -n``) unless already root.
        :returns: :class:`CommandResult` with decoded stdout/stderr.
        :raises RemoteCommandFailed: ``check`` and exit status != 0.
        :raises RemoteError: timeout, lost connection, cannot connect.
        """
        timeout = timeout or self.command_timeout
        full = self.wrap(command, sudo)
        LOG.debug('%s: run %s', self.node_name, self._redact(command))
        chan = self._open_channel()
        try:
            chan.exec_command(full)
            if input is not None:
                chan.sendall(input.encode() if isinstance(input, str)
                             else input)
            chan.shutdown_write()
            out, err = _read_until_exit(chan, timeout)
            if out is None:
                raise self._error('command %r timed out after %ss'
                                  % (command, timeout),
                                  exceptions.RemoteTimeout)
            if not chan.exit_status_ready():
                raise self._error('connection lost while running %r'
                                  % command)
            code = chan.recv_exit_status()
            if code == -1:   # paramiko: channel closed without a status
                raise self._error('connection lost while running %r'
                                  % command)
        except (socket.error, EOFError, paramiko.SSHException) as exc:
            raise self._error('connection lost while running %r: %s'
                              % (command, exc))
        finally:
            chan.close()
        stdout = b''.join(out).decode('utf-8', 'replace')
        stderr = b''.join(err).decode('utf-8', 'replace')
        if check and code != 0:
            raise exceptions.RemoteCommandFailed(
                self.node_name, self._redact(command), code,
                self._redact(redaction.tail(stderr or stdout)))
        return CommandResult(code, stdout, stderr)

    # -- files --------------------------------------------------------
    def put(self, path, content, mode=0o644, sudo=False):
        """Write ``content`` (str or bytes) to ``path`` atomically.

        Without sudo: SFTP to a temporary file beside ``path``, chmod, then
        rename over it. With sudo: :meth:`install_files` with this one
        file (owned by root, parent directories created).
        """
        if sudo:
            self.install_files([(path, content, mode)])
            return
        data = content.encode() if isinstance(content, str) else content
        try:
            _sftp_write(self._sftp_client(), path, data, mode)
        except (IOError, OSError) as exc:
            raise self._error('cannot write %s: %s' % (path, exc))

    def install_files(self, files, prelude=None, timeout=None):
        """Write many root-owned files with one ``sudo`` session.

        One command runs as root (``sudo -n`` unless the login user is
        root): first ``prelude`` (a shell snippet, e.g. volume and directory
        set-up, run in a subshell without stdin; its failure stops
        everything), then every ``(path, content, mode)`` of ``files``
        (absolute paths) arrives on the command's stdin as one tar stream,
        is unpacked next to its path (parent directories are created) with
        its mode, owned by root, and renamed into place, so a reader never
        sees a half-written file. A bind-mounted file (as /etc/hosts is in
        containers) cannot be renamed over and is copied in place instead.
        If any file cannot be unpacked, none is changed.

        Why: the cost of configuring a node is the processes the node
        starts (sudo with its PAM session, the SFTP server, one
        ``install``/``mv``/``mkdir`` per file), not the bytes; this is one
        sudo, one tar and one ``mv`` per file, and no SFTP. Meant for
        configuration-sized files (the stream is built in memory).

        :raises RemoteCommandFailed: naming the path that could not be
            written (or the prelude's failure).
        """
        script, data = install.bundle(files, prelude)
        what = install.describe(files, prelude)
        LOG.debug('%s: %s: %s', self.node_name, what,
                  ', '.join(p for p, _c, _m in files))
        try:
            self.run(script, sudo=True, timeout=timeout,
                     input=data)
        except exceptions.RemoteCommandFailed as exc:
            raise exceptions.RemoteCommandFailed(
                self.node_name, what, exc.exit_code, exc.stderr_tail)

    def get(self, path):
        """The content of ``path`` as bytes (SFTP, as the login user)."""
        sftp = self._sftp_client()
        try:
            with sftp.open(path, 'rb') as f:
                return f.read()
        except (IOError, OSError) as exc:
            raise self._error('cannot read %s: %s' % (path, exc))

    def exists(self, path):
        """True if ``path`` exists (as seen by the login user)."""
        try:
            self._sftp_client().stat(path)
            return True
        except (IOError, OSError):
            return False


def _read_until_exit(chan, timeout):
    """Read a started command's stdout and stderr (lists of bytes) until
    it has exited and the server has sent EOF, or the channel closed;
    ``(None, None)`` if ``timeout`` seconds pass first."""
    out, err = [], []
    deadline = time.monotonic() + timeout
    while True:
        got = False
        while chan.recv_ready():
            out.append(chan.recv(65536))
            got = True
        while chan.recv_stderr_ready():
            err.append(chan.recv_stderr(65536))
            got = True
        # The exit status can overtake the last output: finish only once
        # the server has also sent EOF (or closed).
        if chan.exit_status_ready() and (chan.eof_received or chan.closed) \
                and not chan.recv_ready() and not chan.recv_stderr_ready():
            return out, err
        if chan.closed and not got:
            return out, err
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None
        if not got:
            select.select([chan], [], [], min(left, 0.5))


def _sftp_write(sftp, path, data, mode):
    """Write ``data`` to a temporary file beside ``path``, chmod it, rename
    it over ``path``; the temporary file goes if anything fails."""
    tmp = posixpath.join(posixpath.dirname(path) or '.', '.%s.savanna-%s'
                         % (posixpath.basename(path), uuid.uuid4().hex[:12]))
    try:
        with sftp.open(tmp, 'wb') as f:
            f.write(data)
        sftp.chmod(tmp, mode)
        sftp.posix_rename(tmp, path)
    except (IOError, OSError):
        try:
            sftp.remove(tmp)
        except (IOError, OSError):
            pass
        raise
