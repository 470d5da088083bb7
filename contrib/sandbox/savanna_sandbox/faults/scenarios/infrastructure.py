"""Rows whose fault is in the infrastructure: servers that fail to boot
(one, several, the master, more than min_active allows), a node's
volume, attachment, port or floating IP failing, host keys printed late,
and one cluster with a different fault on each of eight nodes."""

import time

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates
from savanna_sandbox.faults.registry import scenario


def _partial_then_heal(run, workers, min_active, failing):
    """Create with ``failing`` worker indices failing to boot: expect
    PARTIALLY_ACTIVE with exactly those failed in phase boot; then an
    update with nothing changed rebuilds just those (new names),
    touching no other node or daemon."""
    names = ['%s-worker-%d' % (run.name, i) for i in failing]
    run.faults({'boot_failure': {'names': names}})
    st = run.create(templates.cluster_template(run.name, workers, min_active))
    res = run.resource()
    md = run.metadata()
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s %s' % (st.stack_status,
                                   res.resource_status_reason))
    active = workers - len(failing)
    summary = ('PARTIALLY_ACTIVE: worker %d/%d active (min %d); %d node%s '
               'to rebuild' % (active, workers, min_active, len(failing),
                               '' if len(failing) == 1 else 's'))
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % md.get('status'))
    run.check(md.get('summary') == summary and
              res.resource_status_reason == summary,
              'summary %r / reason %r' % (md.get('summary'),
                                          res.resource_status_reason))
    want = ['worker-%d' % i for i in failing]
    checks.check_failed_exactly(run, want, ('boot',))
    outs = run.outputs()
    run.check(outs.get('status') == 'PARTIALLY_ACTIVE' and
              len(outs.get('failed_nodes') or ()) == len(failing),
              'outputs %s' % outs)
    master_ip = outs.get('master_address')
    master_pid = simulator.daemon_pid(master_ip,
                                      'org.apache.spark.deploy.master'
                                      '.Master')
    worker_pids = {}
    for node, srv in run.servers().items():
        if srv['status'] == 'ACTIVE' and node.startswith('worker-'):
            worker_pids[node] = simulator.daemon_pid(
                srv['addresses'][0],
                'org.apache.spark.deploy.worker.Worker')
    run.require(master_pid is not None, 'no Spark master process found')
    # a pid not found is no pid kept: None == None would pass unseen
    run.require(None not in worker_pids.values(),
                'no Spark worker process found for %s'
                % sorted(n for n, pid in worker_pids.items() if pid is None))
    new_names = checks.heal_to_active(run, want)
    expected_new = ['worker-%d' % (workers + k)
                    for k in range(len(failing))]
    run.check(new_names == expected_new, 'new nodes %s' % new_names)
    run.check(simulator.daemon_pid(master_ip, 'org.apache.spark.deploy.master'
                                   '.Master') == master_pid,
              'Spark master restarted')
    restarted = [n for n, pid in worker_pids.items()
                 if simulator.daemon_pid(
                     run.servers()[n]['addresses'][0],
                     'org.apache.spark.deploy.worker.Worker')
                 != pid]
    run.check(not restarted, 'workers restarted: %s' % restarted)


HEALED = 'PARTIALLY_ACTIVE then healed to ACTIVE, only failed replaced'


@scenario('boot-1-of-10', 'fb1', HEALED, 'boot')
def boot_1_of_10(run):
    _partial_then_heal(run, 10, 9, [3])


@scenario('boot-3-of-10', 'fb3', HEALED, 'boot')
def boot_3_of_10(run):
    _partial_then_heal(run, 10, 7, [2, 5, 8])


@scenario('boot-master', 'fbm', 'CREATE_FAILED naming master-0', 'boot')
def boot_master(run):
    run.faults({'boot_failure': {'names': ['%s-master-0' % run.name]}})
    st = run.create(templates.cluster_template(run.name, 2, 1))
    reason = run.resource().resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('master-0' in reason and 'master' in reason,
              'reason does not name the master: %r' % reason)


