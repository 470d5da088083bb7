"""The Heat agent transport through the real Heat engine: nodes configured
by their own agents, the engine never connecting to one.

One cluster for the module (a master and 3 workers, ``transport:
heat-agent`` on the ``spark-4.3-agent`` image, whose servers run Heat's
agent and no sshd at all). One worker's Spark cannot start (the
simulator's ``service_fail`` fault): its deployment fails, the cluster is
PARTIALLY_ACTIVE with that worker failed in the step it failed in, then a
stack update heals it. An OS::Savanna::Job runs Pi on the master through
the master's agent (and again on a signal), the cluster scales up and
down, passes a stack check, is suspended and resumed, takes a
configuration change in place, gets its master rebuilt with the workers
re-pointed, and the delete leaves nothing behind.

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_agent_transport.py
"""

import calendar
import json
import os
import socket
import sys
import time
import urllib.request

import pytest

from savanna_sandbox import demo
from savanna_sandbox import faults
from savanna_sandbox.faults import simulator

pytestmark = [pytest.mark.functional, pytest.mark.slow]

STACK = 'ft-agent'
JOB = 'pi'
EXAMPLE_STACK = 'ft-agent-example'
EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'contrib', 'templates', 'spark-agent.yaml')
RESOURCE = faults.RESOURCE
BROKEN = '%s-worker-2' % STACK
#: the configuration change of the in-place test, kept by the tests after
CONFIGS = {'spark-env': {'SPARK_WORKER_MEMORY': '448m'}}
WATCHDOG_LOG = ('var-log-heat-savanna', 'watchdog.log')
BOOTSTRAP = [{'name': 'mark', 'script': '#!/bin/sh\nhostname > ran\n'}]
BOOTSTRAP_MARK = ('var-lib-heat-savanna', 'bootstrap', 'ran')


def template(workers, configs=None, auto_heal=None):
    tpl = faults.cluster_template(STACK, workers, min_active=2,
                                  transport='heat-agent', configs=configs)
    # every node built runs the cluster's bootstrap script first, through
    # its agent (the mark says on which node it ran)
    tpl['resources'][RESOURCE]['properties']['bootstrap'] = BOOTSTRAP
    if auto_heal is not None:
        tpl['resources'][RESOURCE]['properties']['auto_heal'] = auto_heal
    return tpl


def wait(heat, stack, timeout=600):
    return demo.wait_stack(heat, stack, resource=RESOURCE, timeout=timeout,
                           quiet=True)


def nodes(heat):
    res = heat.resources.get(STACK, RESOURCE, with_attr=['nodes'])
    return {n['name']: n for n in res.attributes['nodes']}


def server_ids(by_name):
    """``{node: server id}`` of ``nodes()``: the same ids before and after
    an action mean no server was replaced."""
    return {name: rec['server_id'] for name, rec in by_name.items()}


def master_page(address):
    """The Spark master's status page, read by the test itself (the
    master's web UI is on loopback here)."""
    with urllib.request.urlopen('http://%s:8080/json/' % address,
                                timeout=10) as reply:
        return json.load(reply)


def alive_hosts(page):
    """Sorted addresses of the workers ALIVE on a master's status page."""
    return sorted(w['host'] for w in page['workers'] if w['state'] == 'ALIVE')


def worker_addresses(by_name, names=None):
    """Sorted addresses of the worker nodes of ``nodes()`` (or of
    ``names``)."""
    return sorted(rec['address'] for name, rec in by_name.items()
                  if (name in names if names else name.startswith('worker')))


def created(heat, name, timeout):
    """The stack once its create is over (asserted complete). Only the
    stack's own status is read: showing a deployment resource while it
    waits would tie up the sandbox's heat-api, which the agents signal."""
    deadline = time.monotonic() + timeout
    while True:
        stack = heat.stacks.get(name)
        if stack.stack_status != 'CREATE_IN_PROGRESS' or \
                time.monotonic() > deadline:
            break
        time.sleep(3)
    assert stack.stack_status == 'CREATE_COMPLETE', \
        stack.stack_status_reason
    return stack


def pi_value(line):
    """The value of pi.py's "Pi is roughly ..." line, checked above 3."""
    value = float(line.split('Pi is roughly')[1].split()[0])
    assert value > 3.0, line
    return value


