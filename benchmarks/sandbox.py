"""Driving the shared sandbox: Heat (python-heatclient), the simulator's
admin API (faults, stats, inventory) and waits timed on the client's
monotonic clock.

Heat stores event times with one-second resolution, too coarse for
20-60 s runs compared as ratios, so phases are timed by polling (every
``POLL`` seconds) instead; both sides of a ratio are timed the same way.
"""

import json
import time
import urllib.request

ADMIN = 'http://127.0.0.1:8799'
POLL = 0.5


class BenchError(Exception):
    pass


def admin(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(ADMIN + path, data=data, method=method,
                                 headers={'Content-Type':
                                          'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b'{}')


def set_faults(doc):
    return admin('POST', '/faults', doc)


def reset_faults():
    return admin('POST', '/reset', {})


def reset_stats():
    return admin('POST', '/stats/reset', {})


def stats_total():
    """Nova/Cinder/Neutron/Glance requests counted since the last reset."""
    return admin('GET', '/stats')


def heat_client(user='demo'):
    from savanna_sandbox.services import platform
    return platform.Platform().heat_client(user)


def run_dir():
    from savanna_sandbox import paths
    return paths.Layout().run


def stack_status(heat, ident):
    st = heat.stacks.get(ident, resolve_outputs=False)
    return st.stack_status, st.stack_status_reason


def wait_stack(heat, ident, want, timeout=1800, progress=None):
    """Poll until ``ident`` is ``want`` (e.g. CREATE_COMPLETE); return the
    monotonic time it was seen. Raises BenchError on *_FAILED."""
    deadline = time.monotonic() + timeout
    while True:
        status, reason = stack_status(heat, ident)
        seen = time.monotonic()
        if status == want:
            return seen
        if status.endswith('FAILED'):
            raise BenchError('%s %s: %s' % (ident, status, reason))
        if seen > deadline:
            raise BenchError('%s still %s after %ds' % (ident, status,
                                                        timeout))
        if progress:
            progress(status)
        time.sleep(POLL)


def nested_id(heat, stack, resource, timeout=300):
    """The nested stack id of ``resource`` once Heat has created it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            phys = heat.resources.get(stack, resource).physical_resource_id
        except Exception:   # not created yet
            phys = None
        if phys:
            return phys
        time.sleep(POLL)
    raise BenchError('%s/%s has no nested stack after %ds'
                     % (stack, resource, timeout))


def servers(heat, ident):
    """``{resource_name: server_id}`` of a (nested) stack's servers."""
    return {r.resource_name: r.physical_resource_id
            for r in heat.resources.list(ident)
            if r.resource_type == 'OS::Nova::Server'}


def delete_stack(heat, name, timeout=1800):
    """Delete and wait until gone (a delete that fails is retried once)."""
    for attempt in range(2):
        try:
            heat.stacks.delete(name)
        except Exception:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, reason = stack_status(heat, name)
            except Exception:
                return      # gone
            if status == 'DELETE_COMPLETE':
                return
            if status == 'DELETE_FAILED':
                break
            time.sleep(1)
    raise BenchError('stack %s could not be deleted' % name)


def leftovers(prefix):
    """Live simulator resources whose name starts with ``prefix`` (the
    benchmark's stack names), kind -> count; {} when nothing leaked."""
    live = admin('GET', '/inventory').get('live', {})
    found = {}
    for kind, items in live.items():
        n = sum(1 for i in items if str(i.get('name') or '').startswith(
            prefix))
        if n:
            found[kind] = n
    return found
