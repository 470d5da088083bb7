"""The ``openstack savanna cluster`` commands, run through cliff (parsers,
formatters) with OSC's client manager replaced by tests/unit/osc/fakeheat.py.
The real ``openstack`` console script against the real Heat is in
tests/functional/test_osc.py.
"""

import io
import json
import types

import pytest
import yaml

from heatclient import exc as heat_exc
from osc_lib import exceptions

from heat_savanna.osc.v1 import cluster as cluster_cmds
from tests.unit.osc import fakeheat


class App(object):
    """What a cliff command reads of OSC's app."""

    def __init__(self, heat):
        self.client_manager = types.SimpleNamespace(savanna=heat)
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


def run(heat, command, *argv):
    app = App(heat)
    cmd = command(app, None)
    parsed = cmd.get_parser('openstack savanna cluster').parse_args(
        list(argv))
    rc = cmd.run(parsed)
    return rc, app.stdout.getvalue()


@pytest.fixture
def heat():
    fake = fakeheat.FakeHeat()
    fake.add_stack('spark')
    fake.add_resource('spark', 'cluster', reason='ACTIVE: 2/2 nodes active',
                      attributes=fakeheat.spark_attributes())
    fake.add_stack('big')
    attrs = fakeheat.spark_attributes('PARTIALLY_ACTIVE', workers=3,
                                      failed=(2,))
    fake.add_resource('big', 'hadoop', status='UPDATE_COMPLETE',
                      reason=attrs['info']['summary'], attributes=attrs)
    return fake


def test_list_json(heat):
    rc, out = run(heat, cluster_cmds.ListCluster, '-f', 'json')
    assert rc == 0
    assert json.loads(out) == [
        {'Stack': 'spark', 'Resource': 'cluster',
         'Resource Status': 'CREATE_COMPLETE', 'Status': 'ACTIVE',
         'Active': 2, 'Desired': 2, 'Plugin': 'spark', 'Version': '4.3.0'},
        {'Stack': 'big', 'Resource': 'hadoop',
         'Resource Status': 'UPDATE_COMPLETE',
         'Status': 'PARTIALLY_ACTIVE', 'Active': 3, 'Desired': 4,
         'Plugin': 'spark', 'Version': '4.3.0'}]


def test_list_long_and_stack_filter(heat):
    rc, out = run(heat, cluster_cmds.ListCluster, '--long', '--stack',
                  'big', '-f', 'json')
    rows = json.loads(out)
    assert [r['Stack'] for r in rows] == ['big']
    assert rows[0]['Summary'].startswith('PARTIALLY_ACTIVE: worker 2/3')
    assert rows[0]['Stack ID'] == heat.stack_id('big')


def test_list_table_and_value(heat):
    rc, out = run(heat, cluster_cmds.ListCluster)
    assert out.splitlines()[1].startswith('| Stack ')
    assert '| spark | cluster  | CREATE_COMPLETE ' in out
    rc, out = run(heat, cluster_cmds.ListCluster, '-f', 'value', '-c',
                  'Resource', '-c', 'Status')
    assert out.splitlines() == ['cluster ACTIVE', 'hadoop PARTIALLY_ACTIVE']


def test_show_json_keeps_structures(heat):
    rc, out = run(heat, cluster_cmds.ShowCluster, 'big', '-f', 'json')
    shown = json.loads(out)
    assert rc == 0
    assert shown['status'] == 'PARTIALLY_ACTIVE'
    assert shown['resource_status'] == 'UPDATE_COMPLETE'
    assert (shown['active_count'], shown['desired_count']) == (3, 4)
    assert shown['endpoints'] == {'spark-master': 'spark://10.0.0.3:7077',
                                  'spark-master-ui': 'http://10.0.0.3:8080'}
    assert shown['failed_nodes'] == [{'name': 'worker-2', 'group': 'worker',
                                      'phase': 'boot',
                                      'reason': 'No valid host'}]
    assert shown['groups']['worker']['failed'] == 1
    assert shown['master_address'] == '10.0.0.3'


def test_show_table_is_readable(heat):
    rc, out = run(heat, cluster_cmds.ShowCluster, 'spark')
    assert "| endpoints       | spark-master='spark://10.0.0.3:7077', " in out
    assert '| status          | ACTIVE ' in out


def test_show_yaml(heat):
    rc, out = run(heat, cluster_cmds.ShowCluster, 'spark', '--resource',
                  'cluster', '-f', 'yaml')
    assert yaml.safe_load(out)['plugin'] == 'spark'


def test_show_errors_are_command_errors(heat):
    heat.add_resource('spark', 'twin', attributes={})
    with pytest.raises(exceptions.CommandError,
                       match=r'\(cluster, twin\): name one with --resource'):
        run(heat, cluster_cmds.ShowCluster, 'spark')
    with pytest.raises(exceptions.CommandError,
                       match='^stack nope not found$'):
        run(heat, cluster_cmds.ShowCluster, 'nope')


def test_nodes_json(heat):
    rc, out = run(heat, cluster_cmds.ListNodes, 'big', '-f', 'json')
    rows = json.loads(out)
    assert [r['Name'] for r in rows] == ['master-0', 'worker-0', 'worker-1',
                                         'worker-2']
    assert rows[0] == {'Name': 'master-0', 'Group': 'master',
                       'Processes': ['master'], 'Address': '10.0.0.3',
                       'State': 'ACTIVE', 'Phase': '', 'Reason': ''}
    assert rows[3]['State'] == 'FAILED' and rows[3]['Phase'] == 'boot'
    assert rows[3]['Reason'] == 'No valid host'