def refuses_ssh(address):
    try:
        socket.create_connection((address, 22), timeout=2).close()
    except OSError:
        return True
    return False


@pytest.fixture(scope='module')
def cluster(sandbox):
    heat = sandbox.heat
    before = faults.inventory_ids()
    faults.admin('POST', '/faults', {'service_fail': [BROKEN]})
    started = time.monotonic()
    heat.stacks.create(stack_name=STACK, template=template(3),
                       disable_rollback=True)
    try:
        stack = wait(heat, STACK)
        state = {'heat': heat, 'stack': stack,
                 'create_s': time.monotonic() - started}
        yield state
    finally:
        faults.admin('POST', '/reset')
        demo.delete_stack(heat, STACK)
    leaked = set(faults.inventory_ids()) - set(before)
    assert not leaked, 'cloud resources leaked: %s' % sorted(leaked)


def assert_bootstrapped(by_name):
    """Every node's agent ran the cluster's bootstrap script (worker-2's
    too: its Spark cannot start, its shell can)."""
    servers = faults.servers(STACK)
    for name in by_name:
        mark = simulator.host_file(servers[name], *BOOTSTRAP_MARK) or ''
        assert mark.strip() == '%s-%s' % (STACK, name), (name, mark)


def test_partially_active_with_the_failed_deployment(cluster):
    heat, stack = cluster['heat'], cluster['stack']
    assert stack.stack_status == 'CREATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'PARTIALLY_ACTIVE', outs
    failed = {n['name']: n for n in outs['failed_nodes']}
    assert list(failed) == ['worker-2']
    # the step the node's own script failed in (its image's Spark scripts
    # all exit 1: the service cannot start), as over SSH, with the tail of
    # what the script printed as the reason
    assert failed['worker-2']['phase'] in ('start Spark workers',
                                           'wait for Spark workers'), failed
    assert failed['worker-2']['reason'], failed
    by_name = nodes(heat)
    assert [n for n, rec in by_name.items() if rec['state'] == 'ACTIVE'] \
        == ['master-0', 'worker-0', 'worker-1']
    page = master_page(by_name['master-0']['address'])
    assert alive_hosts(page) == worker_addresses(
        by_name, ('worker-0', 'worker-1'))
    # nothing listens for SSH on any node: the engine cannot have used it
    assert all(refuses_ssh(rec['address']) for rec in by_name.values())
    assert_bootstrapped(by_name)
    # no management key was made
    nested = heat.resources.get(STACK, RESOURCE).physical_resource_id
    types = {r.resource_type for r in heat.resources.list(
        nested, nested_depth=1)}
    assert 'OS::Nova::KeyPair' not in types
    assert 'OS::Heat::SoftwareDeployment' in types


def test_heal_rebuilds_the_failed_worker(cluster):
    heat = cluster['heat']
    faults.admin('POST', '/reset')
    heat.stacks.update(STACK, existing=True)
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE', outs
    assert outs['active_count'] == 4 and outs['failed_nodes'] == []
    by_name = nodes(heat)
    assert 'worker-2' not in by_name and \
        by_name['worker-3']['state'] == 'ACTIVE'
    page = master_page(by_name['master-0']['address'])
    assert alive_hosts(page) == worker_addresses(
        by_name, ('worker-0', 'worker-1', 'worker-3'))
    cluster['registrations'] = {w['id'] for w in page['workers']
                                if w['state'] == 'ALIVE'}
    assert_bootstrapped(by_name)


def with_job(tpl):
    """``tpl`` and an OS::Savanna::Job running Pi on its cluster (the
    sandbox's python3 cannot import pyspark: the venv's does)."""
    tpl = dict(tpl, resources=dict(tpl['resources']))
    tpl['resources'][JOB] = {
        'type': 'OS::Savanna::Job',
        'properties': {
            'cluster': {'get_resource': RESOURCE}, 'type': 'spark',
            'main': {'path': '/opt/spark/examples/src/main/python/pi.py'},
            'args': [4], 'run_on': ['create', 'update', 'signal'],
            'configs': {'spark.pyspark.python': sys.executable,
                        'spark.log.level': 'WARN'},
            'timeout': 300}}
    return tpl


