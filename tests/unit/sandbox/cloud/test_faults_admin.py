"""Fault injection, stats and the admin API."""

import urllib.error

import paramiko
import pytest

from cinderclient import exceptions as cinder_exc
from novaclient import exceptions as nova_exc

from savanna_sandbox.cloud import config
from savanna_sandbox.cloud import faults as faults_mod
from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'fault-key')


def _boot(nova, name):
    return nova.servers.create(name, image='cirros', flavor='1',
                               key_name='fault-key', nics='auto')


def _cleanup(nova, servers):
    for s in servers:
        nova.servers.delete(s.id)
    for s in servers:
        helpers.wait_gone(lambda: nova.servers.get(s.id))


def test_boot_failure_by_name_glob(nova, sim, key):
    helpers.admin(sim, 'POST', '/faults',
                  {'boot_failure': {'names': ['worker-1*']}})
    servers = [_boot(nova, n) for n in ('worker-0', 'worker-1', 'worker-10')]
    servers = [helpers.wait_status(nova, s.id) for s in servers]
    try:
        assert [s.status for s in servers] == ['ACTIVE', 'ERROR', 'ERROR']
        assert 'injected' in servers[1].fault['message'].lower()
    finally:
        _cleanup(nova, servers)


def test_boot_failure_fraction_is_deterministic():
    def run():
        f = faults_mod.Faults(seed=0)
        f.set({'boot_failure': {'fraction': 0.3, 'seed': 42}})
        return [bool(f.boot_fails('w-%d' % i)) for i in range(50)]
    first = run()
    assert first == run()
    assert 5 < sum(first) < 25


def test_boot_latency(nova, sim, key):
    helpers.admin(sim, 'POST', '/faults', {'boot_latency': 1.0})
    server = _boot(nova, 'slow-boot')
    try:
        assert nova.servers.get(server.id).status == 'BUILD'
        server = helpers.wait_status(nova, server.id)
        assert server.status == 'ACTIVE'
    finally:
        _cleanup(nova, [server])


def test_api_errors_and_retry_after(nova, cinder, sim):
    helpers.admin(sim, 'POST', '/faults', {'api_errors': {
        'compute': {'rate': 1.0, 'codes': [429], 'retry_after': 3},
        'volumev3': {'rate': 1.0, 'codes': [503], 'methods': ['GET']}}})
    with pytest.raises(nova_exc.RateLimit) as exc:
        nova.flavors.list()
    assert exc.value.retry_after == 3
    with pytest.raises(cinder_exc.ClientException) as exc:
        cinder.volumes.list()
    assert exc.value.code == 503
    helpers.admin(sim, 'POST', '/reset')
    assert nova.flavors.list()


def test_api_errors_only_while_a_server_is_building(nova, sim, key):
    """building_only: the GETs of a server in BUILD fail, the same GETs
    once it is ACTIVE do not (Heat tolerates errors only in its polls)."""
    helpers.admin(sim, 'POST', '/faults', {'boot_latency': 2})
    server = _boot(nova, 'building-only')
    try:
        helpers.admin(sim, 'POST', '/faults', {'api_errors': {'compute': {
            'rate': 1.0, 'codes': [503], 'methods': ['GET'],
            'paths': ['/v2.1/servers/{id}'], 'building_only': True}}})
        with pytest.raises(nova_exc.ClientException) as exc:
            nova.servers.get(server.id)
        assert exc.value.code == 503
        assert nova.flavors.list()          # another route: untouched
        helpers.admin(sim, 'POST', '/reset')
        helpers.wait_status(nova, server.id)
        helpers.admin(sim, 'POST', '/faults', {'api_errors': {'compute': {
            'rate': 1.0, 'codes': [503], 'methods': ['GET'],
            'paths': ['/v2.1/servers/{id}'], 'building_only': True}}})
        assert nova.servers.get(server.id).status == 'ACTIVE'
    finally:
        helpers.admin(sim, 'POST', '/reset')
        _cleanup(nova, [server])


