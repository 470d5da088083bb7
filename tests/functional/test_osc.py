"""``openstack savanna cluster ...`` and ``heat-savanna status`` against the
sandbox's real Heat: the venv's own ``openstack`` console script, with the
credentials ``heat-savanna sandbox env`` prints, on one small Spark cluster
(master + 1 worker) shared by the module.

The cluster does not handle signals yet: ``check`` must say so plainly
(Heat answers that the resource does not support signals). When the
cluster's signal handler lands, that test becomes the real behaviour.

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_osc.py
"""

import json
import os
import shlex
import subprocess
import sys

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


@pytest.fixture(scope='module')
def cluster(sandbox):
    heat = sandbox.heat
    heat.stacks.create(stack_name=STACK,
                       template=json.dumps(faults.cluster_template(STACK,
                                                                   1)))
    try:
        stack = demo.wait_stack(heat, STACK, resource=RESOURCE, quiet=True,
                                timeout=600)
        assert stack.stack_status == 'CREATE_COMPLETE', \
            stack.stack_status_reason
        attrs = heat.resources.get(STACK, RESOURCE).attributes
        yield {'heat': heat, 'env': sandbox_env(), 'attrs': attrs}
    finally:
        demo.delete_stack(heat, STACK)


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


def test_check_sends_a_signal_the_cluster_does_not_handle_yet(cluster):
    heat = cluster['heat']
    before = len(heat.events.list(STACK, resource_name=RESOURCE))
    done = run(cluster, 'openstack', 'savanna', 'cluster', 'check', STACK)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'cluster %s in stack %s does not handle signals (Heat: signal is '
        'not supported for resource.)' % (RESOURCE, STACK))
    # Heat refused it: the resource is untouched
    res = heat.resources.get(STACK, RESOURCE)
    assert res.resource_status == 'CREATE_COMPLETE'
    assert len(heat.events.list(STACK, resource_name=RESOURCE)) == before