def job_attributes(heat):
    res = heat.resources.get(STACK, JOB, with_attr=[
        'status', 'exit_code', 'output', 'executions'])
    return res, res.attributes


def test_a_job_runs_through_the_agent(cluster):
    """An OS::Savanna::Job on the agent cluster: launched, watched and
    stopped by the master's own agent (software deployments), reported
    through the same attributes as over SSH; port 22 of the master stays
    closed throughout."""
    heat = cluster['heat']
    master = nodes(heat)['master-0']
    assert refuses_ssh(master['address'])
    heat.stacks.update(STACK, template=with_job(template(3)))
    deadline = time.monotonic() + 600
    while True:
        stack = heat.stacks.get(STACK)
        assert refuses_ssh(master['address'])
        if not stack.stack_status.endswith('IN_PROGRESS') or \
                time.monotonic() > deadline:
            break
        time.sleep(3)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    res, attrs = job_attributes(heat)
    assert attrs['status'] == 'SUCCEEDED', (res.resource_status_reason,
                                            attrs)
    assert attrs['exit_code'] == 0
    first = pi_value(attrs['output'])
    assert first < 3.3
    assert 'SUCCEEDED' in res.resource_status_reason
    [execution] = attrs['executions']
    assert execution['trigger'] == 'create' and \
        execution['status'] == 'SUCCEEDED' and execution['exit_code'] == 0
    assert execution['started_at'] and execution['finished_at']
    assert 'password' not in json.dumps(attrs)

    # a signal runs it again, with its own arguments: a new execution
    heat.resources.signal(STACK, JOB, data={'args': ['2']})
    deadline = time.monotonic() + 300
    while True:
        assert refuses_ssh(master['address'])
        _res, attrs = job_attributes(heat)
        runs = attrs['executions']
        if len(runs) == 2 and runs[-1]['status'] in (
                'SUCCEEDED', 'FAILED', 'KILLED') or \
                time.monotonic() > deadline:
            break
        time.sleep(5)
    assert [r['trigger'] for r in runs] == ['create', 'signal'], runs
    assert runs[-1]['status'] == 'SUCCEEDED' and runs[-1]['args'] == ['2'], \
        runs
    pi_value(attrs['output'])

    # the job goes with the stack update that drops it: its directories
    # removed by the master's agent, no deployment of it left
    heat.stacks.update(STACK, template=template(3))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    assert JOB not in {r.resource_name for r in heat.resources.list(STACK)}
    assert refuses_ssh(master['address'])


def test_scale_up_joins_a_worker_without_restarting_the_master(cluster):
    heat = cluster['heat']
    heat.stacks.update(STACK, template=template(4))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE' and outs['active_count'] == 5, outs
    by_name = nodes(heat)
    page = master_page(by_name['master-0']['address'])
    alive = alive_hosts(page)
    assert alive == worker_addresses(by_name)
    assert len(alive) == 4
    # nothing restarted: the workers keep their registrations, and the
    # master still knows the job that ran before the heal
    assert cluster.get('registrations', set()) <= {
        w['id'] for w in page['workers'] if w['state'] == 'ALIVE'}
    assert page.get('completedapps'), 'the master was restarted'


def test_scale_down_decommissions_through_the_agent(cluster):
    """The newest worker leaves gracefully: its own script decommissions
    it and waits until the master no longer has it ALIVE, the others'
    member lists are rewritten, then its server goes."""
    heat = cluster['heat']
    before = nodes(heat)
    heat.stacks.update(STACK, template=template(3))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE' and outs['active_count'] == 4, outs
    by_name = nodes(heat)
    assert 'worker-4' not in by_name
    page = master_page(by_name['master-0']['address'])
    states = {w['host']: w['state'] for w in page['workers']}
    assert states[before['worker-4']['address']] != 'ALIVE'
    assert sorted(h for h, st in states.items() if st == 'ALIVE') == \
        sorted(rec['address'] for name, rec in by_name.items()
               if name.startswith('worker'))


