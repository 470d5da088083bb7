"""Operating a running cluster through ``openstack savanna cluster ...`` and
``heat-savanna status``, against the sandbox's real Heat: the venv's own
``openstack`` console script, with the credentials ``heat-savanna sandbox
env`` prints, on one small Spark cluster shared by the module (a master
and one worker; the worker group may be resized by signal from 1 to 3).

In order: reading (list, show, nodes, status); signals (check; a resize
up, with a second signal refused while it runs; the count a signal set
kept by a later update; a resize down; a resize beyond the bounds
refused; an update that changes the count in the template wins; plain
POSTs to the pre-signed alarm_url, an alarm's body and a webhook's); a
configuration change applied in place; a worker killed, found by check
and healed by signal; the master killed and rebuilt, the workers
re-pointed to it. Last, ``openstack savanna job ...`` on a shell job added
to the same cluster (run by signal only, so adding it runs nothing).

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_osc.py
"""

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request

import pytest

try:
    from savanna_sandbox import demo
    from savanna_sandbox import faults
except ImportError:  # pragma: no cover - contrib/sandbox not installed
    demo = faults = None

pytestmark = pytest.mark.functional

STACK = 'ft-osc'
RESOURCE = 'cluster'
BIN = os.path.dirname(sys.executable)


def sandbox_env():
    """The environment an operator gets from ``eval "$(heat-savanna sandbox
    env)"``: theirs without any other OS_* variable, plus those lines."""
    done = subprocess.run([os.path.join(BIN, 'heat-savanna'), 'sandbox',
                           'env'], capture_output=True, text=True,
                          timeout=60, check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    for line in done.stdout.splitlines():
        line = line.strip()
        if line.startswith('export '):
            line = line[len('export '):]
        key, sep, value = line.partition('=')
        if sep and key.startswith('OS_'):
            env[key] = shlex.split(value)[0] if value else ''
    assert env.get('OS_AUTH_URL') and env.get('OS_PASSWORD'), done.stdout
    return env


def template(count=1, memory='512m'):
    """The module's cluster: ``count`` workers in the template, 1..3 by
    signal, each offering ``memory`` to executors; an alarm's POST to its
    alarm_url adds a worker."""
    tmpl = faults.cluster_template(
        STACK, count, min_active=1, worker={'min_count': 1, 'max_count': 3},
        configs={'spark-env': {'SPARK_WORKER_MEMORY': memory}})
    tmpl['resources'][RESOURCE]['properties']['alarm_action'] = {
        'action': 'resize', 'group': 'worker', 'adjustment': 1}
    return tmpl


@pytest.fixture(scope='module')
def cluster(sandbox):
    heat = sandbox.heat
    before = faults.inventory_ids()
    heat.stacks.create(stack_name=STACK,
                       template=json.dumps(template()))
    try:
        stack = demo.wait_stack(heat, STACK, resource=RESOURCE, quiet=True,
                                timeout=600)
        assert stack.stack_status == 'CREATE_COMPLETE', \
            stack.stack_status_reason
        attrs = heat.resources.get(STACK, RESOURCE).attributes
        yield {'heat': heat, 'env': sandbox_env(), 'attrs': attrs}
    finally:
        demo.delete_stack(heat, STACK)
    # scaled, healed and resized by signal and alarm: nothing left behind
    leaked = set(faults.inventory_ids()) - set(before)
    assert not leaked, 'cloud resources leaked: %s' % sorted(leaked)


def run(cluster, command, *argv):
    done = subprocess.run([os.path.join(BIN, command)] + list(argv),
                          capture_output=True, text=True, timeout=120,
                          env=cluster['env'], stdin=subprocess.DEVNULL)
    # No plugin of the venv may warn on any call.
    assert 'Could not load' not in done.stderr, done.stderr
    return done


def openstack_json(cluster, *argv):
    done = run(cluster, 'openstack', 'savanna', 'cluster', *argv,
               '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    return json.loads(done.stdout)


def test_list(cluster):
    rows = [r for r in openstack_json(cluster, 'list')
            if r['Stack'] == STACK]
    assert rows == [{'Stack': STACK, 'Resource': RESOURCE,
                     'Resource Status': 'CREATE_COMPLETE',
                     'Status': 'ACTIVE', 'Active': 2, 'Desired': 2,
                     'Plugin': 'spark', 'Version': '4.3.0'}]


def test_show(cluster):
    shown = openstack_json(cluster, 'show', STACK)
    master = cluster['attrs']['master_address']
    assert master
    assert shown['stack'] == STACK and shown['resource'] == RESOURCE
    assert shown['stack_id'] == cluster['heat'].stacks.get(STACK).id
    assert shown['resource_status'] == 'CREATE_COMPLETE'
    assert shown['status'] == 'ACTIVE'
    assert shown['summary'] == shown['status_reason'] == \
        'ACTIVE: 2/2 nodes active'
    assert (shown['plugin'], shown['version']) == ('spark', '4.3.0')
    assert (shown['active_count'], shown['desired_count']) == (2, 2)
    assert shown['master_address'] == master
    assert shown['endpoints']['spark-master'] == 'spark://%s:7077' % master
    assert shown['failed_nodes'] == []
    assert {g: (v['active'], v['desired'])
            for g, v in shown['groups'].items()} == {'master': (1, 1),
                                                     'worker': (1, 1)}


def test_nodes(cluster):
    rows = openstack_json(cluster, 'nodes', STACK, '--resource', RESOURCE)
    by_name = {n['name']: n for n in cluster['attrs']['nodes']}
    assert [(r['Name'], r['Group'], r['Processes'], r['State'])
            for r in rows] == [('master-0', 'master', ['master'], 'ACTIVE'),
                               ('worker-0', 'worker', ['worker'], 'ACTIVE')]
    for row in rows:
        assert row['Address'] == by_name[row['Name']]['address']
        assert (row['Phase'], row['Reason']) == ('', '')


def test_unknown_stack_is_a_clear_error(cluster):
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'show',
               'ft-osc-no-such-stack')
    assert done.returncode == 1
    assert done.stderr.strip() == 'stack ft-osc-no-such-stack not found'


def test_heat_savanna_status_is_the_same_reading(cluster):
    done = run(cluster, 'heat-savanna', 'status', STACK)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == '%s: CREATE_COMPLETE (ACTIVE)' % RESOURCE
    assert lines[1] == '  ACTIVE: 2/2 nodes active'
    assert lines[2].split() == ['NAME', 'GROUP', 'PROCESSES', 'ADDRESS',
                                'STATE', 'PHASE', 'REASON']
    assert [ln.split()[:5] for ln in lines[4:]] == [
        ['master-0', 'master', 'master',
         cluster['attrs']['master_address'], 'ACTIVE'],
        ['worker-0', 'worker', 'worker',
         {n['name']: n for n in cluster['attrs']['nodes']}[
             'worker-0']['address'], 'ACTIVE']]


# -- signals ------------------------------------------------------------------
def servers(heat):
    """``{node: server id}`` of every server Heat has in the cluster."""
    nested = heat.resources.get(STACK, RESOURCE).physical_resource_id
    return {r.resource_name: r.physical_resource_id
            for r in heat.resources.list(nested, nested_depth=1)
            if r.resource_type == 'OS::Nova::Server'}


def wait_idle(heat, timeout=600):
    return demo.wait_stack(heat, STACK, resource=RESOURCE, quiet=True,
                           timeout=timeout)


def workers(cluster):
    shown = openstack_json(cluster, 'show', STACK)
    return shown['groups']['worker']['desired'], shown


def test_check_by_signal(cluster):
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'check', STACK,
               '--wait', '-f', 'json')
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown['status'] == 'ACTIVE'
    assert shown['resource_status'] == 'CHECK_COMPLETE'
    stack = cluster['heat'].stacks.get(STACK)
    assert stack.stack_status == 'CHECK_COMPLETE'
    events = cluster['heat'].events.list(STACK, resource_name=RESOURCE)
    assert any(e.resource_status == 'SIGNAL_COMPLETE' or
               'check started' in (e.resource_status_reason or '')
               for e in events)


