"""heat_savanna.osc.plugin and its registration: the real ``openstack``
console script of this venv finds the ``savanna`` commands and loads every
installed plugin without a warning."""

import argparse
import os
import subprocess
import sys
import types
from importlib import metadata

from heatclient.v1 import client as heat_v1

from heat_savanna.osc import plugin
from heat_savanna.osc.v1 import cluster as cluster_cmds
from heat_savanna.osc.v1 import job as job_cmds

COMMANDS = ('list', 'show', 'nodes', 'heal', 'resize', 'check')
JOB_COMMANDS = ('list', 'show', 'run', 'executions')


def openstack(*argv):
    script = os.path.join(os.path.dirname(sys.executable), 'openstack')
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    return subprocess.run([script] + list(argv), capture_output=True,
                          text=True, env=env, timeout=120,
                          stdin=subprocess.DEVNULL)


def test_openstack_help_loads_every_plugin_without_a_warning():
    # Every installed OSC plugin's commands are loaded for --help: a
    # plugin whose entry points name a missing class prints "Could not
    # load ..." here, and on every other openstack call too.
    done = openstack('--help')
    assert done.returncode == 0, done.stderr
    assert 'Could not load' not in done.stderr, done.stderr
    assert 'WARNING' not in done.stderr, done.stderr
    for name in COMMANDS:
        assert '  savanna cluster %s ' % name in done.stdout
    for name in JOB_COMMANDS:
        assert '  savanna job %s ' % name in done.stdout


def test_openstack_savanna_command_help():
    done = openstack('savanna', 'cluster', 'resize', '--help')
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    for option in ('--group', '--count', '--adjustment', '--wait',
                   '--resource', '--format'):
        assert option in done.stdout
    done = openstack('savanna', 'job', 'run', '--help')
    assert done.returncode == 0, done.stderr
    assert done.stderr == ''
    for option in ('<stack>', '<job>', '--wait', '--timeout', '--format'):
        assert option in done.stdout


def test_entry_points_name_the_commands():
    eps = {ep.name: ep.value
           for ep in metadata.entry_points(group='openstack.savanna.v1')}
    assert sorted(eps) == sorted(
        ['savanna_cluster_%s' % c for c in COMMANDS] +
        ['savanna_job_%s' % c for c in JOB_COMMANDS])
    assert {ep.load() for ep in metadata.entry_points(
        group='openstack.savanna.v1')} == {
        cluster_cmds.ListCluster, cluster_cmds.ShowCluster,
        cluster_cmds.ListNodes, cluster_cmds.HealCluster,
        cluster_cmds.ResizeCluster, cluster_cmds.CheckCluster,
        job_cmds.ListJob, job_cmds.ShowJob, job_cmds.RunJob,
        job_cmds.ListExecutions}
    ext = [ep for ep in metadata.entry_points(
        group='openstack.cli.extension') if ep.name == 'savanna']
    assert [ep.value for ep in ext] == ['heat_savanna.osc.plugin']


def test_make_client_is_heatclient_on_osc_s_session():
    session = object()
    instance = types.SimpleNamespace(
        _api_version={'savanna': '1'}, session=session,
        region_name='RegionTwo', interface='internal')
    client = plugin.make_client(instance)
    assert isinstance(client, heat_v1.Client)
    http = client.http_client
    assert http.session is session
    assert (http.service_type, http.interface, http.region_name) == \
        ('orchestration', 'internal', 'RegionTwo')


def test_api_version_option(monkeypatch):
    monkeypatch.delenv('OS_SAVANNA_API_VERSION', raising=False)
    parser = plugin.build_option_parser(argparse.ArgumentParser())
    assert parser.parse_args([]).os_savanna_api_version == '1'
    monkeypatch.setenv('OS_SAVANNA_API_VERSION', '1')
    parser = plugin.build_option_parser(argparse.ArgumentParser())
    assert parser.parse_args(
        ['--os-savanna-api-version', '1']).os_savanna_api_version == '1'
    assert plugin.API_VERSION_OPTION == 'os_savanna_api_version'
    assert set(plugin.API_VERSIONS) == {plugin.DEFAULT_API_VERSION}
