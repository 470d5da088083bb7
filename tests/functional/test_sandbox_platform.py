"""The sandbox platform: a real Heat behind a real Keystone, on MariaDB."""

import os
import time
import uuid

import pytest
import requests

from savanna_sandbox import demo

pytestmark = pytest.mark.functional

TRIVIAL = {
    'heat_template_version': '2018-08-31',
    'parameters': {'length': {'type': 'number', 'default': 12}},
    'resources': {
        'secret': {'type': 'OS::Heat::RandomString',
                   'properties': {'length': {'get_param': 'length'}}},
        'nothing': {'type': 'OS::Heat::None'},
    },
    'outputs': {'length': {'value': {'get_param': 'length'}}},
}


def _wait(heat, stack_id, statuses, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        stack = heat.stacks.get(stack_id)
        if stack.stack_status in statuses:
            return stack
        assert time.monotonic() < deadline, (stack.stack_status,
                                             stack.stack_status_reason)
        time.sleep(1)


def _heat_url(sandbox, path):
    return 'http://127.0.0.1:8004/v1/%s%s' % (sandbox.project_id, path)


def test_demo_lists_its_own_stack(sandbox):
    """Listing goes through Keystone and Heat: a stack the demo user
    creates is listed, with its status, and is gone once deleted."""
    heat = sandbox.heat
    name = 'platform-list-%s' % uuid.uuid4().hex[:8]
    stack_id = heat.stacks.create(stack_name=name, template=TRIVIAL)[
        'stack']['id']
    try:
        _wait(heat, stack_id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
        listed = {s.id: s for s in heat.stacks.list()}
        assert stack_id in listed
        assert listed[stack_id].stack_name == name
        assert listed[stack_id].stack_status == 'CREATE_COMPLETE'
    finally:
        heat.stacks.delete(stack_id)
    assert _wait(heat, stack_id, ('DELETE_COMPLETE', 'DELETE_FAILED')
                 ).stack_status == 'DELETE_COMPLETE'
    # Heat removes the row the list reads a moment after the status says
    # deleted (demo.wait_unlisted); by then it must be gone.
    demo.wait_unlisted(heat, stack_id, timeout=60)


def test_bad_token_is_refused(sandbox):
    resp = requests.get(_heat_url(sandbox, '/stacks'),
                        headers={'X-Auth-Token': uuid.uuid4().hex},
                        timeout=30)
    assert resp.status_code == 401


def test_no_token_is_refused(sandbox):
    resp = requests.get(_heat_url(sandbox, '/stacks'), timeout=30)
    assert resp.status_code == 401


def test_resource_types_listed(sandbox):
    resp = requests.get(
        _heat_url(sandbox, '/resource_types'), timeout=30,
        headers={'X-Auth-Token': sandbox.demo_session().get_token()})
    assert resp.status_code == 200
    types = resp.json()['resource_types']
    assert 'OS::Heat::RandomString' in types
    assert 'OS::Nova::Server' in types


def test_catalog_has_every_service(sandbox):
    access = sandbox.demo_session().auth.get_access(sandbox.demo_session())
    types = {s['type'] for s in access.service_catalog.catalog}
    assert {'identity', 'orchestration', 'compute', 'volumev3', 'network',
            'image'} <= types
    url = sandbox.demo_session().get_endpoint(service_type='orchestration',
                                              interface='public')
    assert url == 'http://127.0.0.1:8004/v1/%s' % sandbox.project_id


def test_trivial_stack_create_and_delete(sandbox):
    heat = sandbox.heat
    name = 'platform-%s' % uuid.uuid4().hex[:8]
    created = heat.stacks.create(stack_name=name, template=TRIVIAL,
                                 parameters={'length': 16})
    stack_id = created['stack']['id']
    try:
        stack = _wait(heat, stack_id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
        assert stack.stack_status == 'CREATE_COMPLETE', \
            stack.stack_status_reason
        outputs = {o['output_key']: o['output_value']
                   for o in stack.outputs}
        assert outputs['length'] == 16
        value = heat.resources.get(stack_id, 'secret').attributes['value']
        assert len(value) == 16
    finally:
        heat.stacks.delete(stack_id)
    stack = _wait(heat, stack_id, ('DELETE_COMPLETE', 'DELETE_FAILED'))
    assert stack.stack_status == 'DELETE_COMPLETE'


def test_savanna_cluster_schema(sandbox):
    resp = requests.get(
        _heat_url(sandbox, '/resource_types/OS::Savanna::Cluster'),
        headers={'X-Auth-Token': sandbox.demo_session().get_token()},
        timeout=30)
    if resp.status_code == 404:
        # the plugin did not load: say why (the sandbox records it)
        status = sandbox.platform.layout.path('heat', 'plugin-status')
        reason = open(status).read() if os.path.exists(
            status) else 'no plugin status'
        pytest.fail('OS::Savanna::Cluster is not loaded in heat-engine: %s'
                    % reason)
    assert resp.status_code == 200, resp.text
    schema = resp.json()
    assert schema['resource_type'] == 'OS::Savanna::Cluster'
    props = schema['properties']
    for name in ('plugin_name', 'node_groups', 'image', 'flavor'):
        assert name in props
    for name, prop in props.items():
        assert prop.get('description'), 'property %s has no description' \
            % name
    assert 'status' in schema['attributes']


def test_heat_reaches_the_simulator_through_the_catalog(sandbox):
    """Heat -> catalog -> simulator -> keystonemiddleware -> Keystone."""
    assert sandbox.platform.supervisor.alive('cloudsim'), \
        'the cloud simulator is not running'
    heat = sandbox.heat
    template = {
        'heat_template_version': '2018-08-31',
        'resources': {'sg': {
            'type': 'OS::Neutron::SecurityGroup',
            'properties': {'rules': [{'protocol': 'tcp',
                                      'port_range_min': 22,
                                      'port_range_max': 22}]}}},
    }
    created = heat.stacks.create(
        stack_name='platform-net-%s' % uuid.uuid4().hex[:8],
        template=template)
    stack_id = created['stack']['id']
    try:
        stack = _wait(heat, stack_id, ('CREATE_COMPLETE', 'CREATE_FAILED'))
        assert stack.stack_status == 'CREATE_COMPLETE', \
            stack.stack_status_reason
    finally:
        heat.stacks.delete(stack_id)
    stack = _wait(heat, stack_id, ('DELETE_COMPLETE', 'DELETE_FAILED'))
    assert stack.stack_status == 'DELETE_COMPLETE', stack.stack_status_reason


def test_env_output_gives_working_credentials(sandbox):
    import subprocess
    import sys
    out = subprocess.run(
        [sys.executable, '-m', 'savanna_sandbox', '--state-dir',
         sandbox.platform.layout.root, 'env'],
        capture_output=True, text=True, check=True).stdout
    env = dict(os.environ)
    env.update(sandbox.credentials())   # what eval would have set
    script = out + '\nprintf "%s %s" "$OS_USERNAME" "$OS_PROJECT_NAME"'
    shown = subprocess.run(['sh', '-c', script], capture_output=True,
                           text=True, env={}).stdout
    assert shown == 'demo demo'
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3
    creds = {}
    for line in out.splitlines():
        key, _, value = line[len('export '):].partition('=')
        creds[key] = value.strip("'")
    auth = v3.Password(auth_url=creds['OS_AUTH_URL'],
                       username=creds['OS_USERNAME'],
                       password=creds['OS_PASSWORD'],
                       project_name=creds['OS_PROJECT_NAME'],
                       user_domain_name=creds['OS_USER_DOMAIN_NAME'],
                       project_domain_name=creds['OS_PROJECT_DOMAIN_NAME'])
    assert ks_session.Session(auth=auth).get_token()


def test_up_again_restarts_only_what_died(sandbox):
    """Warm `up` leaves running parts alone and restarts a dead one."""
    import io
    from savanna_sandbox import procs
    from savanna_sandbox.services import platform
    plat = platform.Platform(sandbox.platform.layout.root, out=io.StringIO())
    sup = plat.supervisor
    before = {n: sup.record(n)['pid'] for n in sup.names()}
    assert sup.stop('heat-api')
    t0 = time.monotonic()
    assert plat.up() == 0, plat.out.getvalue()
    assert time.monotonic() - t0 < 30
    text = plat.out.getvalue()
    assert 'heat-api     ready in' in text
    after = {n: sup.record(n)['pid'] for n in sup.names()}
    assert after['heat-api'] != before['heat-api']
    for name in before:
        if name != 'heat-api':
            assert after[name] == before[name], name
            assert '%-12s already running' % name in text
    assert procs.tcp_open('127.0.0.1', 8004)
    # the new heat-api answers with a fresh token (a 401 or 5xx raises)
    fresh = sandbox.new_session('demo')
    resp = requests.get(_heat_url(sandbox, '/stacks'), timeout=30,
                        headers={'X-Auth-Token': fresh.get_token()})
    assert resp.status_code == 200, resp.text
    assert isinstance(resp.json()['stacks'], list)