def test_resize_up_by_signal_and_a_second_signal_is_refused(cluster):
    heat = cluster['heat']
    before = servers(heat)
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'resize', STACK,
               '--group', 'worker', '--adjustment', '+2')
    assert done.returncode == 0, done.stderr
    # while the resize runs, another signal is refused, saying why
    busy = run(cluster, 'openstack', 'savanna', 'cluster', 'heal', STACK)
    assert busy.returncode == 1
    assert 'already has an action' in busy.stderr, busy.stderr
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    count, shown = workers(cluster)
    assert count == 3 and shown['status'] == 'ACTIVE', shown
    after = servers(heat)
    assert {n: after[n] for n in before} == before
    assert sorted(after) == ['master-0', 'worker-0', 'worker-1', 'worker-2']


def test_the_next_update_keeps_the_count_a_signal_set(cluster):
    heat = cluster['heat']
    heat.stacks.update(STACK, existing=True)
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    assert workers(cluster)[0] == 3


def test_resize_down_by_signal_decommissions_the_newest(cluster):
    heat = cluster['heat']
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'resize', STACK,
               '--group', 'worker', '--count', '1', '--wait', '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)['status'] == 'ACTIVE'
    assert sorted(servers(heat)) == ['master-0', 'worker-0']
    events = ' '.join(e.resource_status_reason or '' for e in
                      heat.events.list(STACK, resource_name=RESOURCE))
    assert 'decommissioning 2 nodes' in events


