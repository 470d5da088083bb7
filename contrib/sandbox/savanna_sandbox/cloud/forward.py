"""TCP forwarding from a floating IP to a server's fixed IP.

A floating IP in a real cloud is NAT on a router; here it is one listening
socket per forwarded port on the floating address (loopback), copying bytes
both ways to the same port on the fixed address.
"""

import logging
import socket
import threading

LOG = logging.getLogger(__name__)


def _pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Forwarder(object):
    """Forwards ``listen_address:port`` to ``target_address:port``."""

    def __init__(self, listen_address, target_address, ports):
        if not listen_address.startswith('127.'):
            raise ValueError('forwarders listen on loopback only')
        self.listen_address = listen_address
        self.target_address = target_address
        self.ports = list(ports)
        self._sockets = []
        self._conns = set()
        self._lock = threading.Lock()
        self._stopped = False

    def start(self):
        for port in self.ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((self.listen_address, port))
            except OSError as exc:
                LOG.warning('cannot forward %s:%d: %s',
                            self.listen_address, port, exc)
                sock.close()
                continue
            sock.listen(64)
            self._sockets.append(sock)
            threading.Thread(target=self._accept, args=(sock, port),
                             daemon=True,
                             name='fwd-%s-%d' % (self.listen_address,
                                                 port)).start()

    def _accept(self, sock, port):
        while not self._stopped:
            try:
                client, _ = sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(
                    (self.target_address, port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b),
                                 daemon=True).start()

    def stop(self):
        self._stopped = True
        for sock in self._sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._sockets = []
        with self._lock:
            conns, self._conns = self._conns, set()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()