@scenario('below-min-active-then-heal', 'fmin',
          'CREATE_FAILED naming group; healed in place to ACTIVE',
          'min-active', ci=True)
def too_many_failures(run):
    """2 of 4 workers fail with min_active 3: FAILED naming the group;
    then, fault fixed, an update heals in place (same nested stack)."""
    run.faults({'boot_failure': {'names': [
        '%s-worker-1' % run.name, '%s-worker-2' % run.name]}})
    st = run.create(templates.cluster_template(run.name, 4, 3))
    res = run.resource()
    reason = res.resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('group worker' in reason and 'min_active 3' in reason,
              'reason does not name the group: %r' % reason)
    checks.check_failed_exactly(run, ['worker-1', 'worker-2'], ('boot',))
    nested = res.physical_resource_id
    checks.heal_to_active(run, ['worker-1', 'worker-2'])
    run.check(run.resource().physical_resource_id == nested,
              'nested stack replaced (%s -> %s)'
              % (nested, run.resource().physical_resource_id))


# -- scenarios: one resource of a node fails ----------------------------------
def _resource_fault(run, kind, phase, fraction=0.25, seed=7, workers=8,
                    volumes=1, floating_ip=False):
    """A seeded fraction of the workers' ``kind`` resources fail: the
    cluster is PARTIALLY_ACTIVE with exactly those nodes failed in
    ``phase``, every other node ACTIVE with its volumes attached and
    mounted; a heal brings it back to ACTIVE."""
    hit = checks.victims(workers, fraction, seed)
    want = ['worker-%d' % i for i in hit]
    globs = {
        'volume_create': ['%s-worker-%d-volume-*' % (run.name, i)
                          for i in hit],
        'volume_attach': ['%s-worker-%d' % (run.name, i) for i in hit],
        'port_create': ['%s-worker-%d-port' % (run.name, i) for i in hit],
        'floating_ip_create': ['%s-worker-%d-port' % (run.name, i)
                               for i in hit],
    }[kind]
    run.faults({'resource_failure': {kind: {'names': globs}}})
    min_active = workers - len(hit)
    st = run.create(templates.cluster_template(run.name, workers, min_active,
                                               volumes=volumes,
                                               floating_ip=floating_ip))
    fired = simulator.admin('GET', '/faults').get('fired', {})
    run.check(fired.get('resource_failure.%s' % kind, 0) >= len(hit),
              'the %s fault fired %s times' % (kind, fired))
    checks.require_partially_active(run, st)
    failed = checks.check_failed_exactly(run, want, (phase,))
    checks.check_others_active(run, failed, volumes)
    new = checks.heal_to_active(run, want)
    run.check(len(new) == len(want), 'rebuilt %s' % new)
    checks.check_others_active(run, {}, volumes)


RESOURCE_HEALED = ('PARTIALLY_ACTIVE with exactly the hit nodes failed, '
                   'the others ACTIVE with volumes; healed to ACTIVE')


@scenario('volume-create-fails', 'fvol', RESOURCE_HEALED, 'volume')
def volume_create_fails(run):
    _resource_fault(run, 'volume_create', 'volume')


@scenario('volume-attach-fails', 'fatt', RESOURCE_HEALED,
          'volume-attach')
def volume_attach_fails(run):
    _resource_fault(run, 'volume_attach', 'volume-attach', seed=3)


@scenario('port-create-fails', 'fport', RESOURCE_HEALED, 'network')
def port_create_fails(run):
    _resource_fault(run, 'port_create', 'network', seed=5, workers=4)


@scenario('floating-ip-fails', 'ffip', RESOURCE_HEALED, 'floating-ip')
def floating_ip_fails(run):
    _resource_fault(run, 'floating_ip_create', 'floating-ip', seed=11,
                    workers=4, volumes=0, floating_ip=True)


@scenario('host-keys-late', 'fkey', 'ACTIVE: late host keys awaited, no '
          'node failed', 'host-key')