def test_a_lost_create_answer_leaves_what_was_made(nova, cinder, sim, key):
    """server_create_lost / volume_create_lost: the request is carried out
    and answered 504, so the client never learns the id; what was made is
    found again as Nova and Cinder find things: a server name is a
    regular expression, a volume metadata filter a dict literal."""
    helpers.admin(sim, 'POST', '/faults', {'resource_failure': {
        'server_create_lost': {'names': ['lost-srv']},
        'volume_create_lost': {'names': ['lost-vol']}}})
    with pytest.raises(nova_exc.ClientException) as exc:
        _boot(nova, 'lost-srv')
    assert exc.value.code == 504
    with pytest.raises(cinder_exc.ClientException) as exc:
        cinder.volumes.create(size=1, name='lost-vol',
                              metadata={'owner': 'me', 'node': 'n-1'})
    assert exc.value.code == 504
    helpers.admin(sim, 'POST', '/reset')
    kept = _boot(nova, 'lost-srv-2')        # not matched by the fault
    try:
        found = nova.servers.list(search_opts={'name': '^lost-srv$'})
        assert [s.name for s in found] == ['lost-srv']
        server = helpers.wait_status(nova, found[0].id)
        assert server.status == 'ACTIVE'
        assert sorted(s.name for s in nova.servers.list(
            search_opts={'name': '^lost-'})) == ['lost-srv', 'lost-srv-2']
        vols = cinder.volumes.list(search_opts={'metadata': {'owner': 'me'}})
        assert [v.name for v in vols] == ['lost-vol']
        assert cinder.volumes.list(search_opts={
            'metadata': {'owner': 'me', 'node': 'n-2'}}) == []
        helpers.wait_for(lambda: cinder.volumes.get(vols[0].id).status ==
                         'available', what='volume available')
        cinder.volumes.delete(vols[0].id)
        helpers.wait_gone(lambda: cinder.volumes.get(vols[0].id))
    finally:
        _cleanup(nova, [kept] + nova.servers.list(
            search_opts={'name': '^lost-srv$'}))


def test_a_lost_port_answer_leaves_the_port(neutron, sim):
    """port_create_lost: the port is made and the answer is 504; it is
    found again by its exact name (any of several), with the description
    it was made with."""
    from neutronclient.common import exceptions as neutron_exc
    net = neutron.list_networks(name='private')['networks'][0]['id']
    helpers.admin(sim, 'POST', '/faults', {'resource_failure': {
        'port_create_lost': {'names': ['lost-port']}}})
    try:
        with pytest.raises(neutron_exc.NeutronClientException) as exc:
            neutron.create_port({'port': {'network_id': net,
                                          'name': 'lost-port',
                                          'description': 'owner=me'}})
        assert exc.value.status_code == 504
        kept = neutron.create_port({'port': {'network_id': net,
                                             'name': 'kept-port'}})['port']
        found = neutron.list_ports(name=['lost-port', 'other'],
                                   fields=['id', 'description'])['ports']
        assert [p['description'] for p in found] == ['owner=me']
        assert set(found[0]) == {'id', 'description'}
        neutron.delete_port(found[0]['id'])
        neutron.delete_port(kept['id'])
        assert neutron.list_ports(name=['lost-port'])['ports'] == []
    finally:
        helpers.admin(sim, 'POST', '/reset')


def test_api_error_rate_is_seeded(sim):
    def run():
        f = faults_mod.Faults(seed=0)
        f.set({'api_errors': {'network': {'rate': 0.5, 'codes': [500, 503],
                                          'seed': 9}}})
        out = []
        for _ in range(40):
            try:
                f.before_request('network', 'GET', '/v2.0/ports')
                out.append(200)
            except Exception as exc:
                out.append(exc.code)
        return out
    assert run() == run()
    assert {200, 500, 503} == set(run())


def test_bad_fault_document_is_rejected(sim):
    with pytest.raises(urllib.error.HTTPError) as exc:
        helpers.admin(sim, 'POST', '/faults', {'boot_failur': {}})
    assert exc.value.code == 400
    with pytest.raises(urllib.error.HTTPError):
        helpers.admin(sim, 'POST', '/faults',
                      {'api_errors': {'compute': {'rate': 2}}})


