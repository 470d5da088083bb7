"""Small helpers shared by the simulator tests."""

import io
import json
import time
import urllib.request

import paramiko


def wait_for(predicate, timeout=20, interval=0.05, what='condition'):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError('timed out waiting for %s' % what)


def wait_status(nova, server_id, statuses=('ACTIVE', 'ERROR'), timeout=30):
    def check():
        server = nova.servers.get(server_id)
        return server if server.status in statuses else None
    return wait_for(check, timeout, what='server %s in %s' % (server_id,
                                                              statuses))


def wait_gone(get, timeout=20):
    def check():
        try:
            get()
        except Exception as exc:
            if getattr(exc, 'code', None) == 404 or \
                    getattr(exc, 'status_code', None) == 404 or \
                    type(exc).__name__ in ('NotFound', 'HTTPNotFound'):
                return True
            raise
        return False
    wait_for(check, timeout, what='deletion')


def new_key():
    """A fresh ECDSA key (private object, OpenSSH public line)."""
    key = paramiko.ECDSAKey.generate()
    return key, '%s %s' % (key.get_name(), key.get_base64())


def keypair(nova, name):
    """A module's keypair ``name`` in the simulator, from a fresh key: yields
    the private key, then deletes the keypair (``yield from`` it in a
    fixture)."""
    private, public = new_key()
    nova.keypairs.create(name, public_key=public)
    yield private
    nova.keypairs.delete(name)


def ssh_run(address, key, command, user='root', timeout=10):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(address, username=user, pkey=key, timeout=timeout,
                   allow_agent=False, look_for_keys=False)
    try:
        _, stdout, _ = client.exec_command(command, timeout=timeout)
        return stdout.read().decode().strip()
    finally:
        client.close()


def admin(sim, method, path, body=None):
    url = sim.urls()['admin'] + path
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={'Content-Type':
                                          'application/json'})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b'{}')


def private_key_text(key):
    buf = io.StringIO()
    key.write_private_key(buf)
    return buf.getvalue()


def assert_nothing_left(sim):
    """What a module made in ``sim`` is gone (its keypairs aside)."""
    assert sim.wait_idle()
    wait_for(lambda: not [
        v for k, v in admin(sim, 'GET', '/inventory')[
            'live'].items() if v and k != 'keypairs'], what='empty')


def call(app, method, path, body=None, headers=None):
    """One request to a simulated service's app, in process (no listener):
    ``(status, JSON body or None, response headers)``."""
    import webob
    req = webob.Request.blank(path, method=method, headers=headers or {})
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = 'application/json'
    resp = req.get_response(app)
    data = None
    if resp.content_type == 'application/json' and resp.body:
        data = json.loads(resp.body)
    return resp.status_int, data, resp.headers


def add_server(sim, name, status='ACTIVE', **fields):
    """A server record as the compute API keeps it, put straight into the
    store: no boot, no host (for the areas that only read or change it)."""
    store = sim.store
    rec = {'id': store.new_id(), 'name': name, 'seq': store.next_seq(),
           'project_id': sim.conf['noauth_project_id'],
           'user_id': 'sandbox-user', 'flavor_id': '1',
           'image_id': store.find('images')[0]['id'], 'key_name': None,
           'metadata': {}, 'user_data': None, 'description': None,
           'tags': [], 'security_group_names': ['default'],
           'availability_zone': sim.conf['availability_zone'],
           'status': status, 'vm_state': status.lower(), 'task_state': None,
           'power_state': 1, 'created': 'then', 'updated': 'then',
           'host': None, 'fault': None, 'group_id': None, '_port_ids': [],
           '_nova_ports': [], '_public_key': None, '_image': None,
           '_addresses': []}
    rec.update(fields)
    return store.add('servers', rec)
