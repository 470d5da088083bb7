"""The operations guide's claims, each checked on the real Heat engine.

One Spark cluster (tests/functional/lifecycle.py) goes through create, a
refused update, a scale-down by removal_candidates with a group added, a
stack check that finds a powered-off server and a changed host key, and a
heal that removes a group; each test checks one claim on what its step
observed. The cluster is shared with test_secrets.py, which runs right
after this module and deletes it. "cluster infrastructure failed" needs a
stack of its own (a keypair Nova refuses); it fails in seconds.

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -rs \
        -m functional tests/functional/test_claims.py \
        tests/functional/test_secrets.py
"""

import json
import re
import time

import pytest

from savanna_sandbox import faults
from tests.functional import lifecycle

pytestmark = [pytest.mark.functional, pytest.mark.slow]

BOOTING = re.compile(r'^booting: (\d+)/(\d+) servers up$')


def reasons(events, status='IN_PROGRESS'):
    return [e[2] for e in events if e[1].endswith(status)]


def failed_nodes(metadata):
    return {f['name']: f for f in metadata.get('failed_nodes') or ()}


def alive_workers(master, expected, timeout=60):
    """The hosts the Spark master lists ALIVE, once they are
    ``expected`` (a removed worker's connection may take a moment to be
    noticed) or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    while True:
        states = lifecycle.master_workers(master)
        alive = sorted(h for h, s in states.items() if 'ALIVE' in s)
        if alive == sorted(expected) or time.monotonic() > deadline:
            return alive
        time.sleep(1)


# -- create ------------------------------------------------------------------
def test_create_reports_booting_then_configuring(claims):
    seen = claims.reach('create')
    assert seen['stack_status'] == 'CREATE_COMPLETE', seen['stack_reason']
    assert seen['status_reason'] == 'ACTIVE: 4/4 nodes active'
    texts = reasons(seen['events'])
    booting = [BOOTING.match(t) for t in texts if t.startswith('booting')]
    assert booting and all(booting), texts
    counts = [int(m.group(1)) for m in booting]
    # "n/N servers up": N is the cluster's 4 nodes, n never goes back
    assert {int(m.group(2)) for m in booting} == {4}, texts
    assert counts == sorted(counts), texts
    configuring = [t for t in texts if t.startswith('configuring: ')]
    assert configuring, texts
    # booting comes first, then the plugin's steps with their position
    assert texts.index(configuring[0]) > texts.index(booting[-1].string)
    # each names the plugin step and its place (or that all are done:
    # the reports are throttled, so that last one may not be sent)
    step = re.compile(r'^configuring: (.+ \(step \d+/\d+\)|configured '
                      r'\(\d+ steps\)$)')
    assert all(step.match(t) for t in configuring), configuring
    last = seen['events'][-1]
    assert (last[1], last[2]) == ('CREATE_COMPLETE',
                                  'ACTIVE: 4/4 nodes active')


# -- refused in-place changes ------------------------------------------------
def test_in_place_change_of_a_group_is_refused_naming_each_key(claims):
    seen = claims.reach('refuse')
    assert seen['stack_status'] == 'UPDATE_FAILED', seen['stack_reason']
    reason = seen['status_reason']
    for key in lifecycle.REFUSED:
        assert ('Property node_groups[1].%s: changing %s of the existing '
                'node group \'worker\' is not done in place' % (key, key)) \
            in reason, reason
    assert 'add a new group' in reason
    # nothing replaced, nothing built
    assert seen['servers'] == seen['servers_before']
    assert seen['nested'] == seen['nested_before']
    assert seen['metadata']['status'] == 'ACTIVE'


# -- removal_candidates, a group added, decommission before delete ----------
def test_scale_down_removes_the_named_candidate_not_the_newest(claims):
    seen = claims.reach('grow')
    assert seen['stack_status'] == 'UPDATE_COMPLETE', seen['stack_reason']
    # worker-0 was named; without it the newest (worker-2) would go
    assert sorted(seen['servers']) == ['extra-0', 'master-0', 'worker-1',
                                       'worker-2']
    before = seen['nodes_before']
    for name in ('master-0', 'worker-1', 'worker-2'):
        assert seen['nodes'][name]['server_id'] == \
            before[name]['server_id'], name


def test_a_groups_new_security_group_reaches_its_ports_in_place(claims):
    # the same update added the project's default group to the workers:
    # their ports have it, their servers are the ones they were (checked
    # above), the master's and the other group's ports do not
    seen = claims.reach('grow')
    groups = seen['port_groups']
    auto = groups['master-0'] - {'default'}
    assert auto and 'default' not in groups['master-0'], groups
    for node in ('worker-1', 'worker-2'):
        assert groups[node] == auto | {'default'}, groups
    assert 'default' not in groups['extra-0'], groups


def test_leaving_worker_is_decommissioned_before_its_server_goes(claims):
    seen = claims.reach('grow')
    address = seen['nodes_before']['worker-0']['address']
    decommissioned, gone = seen['watch'].order('worker-0', address)
    assert decommissioned is not None, \
        'the master never showed worker-0 DECOMMISSIONED'
    assert gone is not None, 'worker-0 server still there'
    assert decommissioned < gone
    texts = reasons(seen['events'])
    assert any(t.startswith('decommissioning 1 nodes: ') for t in texts), \
        texts


def test_added_group_is_built_and_joined(claims):
    seen = claims.reach('grow')
    extra = seen['nodes']['extra-0']
    assert extra['state'] == 'ACTIVE' and extra['group'] == 'extra'
    expected = [seen['nodes'][n]['address'] for n in
                ('extra-0', 'worker-1', 'worker-2')]
    assert alive_workers(seen['master'], expected) == sorted(expected)
    assert seen['metadata']['groups']['extra'] == {
        'active': 1, 'desired': 1, 'min_active': 0, 'failed': 0}
    assert seen['metadata']['status'] == 'ACTIVE'


# -- check -----------------------------------------------------------------
def test_check_marks_a_stopped_server_failed_in_phase_check(claims):
    seen = claims.reach('check')
    assert seen['stack_status'] == 'CHECK_COMPLETE', seen['stack_reason']
    failed = failed_nodes(seen['metadata'])
    assert sorted(failed) == ['worker-1', 'worker-2'], failed
    assert failed['worker-1']['phase'] == 'check'
    assert failed['worker-1']['reason'] == 'server is SHUTOFF'
    assert seen['metadata']['status'] == 'PARTIALLY_ACTIVE'
    assert seen['status_reason'].startswith('PARTIALLY_ACTIVE: ')
    assert any(t.startswith('checking: ') for t in reasons(seen['events']))


def test_a_changed_host_key_fails_the_node_with_the_reason(claims):
    seen = claims.reach('check')
    failed = failed_nodes(seen['metadata'])['worker-2']
    assert 'does not match the pinned host key' in failed['reason'], failed
    assert 'refusing to connect' in failed['reason'], failed
    assert failed['phase'], failed          # the health step that met it
    assert seen['nodes']['worker-2']['state'] == 'FAILED'
    # the others still active
    assert seen['nodes']['extra-0']['state'] == 'ACTIVE'
    assert seen['nodes']['master-0']['state'] == 'ACTIVE'


# -- heal, and removing a group ----------------------------------------------
def test_removed_group_is_decommissioned_then_deleted(claims):
    seen = claims.reach('heal')
    assert seen['stack_status'] == 'UPDATE_COMPLETE', seen['stack_reason']
    assert 'extra' not in seen['metadata']['groups']
    assert not [n for n in seen['servers'] if n.startswith('extra-')]
    address = seen['nodes_before']['extra-0']['address']
    decommissioned, gone = seen['watch'].order('extra-0', address)
    assert decommissioned is not None, \
        'the master never showed extra-0 DECOMMISSIONED'
    assert gone is not None and decommissioned < gone


def test_heal_rebuilds_failed_nodes_under_new_names(claims):
    seen = claims.reach('heal')
    assert sorted(seen['servers']) == ['master-0', 'worker-3', 'worker-4']
    assert seen['servers']['master-0'] == \
        claims.seen['create']['servers']['master-0']
    assert seen['metadata']['status'] == 'ACTIVE'
    assert seen['status_reason'] == 'ACTIVE: 3/3 nodes active'
    expected = [seen['nodes'][n]['address'] for n in
                ('worker-3', 'worker-4')]
    assert alive_workers(seen['master'], expected) == sorted(expected)
    texts = reasons(seen['events'])
    booting = [BOOTING.match(t) for t in texts if t.startswith('booting')]
    assert booting and {int(m.group(2)) for m in booting} == {2}, texts


# -- a shared resource that cannot be created --------------------------------
def test_keypair_refused_fails_the_cluster_as_infrastructure(sandbox):
    """Nova answers 500 to the management keypair's create: no node can
    be trusted, the cluster fails naming the shared resource and Heat's
    error, and no server was booted."""
    run = faults.Run(sandbox.heat, 'ftinfra', sandbox.platform)
    before = faults.inventory_ids()
    faults.admin('POST', '/reset')
    faults.admin('POST', '/faults', {'api_errors': {'compute': {
        'rate': 1.0, 'codes': [500], 'methods': ['POST'],
        'paths': ['/v2.1/os-keypairs']}}})
    try:
        stack = run.create(faults.cluster_template('ftinfra', 1))
        fired = faults.admin('GET', '/faults')['fired']
        reason = run.resource().resource_status_reason or ''
        servers = run.servers()
    finally:
        faults.admin('POST', '/reset')
        deleted = run.delete()
    assert fired.get('api_errors.compute', 0) >= 1, fired
    assert stack.stack_status == 'CREATE_FAILED'
    assert 'cluster infrastructure failed: management-keypair' in reason, \
        reason
    assert 'Injected fault: HTTP 500' in reason, reason
    assert servers == {}, json.dumps(servers)[:500]
    assert deleted == 'DELETE_COMPLETE'
    leaked = set(faults.inventory_ids()) - set(before)
    assert not leaked, leaked
