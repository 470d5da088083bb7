"""savanna_sandbox.faults.simulator: the admin API as the rows read it,
the hosts' processes and files."""

import os
import subprocess
import sys
import tempfile

import pytest

from savanna_sandbox import paths
from savanna_sandbox.cloud import cloud as cloud_mod
from savanna_sandbox.cloud import wsgi
from savanna_sandbox.faults import simulator
from tests.unit.sandbox.cloud import conftest
from tests.unit.sandbox.cloud import helpers


@pytest.fixture
def admin_api(monkeypatch):
    """A simulator's admin API on a loopback port (nothing else runs)."""
    sim = cloud_mod.CloudSimulator(conftest.make_conf(tempfile.mkdtemp()))
    listener = wsgi.Listener('admin', '127.0.0.1', 0, sim.admin)
    listener.start()
    monkeypatch.setattr(simulator, 'ADMIN_URL',
                        'http://127.0.0.1:%d' % listener.port)
    yield sim
    listener.stop()


def test_admin_and_the_inventory(admin_api):
    assert simulator.admin('GET', '/inventory')['live']['servers'] == []
    assert simulator.inventory_ids() == {}
    rec = helpers.add_server(admin_api, 'fx-worker-0')
    assert simulator.inventory_ids() == {('servers', rec['id']):
                                         'fx-worker-0'}
    assert simulator.admin('POST', '/faults', {'boot_latency': 1})[
        'faults'] == {'boot_latency': 1}
    assert simulator.admin('POST', '/reset') == {'faults': {}}


def test_servers_of_a_cluster_by_node_name(monkeypatch):
    monkeypatch.setattr(simulator, 'admin', lambda method, path: {
        'servers': [{'name': 'fx-worker-0'}, {'name': 'fx-master-0'},
                    {'name': 'fxy-worker-0'}]})
    assert sorted(simulator.servers('fx')) == ['master-0', 'worker-0']


def test_daemon_pid_by_class_and_address():
    proc = subprocess.Popen([sys.executable, '-c',
                             'import time; time.sleep(60)',
                             'org.example.Daemon', '--host', '127.0.0.9'])
    try:
        # (its command line shows a moment after Popen returns)
        assert helpers.wait_for(lambda: simulator.daemon_pid(
            '127.0.0.9', 'org.example.Daemon'), timeout=5) == proc.pid
        assert simulator.daemon_pid('127.0.0.8', 'org.example.Daemon') \
            is None
    finally:
        proc.kill()
        proc.wait()


def test_host_file_reads_the_hosts_own_view(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, 'state_dir', lambda: str(tmp_path))
    etc = tmp_path / 'cloud' / 'hosts' / 'srv-1' / 'fs' / 'etc'
    os.makedirs(etc)
    (etc / 'hosts').write_text('127.0.0.1 worker-0\n')
    assert simulator.host_file({'id': 'srv-1'}, 'etc', 'hosts') == \
        '127.0.0.1 worker-0\n'
    assert simulator.host_file({'id': 'srv-1'}, 'etc', 'motd') is None