def test_stack_check_passes_through_the_agents(cluster):
    """stack check runs the plugin's health steps as one round of
    deployments: every node judges its own daemons, no node is reached."""
    heat = cluster['heat']
    before = nodes(heat)
    heat.actions.check(STACK)
    stack = demo.wait_stack(heat, STACK, resource=RESOURCE, timeout=600,
                            quiet=True, action='CHECK')
    assert stack.stack_status == 'CHECK_COMPLETE', stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE' and outs['failed_nodes'] == [], outs
    by_name = nodes(heat)
    assert server_ids(by_name) == server_ids(before)
    assert all(refuses_ssh(rec['address']) for rec in by_name.values())


def test_suspend_and_resume_through_the_agents(cluster):
    """Suspend powers the servers off (every daemon dies with them);
    resume powers them on and the nodes' agents start the services again
    in one round: the same servers, every worker ALIVE at the master."""
    heat = cluster['heat']
    before = nodes(heat)
    stack_id = heat.stacks.get(STACK).id
    heat.actions.suspend(stack_id)
    stack = demo.wait_stack(heat, STACK, quiet=True, action='SUSPEND')
    assert stack.stack_status == 'SUSPEND_COMPLETE', \
        stack.stack_status_reason
    heat.actions.resume(stack_id)
    stack = demo.wait_stack(heat, STACK, quiet=True, action='RESUME',
                            timeout=600)
    assert stack.stack_status == 'RESUME_COMPLETE', \
        stack.stack_status_reason
    assert demo.outputs(stack)['status'] == 'ACTIVE'
    by_name = nodes(heat)
    assert server_ids(by_name) == server_ids(before)
    page = master_page(by_name['master-0']['address'])
    assert alive_hosts(page) == worker_addresses(by_name)
    assert all(refuses_ssh(rec['address']) for rec in by_name.values())


def test_a_config_change_is_applied_in_place_by_the_agents(cluster):
    """A cluster_configs change reaches the running workers through their
    agents: files rewritten, the workers restarted with it, no server
    replaced, the master kept running."""
    heat = cluster['heat']
    before = nodes(heat)
    page = master_page(before['master-0']['address'])
    completed = len(page.get('completedapps') or ())
    heat.stacks.update(STACK, template=template(3, configs=CONFIGS))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE', outs
    by_name = nodes(heat)
    assert server_ids(by_name) == server_ids(before)
    page = master_page(by_name['master-0']['address'])
    alive = [w for w in page['workers'] if w['state'] == 'ALIVE']
    assert alive_hosts(page) == worker_addresses(by_name)
    assert [w['memory'] for w in alive] == [448] * len(alive)
    # the change concerns the workers only: the master still knows the
    # applications it ran before
    assert len(page.get('completedapps') or ()) == completed
    assert all(refuses_ssh(rec['address']) for rec in by_name.values())


