"""The checks rows share: what a created, partially active, failed or
healed cluster must look like, recorded on the row's run."""

import time

from savanna_sandbox.faults import templates


def _idx(name):
    return int(name.rsplit('-', 1)[1])


def victims(workers, fraction, seed):
    """The worker indices a fault hits: a seeded sample of ``fraction``
    of the workers (at least one)."""
    import random
    k = max(1, int(round(workers * fraction)))
    return sorted(random.Random(seed).sample(range(workers), k))


def require_stack(run, st, status, what):
    """The stack ``st`` is ``status``; else the row stops there: ``what``,
    the stack's status and the resource's reason."""
    run.require(st.stack_status == status,
                '%s: %s %s' % (what, st.stack_status,
                               run.resource().resource_status_reason))


def require_created(run, st):
    """The create completed; else the row stops there."""
    require_stack(run, st, 'CREATE_COMPLETE', 'create')


def require_partially_active(run, st):
    """The create completed and the cluster is PARTIALLY_ACTIVE."""
    require_created(run, st)
    run.check(run.metadata().get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % run.metadata().get('summary'))


def check_failed_exactly(run, want, phases=()):
    """failed_nodes names exactly ``want``, each failed with a reason in
    one of ``phases``; or, ``want`` a mapping, each node in one of its
    own phases (``{node: phases}``)."""
    if not isinstance(want, dict):
        want = dict.fromkeys(want, tuple(phases))
    failed = {f['name']: f for f in run.metadata().get('failed_nodes') or ()}
    run.check(set(failed) == set(want),
              'failed_nodes %s, expected %s' % (sorted(failed),
                                                sorted(want)))
    wrong = {n: f['phase'] for n, f in failed.items()
             if f['phase'] not in want.get(n, ()) or not f['reason']}
    run.check(not wrong, 'failed in phase(s) %s, expected %s'
              % (wrong, {n: '/'.join(p) for n, p in sorted(want.items())
                         if n in wrong}))
    run.note('failed: %s' % ', '.join(
        '%s=%s' % (n, f['phase']) for n, f in sorted(failed.items())))
    return failed


def check_others_active(run, failed, volumes=0):
    """Every node not in ``failed`` is ACTIVE, its server up, its volumes
    attached and its /volumes mounts there."""
    res = run.heat.resources.get(run.stack_id, templates.RESOURCE,
                                 with_attr=['nodes'])
    nodes = {n['name']: n for n in res.attributes['nodes']}
    bad = sorted('%s (%s %s: %s)' % (n, rec['state'], rec.get('phase'),
                                     (rec.get('reason') or '')[:200])
                 for n, rec in nodes.items()
                 if n not in failed and rec['state'] != 'ACTIVE')
    run.check(not bad, 'nodes not ACTIVE: %s' % bad)
    srv = run.servers()
    for name, rec in nodes.items():
        if name in failed or not name.startswith('worker-') or not volumes:
            continue
        server = srv.get(name) or {}
        attached = [v for v in server.get('volumes', ())
                    if v['status'] == 'in-use']
        run.check(len(attached) == volumes,
                  '%s has %d volumes in use' % (name, len(attached)))
        run.check(server.get('mounts') == ['disk%d' % k for k in
                                           range(1, volumes + 1)],
                  '%s mounts %s' % (name, server.get('mounts')))
    return nodes


def heal_to_active(run, failed):
    """``stack update --existing``: ACTIVE again, the failed nodes gone,
    every other server kept, new nodes under new names."""
    before = {n: s['id'] for n, s in run.servers().items()
              if n not in failed and s['status'] == 'ACTIVE'}
    run.reset_faults()
    t0 = time.time()
    st = run.update()
    run.note('heal %.0fs' % (time.time() - t0))
    md = run.metadata()
    require_stack(run, st, 'UPDATE_COMPLETE', 'heal')
    run.check(md.get('status') == 'ACTIVE',
              'after heal %s' % md.get('summary'))
    after = {n: s['id'] for n, s in run.servers().items()}
    run.check(all(after.get(n) == i for n, i in before.items()),
              'healthy servers replaced: %s' % sorted(
                  n for n, i in before.items() if after.get(n) != i))
    still = sorted(set(failed) & set(after))
    run.check(not still, 'failed nodes still there: %s' % still)
    return sorted(set(after) - set(before), key=_idx)