def host_keys_late(run):
    """cloud-init prints two workers' keys 20 s after they are ACTIVE:
    their node sets wait for them (no host-key failure)."""
    hit = checks.victims(4, 0.5, 13)
    run.faults({'host_keys_late': {
        'names': ['%s-worker-%d' % (run.name, i) for i in hit],
        'delay': 20}})
    t0 = time.time()
    st = run.create(templates.cluster_template(run.name, 4))
    took = time.time() - t0
    run.note('create %.0fs' % took)
    checks.require_created(run, st)
    md = run.metadata()
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    run.check(took >= 20, 'create took %.0fs: the late keys were not '
              'waited for' % took)
    checks.check_others_active(run, {})


@scenario('one-fault-per-node', 'fmix',
          'PARTIALLY_ACTIVE, each hit node failed in its own phase, member '
          'lists without them; healed to ACTIVE', 'per-node', ci=True,
          covers=('boot', 'volume', 'volume-attach', 'network',
                  'floating-ip', 'host-key', 'ssh', 'service'))
def one_fault_per_node(run):
    """One cluster, a different fault on each of eight of its ten
    workers (each with a volume and a floating IP): a boot failure, a
    volume create (Cinder 500), a volume attach (Nova 500), a port create
    (Neutron 409 quota), a floating IP (pool exhausted), SSH refused, a
    service that cannot start, and host keys printed late. Every hit node
    fails alone, in its own phase; the late keys are waited for; the two
    others and the master are ACTIVE with their volumes; the survivors'
    member lists leave the failed out; one update heals it all.

    With node sets of up to 5 (the default), worker-0 shares its set with
    the four resource faults (its resources left unfinished by theirs must
    be finished, and it then fails only at SSH) and worker-5's boot
    failure shares a set with four nodes that must not fail for it."""
    n = run.name
    faults = {
        'boot_failure': {'names': ['%s-worker-5' % n]},
        'resource_failure': {
            'volume_create': {'names': ['%s-worker-1-volume-*' % n]},
            'volume_attach': {'names': ['%s-worker-2' % n]},
            'port_create': {'names': ['%s-worker-3-port' % n]},
            'floating_ip_create': {'names': ['%s-worker-4-port' % n]}},
        'ssh_refuse': ['%s-worker-0' % n],
        'service_fail': ['%s-worker-9' % n],
        'host_keys_late': {'names': ['%s-worker-6' % n], 'delay': 15},
    }
    want = {'worker-5': ('boot',), 'worker-1': ('volume',),
            'worker-2': ('volume-attach',), 'worker-3': ('network',),
            'worker-4': ('floating-ip',),
            'worker-0': ('check Spark image',),
            'worker-9': ('start Spark workers', 'wait for Spark workers')}
    run.faults(faults)
    st = run.create(templates.cluster_template(n, 10, 2, volumes=1,
                                               floating_ip=True))
    fired = simulator.admin('GET', '/faults').get('fired', {})
    run.check(all(fired.get('resource_failure.' + k) for k in faults[
        'resource_failure']) and fired.get('boot_failure'),
              'faults fired: %s' % fired)
    checks.require_partially_active(run, st)
    failed = checks.check_failed_exactly(run, want)
    checks.check_others_active(run, failed, volumes=1)
    srv = run.servers()
    master = srv['master-0']
    workers_file = simulator.host_file(master, 'etc-spark', 'conf',
                                       'workers') or ''
    hosts = simulator.host_file(master, 'hosts') or ''
    listed = set(workers_file.split())
    named = sorted(w for w in want
                   if ' %s\n' % w in hosts or
                   set(srv.get(w, {}).get('addresses') or ()) & listed)
    run.check(not named, 'member lists of master-0 name failed %s' % named)
    run.check(listed == {srv[w]['addresses'][0]
                         for w in ('worker-6', 'worker-7', 'worker-8')},
              'workers file %r' % workers_file)
    new = checks.heal_to_active(run, list(want))
    run.check(len(new) == len(want), 'rebuilt %s' % new)
    checks.check_others_active(run, {}, volumes=1)