def updated_after(heat, since, timeout):
    """The stack once an update nobody asked for, started after ``since``
    (epoch seconds), is over; None after ``timeout`` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        stack = heat.stacks.get(STACK)
        started = stack.updated_time and calendar.timegm(time.strptime(
            stack.updated_time[:19], '%Y-%m-%dT%H:%M:%S')) >= int(since)
        if started and not stack.stack_status.endswith('IN_PROGRESS'):
            return stack
        time.sleep(2)
    return None


def test_a_lost_worker_is_healed_with_nobody_acting_through_the_agents(
        cluster):
    """auto_heal on (in place: the agents of the master and the first
    worker start the watchdog); a worker's server dies with Nova still
    calling it ACTIVE; nobody acts: the master's watchdog reports it, the
    engine re-checks every node through their agents (the silent one is
    given up after agent_running_allowance) and rebuilds it, within the
    5 minutes of the defaults. Then auto_heal off again: the watchdogs
    stop, and the next test's master loss is the test's own."""
    heat = cluster['heat']
    heat.stacks.update(STACK, template=template(
        3, configs=CONFIGS, auto_heal={'enabled': True}))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    before = nodes(heat)
    workers = sorted((n for n in before if n.startswith('worker')),
                     key=lambda n: int(n.rsplit('-', 1)[1]))
    lost = workers[-1]
    servers = faults.servers(STACK)
    for watcher in ('master-0', workers[0]):
        log = simulator.host_file(servers[watcher], *WATCHDOG_LOG) or ''
        assert 'watchdog of cluster %s on %s' % (STACK, watcher) in log, \
            log[-300:]
    t0 = time.time()
    faults.admin('POST', '/servers/%s-%s/kill' % (STACK, lost), {})
    stack = updated_after(heat, t0, 300)
    assert stack is not None, 'no automatic heal within 300 s'
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    assert demo.outputs(stack)['status'] == 'ACTIVE'
    after = nodes(heat)
    assert lost not in after
    new = sorted(set(after) - set(before))
    assert len(new) == 1 and new[0].startswith('worker-'), new
    kept = {n: r for n, r in before.items() if n != lost}
    assert server_ids({n: after[n] for n in kept}) == server_ids(kept)
    reason = heat.resources.get(STACK, RESOURCE).resource_status_reason
    assert 'auto-heal: %s lost at ' % lost in reason, reason
    assert reason.endswith('rebuilt as %s)' % new[0]), reason
    page = master_page(after['master-0']['address'])
    assert alive_hosts(page) == worker_addresses(after)
    assert all(refuses_ssh(rec['address']) for rec in after.values())
    # off again: the watchdogs are stopped by the agents
    heat.stacks.update(STACK, template=template(3, configs=CONFIGS))
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    servers = faults.servers(STACK)
    log = simulator.host_file(servers['master-0'], *WATCHDOG_LOG) or ''
    assert log.rstrip().endswith('stopped'), log[-300:]


def test_a_rebuilt_master_gets_the_workers_back_through_the_agents(
        cluster):
    """The master's server dies: stack check fails the cluster naming it,
    and a stack update rebuilds it as master-1, whose workers are
    re-pointed at it by their own agents."""
    heat = cluster['heat']
    before = nodes(heat)
    faults.admin('POST', '/servers/%s-master-0/kill' % STACK, {})
    heat.actions.check(STACK)
    stack = demo.wait_stack(heat, STACK, resource=RESOURCE, timeout=600,
                            quiet=True, action='CHECK')
    assert stack.stack_status == 'CHECK_FAILED', stack.stack_status
    assert 'master-0' in stack.stack_status_reason, \
        stack.stack_status_reason
    heat.stacks.update(STACK, existing=True)
    stack = wait(heat, STACK)
    assert stack.stack_status == 'UPDATE_COMPLETE', \
        stack.stack_status_reason
    outs = demo.outputs(stack)
    assert outs['status'] == 'ACTIVE', outs
    by_name = nodes(heat)
    assert 'master-0' not in by_name and 'master-1' in by_name
    workers = {n: r for n, r in by_name.items() if n.startswith('worker')}
    # the workers are the same servers, now members of the new master
    assert server_ids(workers) == {n: before[n]['server_id']
                                   for n in workers}
    page = master_page(by_name['master-1']['address'])
    assert alive_hosts(page) == worker_addresses(workers)
    assert all(refuses_ssh(rec['address']) for rec in by_name.values())


def test_the_example_template_ends_in_a_job_result(sandbox):
    """contrib/templates/spark-agent.yaml as it is: its own cluster
    configured by the agents, then Pi on the master as an
    OS::Savanna::Job the master's agent runs, its output tail an output.
    (The sandbox's python3 cannot import pyspark: the venv's does.)"""
    heat = sandbox.heat
    with open(EXAMPLE) as f:
        tpl = f.read()
    heat.stacks.create(stack_name=EXAMPLE_STACK, template=tpl,
                       disable_rollback=True,
                       parameters={'workers': 1, 'pi_slices': 4,
                                   'python': sys.executable})
    try:
        stack = created(heat, EXAMPLE_STACK, 600)
        outs = demo.outputs(stack)
        assert outs['status'] == 'ACTIVE', outs
        assert outs['pi_status'] == 'SUCCEEDED', outs
        assert pi_value(outs['pi_result']) < 3.3
        res = heat.resources.get(EXAMPLE_STACK, 'spark',
                                 with_attr=['nodes', 'master_server'])
        by_name = {n['name']: n for n in res.attributes['nodes']}
        assert res.attributes['master_server'] == \
            by_name['master-0']['server_id']
        assert all(refuses_ssh(n['address']) for n in by_name.values())
    finally:
        demo.delete_stack(heat, EXAMPLE_STACK)