def test_resize_beyond_the_bounds_is_refused(cluster):
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'resize', STACK,
               '--group', 'worker', '--count', '4')
    assert done.returncode == 1
    assert 'outside its bounds 1..3' in done.stderr, done.stderr
    assert workers(cluster)[0] == 1


def test_a_template_count_change_wins_over_a_signal_count(cluster):
    heat = cluster['heat']
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'resize', STACK,
               '--group', 'worker', '--count', '3', '--wait')
    assert done.returncode == 0, done.stderr
    assert workers(cluster)[0] == 3
    heat.stacks.update(STACK, template=json.dumps(template(count=2)))
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    count, shown = workers(cluster)
    assert count == 2 and shown['status'] == 'ACTIVE'


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 method='POST',
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


def test_the_alarm_url_takes_a_plain_post_up_and_down(cluster):
    heat = cluster['heat']
    url = heat.resources.get(STACK, RESOURCE, with_attr=['alarm_url']
                             ).attributes['alarm_url']
    assert url and 'Signature=' in url, url
    # an alarm's own body: the cluster's alarm_action (+1 worker)
    assert post(url, {'alarm_name': 'busy', 'current': 'alarm',
                      'previous': 'ok', 'reason': 'cpu high'}) < 300
    time.sleep(3)
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    assert workers(cluster)[0] == 3
    # a webhook naming what to do: back to 2
    assert post(url, {'action': 'resize', 'group': 'worker',
                      'count': 2}) < 300
    time.sleep(3)
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    count, shown = workers(cluster)
    assert count == 2 and shown['status'] == 'ACTIVE'


# -- reconfiguration, heal, master rebuild ------------------------------------
def master_status(cluster):
    shown = openstack_json(cluster, 'show', STACK)
    url = 'http://%s:8080/json/' % shown['master_address']
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.load(resp), shown


def alive_workers(cluster):
    status, shown = master_status(cluster)
    return {w['host']: w for w in status['workers']
            if w['state'] == 'ALIVE'}, shown


def test_a_config_change_is_applied_in_place(cluster):
    heat = cluster['heat']
    before = servers(heat)
    master_pid = faults.daemon_pid(
        openstack_json(cluster, 'show', STACK)['master_address'],
        'org.apache.spark.deploy.master.Master')
    # a pid not found would compare equal to one not found after
    assert master_pid is not None, 'no Spark master process found'
    heat.stacks.update(STACK, template=json.dumps(template(2, '448m')))
    stack = wait_idle(heat)
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    assert servers(heat) == before
    alive, shown = alive_workers(cluster)
    assert shown['status'] == 'ACTIVE'
    assert sorted(w['memory'] for w in alive.values()) == [448, 448]
    # the change concerns the workers only: the master kept running
    assert faults.daemon_pid(shown['master_address'],
                             'org.apache.spark.deploy.master.Master') == \
        master_pid


