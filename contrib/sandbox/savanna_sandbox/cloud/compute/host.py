"""The real host behind a simulated server: its work directory on this
machine and its sshd."""

import os
import shutil
import socket
import time


def wait_for_port(address, port, timeout):
    """True once something accepts TCP connections on address:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=1) as s:
                s.settimeout(2)
                banner = s.recv(64)
                if banner.startswith(b'SSH-'):
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def host_workdir(state_dir, server_id):
    return os.path.join(state_dir, 'hosts', server_id)