def test_ssh_refuse_and_kill(nova, sim, key):
    server = helpers.wait_status(nova, _boot(nova, 'victim').id)
    address = server.networks['private'][0]
    try:
        assert helpers.ssh_run(address, key, 'echo ok') == 'ok'
        helpers.admin(sim, 'POST', '/faults', {'ssh_refuse': ['vic*']})
        with pytest.raises((paramiko.ssh_exception.SSHException, OSError)):
            helpers.ssh_run(address, key, 'true', timeout=2)
        helpers.admin(sim, 'POST', '/reset')
        helpers.wait_for(lambda: _can_ssh(address, key), 10, 0.2,
                         'ssh allowed again')
        result = helpers.admin(sim, 'POST', '/servers/victim/kill', {})
        assert result['status'] == 'ACTIVE'      # Nova has not noticed
        assert not _can_ssh(address, key)
        servers = helpers.admin(sim, 'GET', '/servers')['servers']
        assert [s['ssh_running'] for s in servers
                if s['name'] == 'victim'] == [False]
    finally:
        _cleanup(nova, [server])


def _can_ssh(address, key):
    try:
        return helpers.ssh_run(address, key, 'echo ok', timeout=2) == 'ok'
    except (paramiko.ssh_exception.SSHException, OSError):
        return False


def test_stats_count_per_route(nova, sim):
    helpers.admin(sim, 'POST', '/stats/reset')
    nova.flavors.list()
    nova.flavors.list()
    with pytest.raises(nova_exc.NotFound):
        nova.servers.get('nope')
    stats = helpers.admin(sim, 'GET', '/stats')
    requests = stats['services']['compute']['requests']
    assert requests['GET /v2.1/flavors/detail'] == 2
    assert requests['GET /v2.1/servers/{id}'] == 1
    assert stats['total'] == 3


def test_hypervisors_and_health(sim):
    assert helpers.admin(sim, 'GET', '/health')['ok'] is True
    hvs = helpers.admin(sim, 'GET', '/hypervisors')['hypervisors']
    assert [h['name'] for h in hvs] == sim.hypervisors


def test_ini_config(tmp_path):
    path = tmp_path / 'cloud.ini'
    path.write_text(
        '[cloud]\nstate_dir = /tmp/x\nhypervisors = hv-a, hv-b\n'
        'ports = compute:18774, admin:18799\nseed = 5\n'
        '[auth]\nstrategy = noauth\n'
        '[network:lan]\ncidr = 127.0.50.0/24\n'
        '[image:custom]\nuser = bob\nbinds = /opt/x=/tmp/x\n'
        'property.os_distro = debian\n')
    conf = config.load(str(path))
    assert config.hypervisor_names(conf) == ['hv-a', 'hv-b']
    assert conf['ports']['compute'] == 18774
    assert conf['ports']['network'] == 9696        # default kept
    assert conf['networks'] == {'lan': {'cidr': '127.0.50.0/24',
                                        'external': False}}
    assert conf['images']['custom']['binds'] == {'/opt/x': '/tmp/x'}
    assert conf['auth']['strategy'] == 'noauth'
    assert conf['seed'] == 5


def test_json_config(tmp_path):
    path = tmp_path / 'cloud.json'
    path.write_text('{"hypervisors": 6, "auth": {"password": "p"}}')
    conf = config.load(str(path))
    assert len(config.hypervisor_names(conf)) == 6
    assert conf['auth']['username'] == 'cloudsim'
    assert 'private' in conf['networks']


def test_a_broken_image_passes_a_content_check_but_cannot_start(tmp_path):
    import subprocess
    from savanna_sandbox.cloud import cloud
    src = tmp_path / 'spark'
    for sub, name in (('bin', 'spark-class'), ('sbin', 'spark-daemon.sh'),
                      ('jars', 'spark-core_2.13-4.3.0.jar')):
        (src / sub).mkdir(parents=True)
        (src / sub / name).write_text('#!/bin/sh\nexit 0\n')
        (src / sub / name).chmod(0o755)
    binds = cloud.broken_image({'/opt/spark': str(src)},
                               str(tmp_path / 'host'))
    root = binds['/opt/spark']
    import os
    # what the image holds is all there: the jars of the real image...
    assert os.path.realpath(os.path.join(root, 'jars')) == \
        str(src / 'jars')
    assert os.access(os.path.join(root, 'bin', 'spark-class'), os.X_OK)
    # ...but its scripts cannot start anything
    done = subprocess.run([os.path.join(root, 'sbin', 'spark-daemon.sh')],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert 'cannot start (injected service_fail fault)' in done.stderr
