"""The running sandbox as the rows see it: the simulator's admin API (its
faults, inventory and servers) and the simulated hosts' processes and
files, which are this machine's."""

import json
import os
import urllib.request

ADMIN_URL = os.environ.get('SAVANNA_SANDBOX_ADMIN_URL',
                           'http://127.0.0.1:8799')


def admin(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(ADMIN_URL + path, data=data, method=method,
                                 headers={'Content-Type':
                                          'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def inventory_ids():
    """``{(kind, id): name}`` of every live simulated resource."""
    live = admin('GET', '/inventory').get('live', {})
    return {(kind, item['id']): item.get('name') or ''
            for kind, items in live.items() for item in items}


def servers(prefix):
    """``{node name: admin server record}`` of the cluster ``prefix``."""
    out = {}
    for srv in admin('GET', '/servers')['servers']:
        if srv['name'].startswith(prefix + '-'):
            out[srv['name'][len(prefix) + 1:]] = srv
    return out


def daemon_pid(address, cls):
    """Pid of the Spark daemon ``cls`` bound to ``address``, or None.

    Every simulated host's processes are this machine's processes, so a
    restart shows as a new pid."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        args = [a.decode(errors='replace') for a in argv]
        if cls in args and '--host' in args:
            i = args.index('--host')
            if i + 1 < len(args) and args[i + 1] == address:
                return int(entry)
    return None


def host_file(server, *parts):
    """A file of a simulated host's own filesystem view, or None."""
    from savanna_sandbox.cloud import compute
    from savanna_sandbox import paths
    path = os.path.join(compute.host_workdir(
        os.path.join(paths.state_dir(), 'cloud'), server['id']), 'fs',
        *parts)
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None
