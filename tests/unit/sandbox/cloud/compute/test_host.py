"""cloud.compute.host: a server's work directory and its sshd's banner."""

import os
import socket
import threading

from savanna_sandbox.cloud import compute


def _serve_once(banner):
    """A loopback listener that greets its first client with ``banner``."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    sock.listen(1)

    def greet():
        try:
            conn, _ = sock.accept()
            with conn:
                conn.sendall(banner)
                conn.recv(1)
        except OSError:
            pass
    threading.Thread(target=greet, daemon=True).start()
    return sock


def test_wait_for_port_wants_an_ssh_banner():
    sock = _serve_once(b'SSH-2.0-test\r\n')
    try:
        assert compute.wait_for_port('127.0.0.1', sock.getsockname()[1], 5)
    finally:
        sock.close()
    sock = _serve_once(b'HTTP/1.1 200 OK\r\n')
    try:
        assert not compute.wait_for_port('127.0.0.1',
                                         sock.getsockname()[1], 0.5)
    finally:
        sock.close()


def test_workdir_and_its_removal(tmp_path):
    path = compute.host_workdir(str(tmp_path), 'abc')
    assert path == os.path.join(str(tmp_path), 'hosts', 'abc')
    os.makedirs(os.path.join(path, 'fs'))
    compute.remove_tree(path)
    assert not os.path.exists(path)
    compute.remove_tree(path)          # gone already: no error
