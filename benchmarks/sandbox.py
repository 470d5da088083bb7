"""Driving the shared sandbox: one fresh sandbox per lock hold, Heat
(python-heatclient) to create, update and delete stacks, Heat's database
to watch them, the simulator's admin API (faults, stats, servers).

Watching is the same for both sides of every ratio: the stack rows of
Heat's database, read every ``POLL`` seconds over one connection. It
costs heat-engine and heat-api nothing (an API poll of a big nested stack
would be charged to the side that has one) and MariaDB the same small
query on both sides. Heat's event times have one-second resolution, too
coarse for ratios of 20-60 s runs, so phases are timed by this polling.
"""

import contextlib
import json
import os
import time
import urllib.request

ADMIN = 'http://127.0.0.1:8799'
POLL = 0.5

#: environment variables the sandbox reads when it writes heat.conf
#: (savanna_sandbox.services.heat)
ENGINE_WORKERS_ENV = 'HEAT_SAVANNA_SANDBOX_ENGINE_WORKERS'
NODE_SET_SIZE_ENV = 'HEAT_SAVANNA_SANDBOX_NODE_SET_SIZE'
CONCURRENT_SETS_ENV = 'HEAT_SAVANNA_SANDBOX_MAX_CONCURRENT_NODE_SETS'


class BenchError(Exception):
    pass


# -- the sandbox itself -------------------------------------------------------
def _platform(out=None):
    from savanna_sandbox.services import platform
    return platform.Platform(out=out)


def settings_env(engine_workers=None, node_set_size=None,
                 max_concurrent_node_sets=None):
    """The environment of a sandbox run with these settings (None: the
    sandbox's default)."""
    env = {ENGINE_WORKERS_ENV: '', NODE_SET_SIZE_ENV: '',
           CONCURRENT_SETS_ENV: ''}
    if engine_workers:
        env[ENGINE_WORKERS_ENV] = str(int(engine_workers))
    if node_set_size:
        env[NODE_SET_SIZE_ENV] = str(int(node_set_size))
    if max_concurrent_node_sets is not None:
        env[CONCURRENT_SETS_ENV] = str(int(max_concurrent_node_sets))
    return env


class _LogStream(object):
    """A file-like object writing the sandbox's own lines to ``log``."""

    def __init__(self, log):
        self.log = log

    def write(self, text):
        for line in text.rstrip('\n').splitlines():
            if line.strip():
                self.log('    ' + line)

    def flush(self):
        pass


def apply_settings(settings):
    os.environ.update(settings_env(**settings))


@contextlib.contextmanager
def fresh(settings, log):
    """A sandbox started for this hold with ``settings`` (engine_workers,
    node_set_size, max_concurrent_node_sets), taken down again afterwards,
    whatever happens.

    The caller holds the sandbox lock. Another session's sandbox may have
    been left behind: it is taken down first, so the hold starts clean.
    """
    apply_settings(settings)
    plat = _platform(_LogStream(log))
    plat.down()
    t0 = time.monotonic()
    try:
        if plat.up() != 0:
            raise BenchError('sandbox up failed (see the lines above)')
        log('  sandbox up in %.0fs with %s' % (time.monotonic() - t0,
                                               settings or 'defaults'))
        yield plat
    finally:
        plat.down()


def restart_engine(settings, log):
    """heat-engine again with other ``settings`` (the other parts keep
    running): stop it, then bring the sandbox up, which starts only it."""
    apply_settings(settings)
    plat = _platform(_LogStream(log))
    plat.supervisor.stop('heat-engine')
    if plat.up() != 0:
        raise BenchError('heat-engine did not come back with %s'
                         % settings)


def run_dir():
    from savanna_sandbox import paths
    return paths.Layout().run


def heat_client(user='demo'):
    return _platform().heat_client(user)


# -- the simulator's admin API ------------------------------------------------
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


def server_ids(prefix):
    """``{server name: id}`` of the live simulated servers whose name
    starts with ``prefix``."""
    return {s['name']: s['id'] for s in admin('GET', '/servers')['servers']
            if str(s.get('name') or '').startswith(prefix) and
            s.get('status') != 'DELETED'}


def leftovers(prefix):
    """Live simulator resources whose name starts with ``prefix`` (the
    benchmark's stack names; a tuple: any of them), kind -> count; {}
    when nothing leaked."""
    live = admin('GET', '/inventory').get('live', {})
    found = {}
    for kind, items in live.items():
        n = sum(1 for i in items if str(i.get('name') or '').startswith(
            prefix))
        if n:
            found[kind] = n
    return found


