"""Horizon (heat-dashboard) shows the cluster: the stack, its Overview
outputs, the OS::Savanna::Cluster resource with its status reason, and the
nested stack's resources under the nodes' stable names. Driven in headless
Chromium by horizon_browser.py under the Horizon venv's Python."""

import json
import os
import shutil
import subprocess

import pytest

from savanna_sandbox import demo
from savanna_sandbox import faults
from savanna_sandbox.services import horizon

pytestmark = [pytest.mark.functional, pytest.mark.slow]

STACK = 'ft-horizon'
BROWSER = os.path.join(os.path.dirname(__file__), 'horizon_browser.py')


@pytest.fixture(scope='module')
def stack(sandbox):
    reason = sandbox.platform.part('horizon').available()
    if reason:
        pytest.skip(reason)
    if not shutil.which('chromedriver'):
        pytest.skip('chromium-driver not installed (tools/install-deps.sh)')
    from novaclient import client as nova_client
    heat = sandbox.heat
    before = faults.inventory_ids()
    nova = nova_client.Client('2.1', session=sandbox.session('demo'))
    key_name, _private = demo.operator_keypair(
        nova, sandbox.platform.layout, name='ft-horizon-operator')
    with open(demo.TEMPLATE) as f:
        heat.stacks.create(stack_name=STACK, template=f.read(),
                           parameters={'workers': 2, 'key_name': key_name})
    try:
        st = demo.wait_stack(heat, STACK, quiet=True)
        assert st.stack_status == 'CREATE_COMPLETE', st.stack_status_reason
        yield heat
    finally:
        demo.delete_stack(heat, STACK)
        nova.keypairs.delete(key_name)
    leaked = set(faults.inventory_ids()) - set(before)
    assert not leaked, 'cloud resources leaked: %s' % sorted(leaked)


def test_stack_pages_show_the_cluster(sandbox, stack, tmp_path):
    nested = stack.resources.get(STACK, 'spark').physical_resource_id
    node_set = stack.resources.get(nested, 'worker-0').physical_resource_id
    out = subprocess.run(
        [horizon.python(), BROWSER, horizon.URL, 'demo', STACK, nested,
         str(tmp_path), node_set],
        input=sandbox.platform.secrets['demo'] + '\n',
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    pages = json.loads(out.stdout)

    assert STACK in pages['stacks']['text']
    overview = pages['overview']['text']
    for key in ('status', 'master_address', 'endpoints', 'failed_nodes',
                'active_count'):
        assert key in overview
    assert 'spark://' in overview

    rows = pages['resources']['text']
    assert 'OS::Savanna::Cluster' in rows
    assert 'ACTIVE: 3/3 nodes active' in rows

    nested_rows = [line.split()[:3] for line in
                   pages['nested-resources']['text'].splitlines()]
    # node sets of up to 5 nodes of one group, named after their first
    # node; each says what it built and holds its nodes' servers
    node_sets = sorted(r[0] for r in nested_rows
                       if len(r) == 3 and r[2] == 'OS::Savanna::NodeSet')
    assert node_sets == ['master-0', 'worker-0']
    assert pages['nested-resources']['text'].count('1/1 nodes built') == 1
    assert pages['nested-resources']['text'].count('2/2 nodes built') == 1
    child_rows = [line.split()[:3] for line in
                  pages['node-set-resources']['text'].splitlines()]
    assert ['worker-0', 'OS::Nova::Server'] in [
        [r[0], r[2]] for r in child_rows if len(r) == 3]
    for page in pages.values():
        assert os.path.getsize(page['screenshot']) > 10000
        assert 'PRIVATE KEY' not in page['text']