def test_a_dead_worker_is_found_by_check_and_healed_by_signal(cluster):
    heat = cluster['heat']
    victim = sorted((n for n in servers(heat) if n.startswith('worker-')),
                    key=lambda n: int(n.rsplit('-', 1)[1]))[-1]
    faults.admin('POST', '/servers/%s-%s/kill' % (STACK, victim), {})
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'check', STACK,
               '--wait', '-f', 'json')
    shown = json.loads(done.stdout)
    assert shown['status'] == 'PARTIALLY_ACTIVE', shown
    assert [f['name'] for f in shown['failed_nodes']] == [victim]
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'heal', STACK,
               '--wait', '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)['status'] == 'ACTIVE'
    assert victim not in servers(heat)
    alive, _shown = alive_workers(cluster)
    assert len(alive) == 2


def test_a_rebuilt_master_gets_the_workers_back(cluster):
    heat = cluster['heat']
    old_master = openstack_json(cluster, 'show', STACK)['master_address']
    faults.admin('POST', '/servers/%s-master-0/kill' % STACK, {})
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'check', STACK,
               '--wait', '-f', 'json')
    # the check fails the cluster: its master is gone
    assert done.returncode == 1
    assert 'CHECK_FAILED' in done.stderr and 'master-0' in done.stderr, \
        done.stderr
    assert openstack_json(cluster, 'show', STACK)['status'] == 'FAILED'
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'heal', STACK,
               '--wait', '-f', 'json')
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown['status'] == 'ACTIVE', shown
    assert shown['master_address'] != old_master
    assert sorted(servers(heat))[0] == 'master-1'
    alive, _shown = alive_workers(cluster)
    assert len(alive) == 2


# -- jobs ---------------------------------------------------------------------
JOB = 'hello'


def add_job(heat):
    """The stack as it is, plus a shell job that runs only when
    signalled."""
    tmpl = heat.stacks.template(STACK)
    tmpl['resources'][JOB] = {
        'type': 'OS::Savanna::Job',
        'properties': {'cluster': {'get_resource': RESOURCE},
                       'type': 'shell', 'run_on': ['signal'],
                       'main': {'inline': 'echo "hello from $(hostname)"\n'
                                          'exit 0\n'}}}
    before = heat.stacks.get(STACK).updated_time
    heat.stacks.update(STACK, template=json.dumps(tmpl), existing=True)
    deadline = time.monotonic() + 300
    while True:
        stack = heat.stacks.get(STACK)
        if stack.updated_time != before and \
                not stack.stack_status.endswith('_IN_PROGRESS'):
            return stack
        assert time.monotonic() < deadline, stack.stack_status
        time.sleep(2)


def job_json(cluster, *argv):
    done = run(cluster, 'openstack', 'savanna', 'job', *argv, '-f', 'json')
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    return json.loads(done.stdout)


def test_job_list_run_show_and_executions(cluster):
    stack = add_job(cluster['heat'])
    assert stack.stack_status == 'UPDATE_COMPLETE', stack.stack_status_reason
    assert job_json(cluster, 'list', '--stack', STACK) == [
        {'Stack': STACK, 'Resource': JOB, 'Cluster': RESOURCE,
         'Type': 'shell', 'Status': '', 'Exit Code': '', 'Executions': 0}]
    ran = job_json(cluster, 'run', STACK, JOB, '--wait', '--timeout', '120')
    assert (ran['status'], ran['exit_code'], ran['trigger']) == (
        'SUCCEEDED', 0, 'signal'), ran
    assert ran['signal'] == {'action': 'run'}
    assert 'hello from ' in ran['output']
    shown = job_json(cluster, 'show', STACK, JOB)
    assert (shown['cluster'], shown['type'], shown['status'],
            shown['exit_code']) == (RESOURCE, 'shell', 'SUCCEEDED', 0)
    assert shown['executions'] == '1 (1 SUCCEEDED)'
    assert shown['output'] == ran['output']
    rows = job_json(cluster, 'executions', STACK, JOB)
    assert rows == [{'ID': ran['execution'], 'Status': 'SUCCEEDED',
                     'Exit Code': 0, 'Started': ran['started_at'],
                     'Finished': ran['finished_at']}]
    # the same as Heat's own attribute
    attrs = cluster['heat'].resources.get(STACK, JOB).attributes
    assert [e['id'] for e in attrs['executions']] == [ran['execution']]