# -- Heat's database ----------------------------------------------------------
class HeatDB(object):
    """One connection to Heat's database, for reading stack and resource
    rows (autocommit, so every read sees the engine's latest writes)."""

    def __init__(self):
        import pymysql
        from savanna_sandbox import paths
        secrets = _platform().secrets
        self.conn = pymysql.connect(
            host=paths.HOST, port=paths.PORTS['mariadb'], user='heat',
            password=secrets['db_heat'], database='heat', autocommit=True,
            connect_timeout=10)

    def close(self):
        self.conn.close()

    def query(self, sql, args=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def stack(self, stack_id):
        """``(action, status, status_reason)`` of a stack, or None."""
        rows = self.query('SELECT action, status, status_reason FROM stack '
                          'WHERE id = %s AND deleted_at IS NULL', (stack_id,))
        return tuple(rows[0]) if rows else None

    def children(self, stack_id):
        """Ids of the live stacks whose owner is ``stack_id``."""
        return [r[0] for r in self.query(
            'SELECT id FROM stack WHERE owner_id = %s AND deleted_at IS NULL',
            (stack_id,))]

    def status_counts(self, root_id):
        """``{"depth N ACTION STATUS": count}`` of the resources under the
        top-level stack ``root_id`` (nested stack resources included):
        what a create that did not finish was doing."""
        rows = self.query(
            'SELECT s.nested_depth, r.action, r.status, COUNT(*) FROM '
            'resource r JOIN stack s ON r.stack_id = s.id WHERE '
            'r.root_stack_id = %s GROUP BY 1, 2, 3', (root_id,))
        return {'depth %s %s %s' % (d, a, st): n for d, a, st, n in rows}

    def tree_rows(self, root_id):
        """Every resource row under the top-level stack ``root_id``:
        ``{row id: Row}`` (see :func:`touched`)."""
        rows = self.query(
            'SELECT r.id, r.name, r.stack_id, s.nested_depth, '
            'r.updated_at, r.current_template_id, r.atomic_key, '
            'r.nova_instance FROM resource r JOIN stack s '
            'ON r.stack_id = s.id WHERE r.root_stack_id = %s', (root_id,))
        return {r[0]: dict(name=r[1], stack_id=r[2], depth=r[3],
                           updated_at=str(r[4]), template=r[5],
                           atomic_key=r[6], physical_id=r[7])
                for r in rows}

    def wait(self, stack_id, action, timeout=1800, progress=None):
        """Poll until the stack is ``action`` COMPLETE; the monotonic time
        it was seen. Raises BenchError on FAILED or timeout."""
        deadline = time.monotonic() + timeout
        while True:
            row = self.stack(stack_id)
            seen = time.monotonic()
            if row is not None and row[0] == action:
                if row[1] == 'COMPLETE':
                    return seen
                if row[1] == 'FAILED':
                    raise BenchError('stack %s %s FAILED: %s'
                                     % (stack_id, action, row[2]))
            if seen > deadline:
                raise BenchError('stack %s still %s after %ds'
                                 % (stack_id, row, timeout))
            if progress:
                progress(row)
            time.sleep(POLL)

    def wait_child(self, stack_id, timeout=600):
        """The id of the nested stack of ``stack_id``'s only nested
        resource, once Heat has stored it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.children(stack_id)
            if found:
                return found[0]
            time.sleep(POLL)
        raise BenchError('stack %s has no nested stack after %ds'
                         % (stack_id, timeout))


def touched(before, after, min_depth):
    """Rows of ``before`` at nested depth >= ``min_depth`` that an update
    changed (stored again: updated_at, current template or atomic key) or
    removed, and rows whose physical resource changed (replaced)."""
    changed, replaced = [], []
    for rid, row in before.items():
        if row['depth'] < min_depth:
            continue
        new = after.get(rid)
        if new is None or any(new[k] != row[k] for k in (
                'updated_at', 'template', 'atomic_key')):
            changed.append(row['name'])
        if new is None or new['physical_id'] != row['physical_id']:
            replaced.append(row['name'])
    return sorted(changed), sorted(replaced)


def delete_stack(heat, name, timeout=1800):
    """Delete and wait until gone (a delete that fails is retried once)."""
    for _attempt in range(2):
        try:
            heat.stacks.delete(name)
        except Exception:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                st = heat.stacks.get(name, resolve_outputs=False)
            except Exception:
                return      # gone
            if st.stack_status == 'DELETE_COMPLETE':
                from savanna_sandbox import demo
                try:
                    demo.wait_unlisted(heat, st.id, timeout=120)
                except TimeoutError as exc:
                    raise BenchError(str(exc))
                return
            if st.stack_status == 'DELETE_FAILED':
                break
            time.sleep(1)
    raise BenchError('stack %s could not be deleted' % name)
