"""Rows whose fault is in the control plane: API errors on Nova's polls,
placement the scheduler cannot or can only softly honour, heat-engine
killed mid-create, create answers that never reach Heat."""

import io
import os
import signal
import time

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates
from savanna_sandbox.faults.registry import scenario


@scenario('api-500-503-server-polls', 'fapi',
          'CREATE_COMPLETE ACTIVE despite injected API errors', 'api',
          ci=True)
def api_errors(run):
    """A third of Nova's polls of a building server (4 s to boot) answer
    500 or 503.

    Scoped to what Heat 27 itself promises to survive: its Nova client
    plugin's fetch_server() tolerates OverLimit, 500 and 503 while polling a
    server that is being built (heat/engine/clients/os/nova.py); not 429:
    novaclient raises RateLimit for it, which is no OverLimit (413), so a
    429 on a poll fails the server in Heat 27. Heat does
    not retry such errors in its validation-time lookups (image, flavor,
    network constraints), in the other resources' create calls, or in the
    server's own calls once it is ACTIVE (store_external_ports reads the
    server and its interfaces), so injecting there makes Heat refuse or
    fail the stack before our resource runs: a Heat limitation, measured
    and recorded in the docs, not hidden. Hence only GETs of a server
    still in BUILD fail.
    """
    doc = {'boot_latency': 4, 'api_errors': {'compute': {
        'rate': 0.33, 'codes': [500, 503], 'seed': 11,
        'methods': ['GET'], 'paths': ['/v2.1/servers/{id}'],
        'building_only': True}}}
    run.faults(doc)
    simulator.admin('POST', '/stats/reset')
    st = run.create(templates.cluster_template(run.name, 3))
    stats = simulator.admin('GET', '/stats')
    fired = simulator.admin('GET', '/faults').get('fired', {})
    run.note('%d API requests, %d errors injected'
             % (stats.get('total', 0), fired.get('api_errors.compute', 0)))
    run.check(fired.get('api_errors.compute', 0) > 0,
              'no API error was injected')
    md = run.metadata()
    checks.require_created(run, st)
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))


# -- scenarios: placement -----------------------------------------------------
@scenario('hard-anti-affinity', 'faah',
          'CREATE_FAILED naming the server group', 'placement')
def hard_anti_affinity(run):
    hvs = len(simulator.admin('GET', '/hypervisors')['hypervisors'])
    st = run.create(templates.cluster_template(run.name, hvs + 1,
                                               anti_affinity=['worker']))
    reason = run.resource().resource_status_reason or ''
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s' % st.stack_status)
    run.check('server group' in reason and run.name in reason,
              'reason does not name the server group: %r' % reason[:300])


@scenario('soft-anti-affinity', 'faas',
          'CREATE_COMPLETE ACTIVE, workers spread, two share a host',
          'placement', ci=True)
def soft_anti_affinity(run):
    hvs = len(simulator.admin('GET', '/hypervisors')['hypervisors'])
    st = run.create(templates.cluster_template(run.name, hvs + 1,
                                               anti_affinity=['worker'],
                                               policy='soft-anti-affinity'))
    md = run.metadata()
    checks.require_created(run, st)
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    hosts = [s['hypervisor'] for n, s in run.servers().items()
             if n.startswith('worker-')]
    run.check(len(set(hosts)) == hvs and len(hosts) == hvs + 1,
              'workers on hosts %s (%d hypervisors)' % (hosts, hvs))


# -- scenarios: the engine ----------------------------------------------------
@scenario('engine-killed', 'fkill',
          'left IN_PROGRESS by Heat; update --existing brought it to ACTIVE',
          'engine', ci=True)