def test_nodes_long_and_table(heat):
    rc, out = run(heat, cluster_cmds.ListNodes, 'spark', '--long', '-f',
                  'json')
    assert json.loads(out)[1]['Internal Address'] == '10.0.0.10'
    rc, out = run(heat, cluster_cmds.ListNodes, 'spark')
    assert '| master-0 | master | master    | 10.0.0.3 ' in out


def test_check_sends_its_signal(heat):
    rc, out = run(heat, cluster_cmds.CheckCluster, 'spark', '-f', 'json')
    assert rc == 0
    assert heat.signals == [('spark', 'cluster', {'action': 'check'})]
    shown = json.loads(out)
    assert shown['signal'] == {'action': 'check'}
    assert shown['resource_status'] == 'CREATE_COMPLETE'


def test_heal_sends_its_signal(heat):
    run(heat, cluster_cmds.HealCluster, 'big', '--resource', 'hadoop')
    assert heat.signals == [('big', 'hadoop', {'action': 'heal'})]


@pytest.mark.parametrize('argv,data', [
    (('--group', 'worker', '--count', '5'),
     {'action': 'resize', 'group': 'worker', 'count': 5}),
    (('--group', 'worker', '--adjustment', '-1'),
     {'action': 'resize', 'group': 'worker', 'adjustment': -1}),
    (('--group', 'worker', '--adjustment', '+2'),
     {'action': 'resize', 'group': 'worker', 'adjustment': 2}),
])
def test_resize_sends_its_signal(heat, argv, data):
    run(heat, cluster_cmds.ResizeCluster, 'spark', *argv)
    assert heat.signals == [('spark', 'cluster', data)]


@pytest.mark.parametrize('argv', [
    ('--group', 'worker'),
    ('--count', '3'),
    ('--group', 'worker', '--count', '3', '--adjustment', '1'),
])
def test_resize_argument_errors(heat, argv):
    with pytest.raises(SystemExit):
        run(heat, cluster_cmds.ResizeCluster, 'spark', *argv)
    assert heat.signals == []


def test_resize_to_a_negative_count_is_refused_before_sending(heat):
    with pytest.raises(exceptions.CommandError, match='>= 0'):
        run(heat, cluster_cmds.ResizeCluster, 'spark', '--group', 'worker',
            '--count', '-3')
    assert heat.signals == []


def test_refused_signal_is_a_clear_command_error(heat):
    def refuse(rec, data):
        raise fakeheat.heat_error(heat_exc.HTTPBadRequest,
                                  'signal is not supported for resource.',
                                  'ResourceActionNotSupported')
    heat.on_signal = refuse
    with pytest.raises(exceptions.CommandError) as info:
        run(heat, cluster_cmds.CheckCluster, 'spark')
    assert str(info.value) == (
        'cluster cluster in stack spark does not handle signals (Heat: '
        'signal is not supported for resource.)')


def progress(heat, final_status, final_reason):
    """The signal puts the resource IN_PROGRESS; the next read finishes."""
    def on_signal(rec, data):
        rec['status'] = 'UPDATE_IN_PROGRESS'
        rec['reason'] = 'booting: 0/1 servers up'
        heat.add_event('spark', rec['name'], rec['status'], rec['reason'])
    reads = []

    def on_get(rec):
        reads.append(rec['status'])
        if len(reads) > 2 and rec['status'].endswith('IN_PROGRESS'):
            rec['status'], rec['reason'] = final_status, final_reason
            heat.add_event('spark', rec['name'], final_status, final_reason)
    heat.on_signal = on_signal
    heat.on_get = on_get


def test_wait_shows_the_outcome(heat, monkeypatch):
    monkeypatch.setattr(cluster_cmds, 'WAIT_INTERVAL', 0)
    progress(heat, 'UPDATE_COMPLETE', 'ACTIVE: 2/2 nodes active')
    rc, out = run(heat, cluster_cmds.HealCluster, 'spark', '--wait', '-f',
                  'json')
    shown = json.loads(out)
    assert rc == 0
    assert shown['signal'] == {'action': 'heal'}
    assert shown['resource_status'] == 'UPDATE_COMPLETE'
    assert shown['status'] == 'ACTIVE'


def test_wait_on_a_failed_outcome_exits_1(heat, monkeypatch):
    monkeypatch.setattr(cluster_cmds, 'WAIT_INTERVAL', 0)
    progress(heat, 'UPDATE_FAILED', 'FAILED: node master-0 failed')
    with pytest.raises(exceptions.CommandError) as info:
        run(heat, cluster_cmds.ResizeCluster, 'spark', '--group', 'worker',
            '--count', '4', '--wait')
    assert str(info.value) == ('resize of cluster cluster in stack spark: '
                               'UPDATE_FAILED: FAILED: node master-0 failed')


def test_wait_timeout_is_a_command_error(heat, monkeypatch):
    monkeypatch.setattr(cluster_cmds, 'WAIT_INTERVAL', 0)
    heat.on_signal = lambda rec, data: rec.update(
        status='CHECK_IN_PROGRESS', reason='checking: 1/2')
    with pytest.raises(exceptions.CommandError,
                       match=r'still CHECK_IN_PROGRESS after 0s '
                       r'\(checking: 1/2\)'):
        run(heat, cluster_cmds.CheckCluster, 'spark', '--wait',
            '--timeout', '0')


def test_show_table_groups_in_one_line(heat):
    rc, out = run(heat, cluster_cmds.ShowCluster, 'big')
    assert ('| groups          | master 1/1 (min 1), worker 2/3 (min 1, 1 '
            'failed) ') in out