def engine_killed(run):
    """SIGKILL heat-engine while the cluster is booting, restart it.

    Heat's convergence engine does not reset the stacks of a dead engine
    (only legacy stacks are reset at start-up, heat/engine/service.py
    reset_stack_status): the stack stays IN_PROGRESS. The operator's way
    out is ``stack update --existing``: the new traversal takes the dead
    engine's locks and the cluster resource finishes the work (it
    configures the nodes never configured). Delete leaves nothing."""
    plat = run.platform
    run.faults({'boot_latency': 4})
    resp = run.heat.stacks.create(
        stack_name=run.name, template=templates.cluster_template(run.name, 3),
        disable_rollback=True, timeout_mins=15)
    run.stack_id = resp['stack']['id']
    deadline = time.time() + 60
    while time.time() < deadline:
        if run.servers():
            break
        time.sleep(0.5)
    rec = plat.supervisor.record('heat-engine')
    run.require(rec is not None, 'no heat-engine record')
    os.killpg(rec['pid'], signal.SIGKILL)
    time.sleep(2)
    run.reset_faults()
    plat.out = io.StringIO()
    run.require(plat.up() == 0, 'heat-engine restart failed')
    time.sleep(20)
    status = run.heat.stacks.get(run.stack_id).stack_status
    run.note('20 s after the restart: %s' % status)
    # exactly IN_PROGRESS: the create's 15 minutes have not passed and
    # convergence resets nothing, so FAILED would mean something else
    # ended it (a bug, not this fault)
    run.check(status == 'CREATE_IN_PROGRESS', 'after restart: %s' % status)
    st = run.update()
    md = run.metadata()
    checks.require_stack(run, st, 'UPDATE_COMPLETE', 'update after restart')
    run.check(md.get('status') == 'ACTIVE',
              'after update %s' % md.get('summary'))
    run.check(len([s for s in run.servers().values()
                   if s['status'] == 'ACTIVE']) == 4,
              'servers %s' % sorted(run.servers()))


# -- scenarios: answers lost --------------------------------------------------
def _lose_answers(run, workers):
    """worker-1's server, worker-2's first volume and worker-3's port are
    made, but the API answers 504: Heat never learns their ids (as when a
    heat-engine dies between its request and storing the answer). Create;
    the nodes fail (boot, volume, network), the cluster is
    PARTIALLY_ACTIVE, and the stray server, volume and port exist in the
    cloud (the port keeps the cluster's security group in use)."""
    server = '%s-worker-1' % run.name
    volume = '%s-worker-2-volume-0' % run.name
    port = '%s-worker-3-port' % run.name
    run.faults({'resource_failure': {
        'server_create_lost': {'names': [server]},
        'volume_create_lost': {'names': [volume]},
        'port_create_lost': {'names': [port]}}})
    st = run.create(templates.cluster_template(run.name, workers, 1,
                                               volumes=1))
    fired = simulator.admin('GET', '/faults').get('fired', {})
    run.check(all(fired.get('resource_failure.%s_create_lost' % kind) == 1
                  for kind in ('server', 'volume', 'port')),
              'the lost-answer faults fired %s' % fired)
    checks.require_partially_active(run, st)
    checks.check_failed_exactly(run, {'worker-1': ('boot',),
                                      'worker-2': ('volume',),
                                      'worker-3': ('network',)})
    strays = {server, volume, port}
    live = set(simulator.inventory_ids().values())
    run.check(strays <= live, 'the strays were not made: %s' % sorted(
        n for n in live if n.startswith(run.name)))
    return strays


@scenario('create-answers-lost', 'flost',
          'PARTIALLY_ACTIVE; the heal deletes the server, volume and port '
          'Heat never learned of, then rebuilds', 'lost-answer', ci=True)
def create_answers_lost(run):
    """Without the sweep the stray server (a running host on worker-1's
    address), volume and port outlive the heal and the stack, unknown to
    Heat, and the port fails the delete of the cluster's security group.
    (A stray that holds the port of a node rebuilt in place, as after a
    heat-engine killed mid-create, would fail the heal: "Port ... is
    still in use"; the engine-killed row meets that one.)"""
    strays = _lose_answers(run, 4)
    new = checks.heal_to_active(run, ['worker-1', 'worker-2', 'worker-3'])
    run.check(new == ['worker-4', 'worker-5', 'worker-6'],
              'rebuilt %s' % new)
    live = set(simulator.inventory_ids().values())
    run.check(not strays & live, 'strays left after the heal: %s'
              % sorted(strays & live))


@scenario('create-answers-lost-delete', 'flostd',
          'PARTIALLY_ACTIVE; delete leaves nothing, the strays included',
          'lost-answer', ci=True)
def create_answers_lost_delete(run):
    """Delete right after: the node sets delete what carries their marks
    once their child stacks are gone (the leak check after every row
    proves it; a stray port would also fail the security group's
    delete)."""
    _lose_answers(run, 4)
