"""The ``openstack savanna job`` commands, run through cliff (parsers,
formatters) with OSC's client manager replaced by tests/unit/osc/fakeheat.py.
The real ``openstack`` console script against the real Heat is in
tests/functional/test_osc.py.
"""

import json

import pytest

from heatclient import exc as heat_exc
from osc_lib import exceptions

from heat_savanna.osc.v1 import job as job_cmds
from tests.unit.osc import fakeheat
from tests.unit.osc.v1.test_cluster import App

TEMPLATE = {
    'heat_template_version': '2018-08-31',
    'resources': {
        'cluster': {'type': fakeheat.CLUSTER, 'properties': {}},
        'pi': {'type': fakeheat.JOB, 'properties': {
            'cluster': {'get_resource': 'cluster'}, 'type': 'spark',
            'main': {'path': '/opt/spark/examples/pi.py'}}}}}
HADOOP = {
    'heat_template_version': '2018-08-31',
    'resources': {
        'hadoop': {'type': fakeheat.CLUSTER, 'properties': {}},
        'count': {'type': fakeheat.JOB, 'properties': {
            'cluster': {'get_resource': 'hadoop'}, 'type': 'mapreduce',
            'main': {'path': '/opt/ex.jar'}}}}}
FIRST = fakeheat.execution(1, 'SUCCEEDED', 0, trigger='create')
SECOND = fakeheat.execution(2, 'FAILED', 1, reason='exit code 1')
THIRD = fakeheat.execution(3, 'PENDING')


def run(heat, command, *argv):
    app = App(heat)
    cmd = command(app, None)
    parsed = cmd.get_parser('openstack savanna job').parse_args(list(argv))
    rc = cmd.run(parsed)
    return rc, app.stdout.getvalue()


@pytest.fixture
def heat():
    fake = fakeheat.FakeHeat()
    fake.add_stack('spark', TEMPLATE)
    fake.add_resource('spark', 'cluster',
                      attributes=fakeheat.spark_attributes())
    fake.add_resource('spark', 'pi', rtype=fakeheat.JOB, attributes=(
        fakeheat.job_attributes([FIRST, SECOND], output='Traceback\nboom')))
    fake.add_stack('big', HADOOP)
    fake.add_resource('big', 'count', rtype=fakeheat.JOB,
                      status='UPDATE_COMPLETE',
                      attributes=fakeheat.job_attributes([]))
    return fake


def test_list_json(heat):
    rc, out = run(heat, job_cmds.ListJob, '-f', 'json')
    assert rc == 0
    assert json.loads(out) == [
        {'Stack': 'spark', 'Resource': 'pi', 'Cluster': 'cluster',
         'Type': 'spark', 'Status': 'FAILED', 'Exit Code': 1,
         'Executions': 2},
        {'Stack': 'big', 'Resource': 'count', 'Cluster': 'hadoop',
         'Type': 'mapreduce', 'Status': '', 'Exit Code': '',
         'Executions': 0}]


def test_list_long_and_stack_filter(heat):
    rc, out = run(heat, job_cmds.ListJob, '--long', '--stack', 'spark',
                  '-f', 'json')
    rows = json.loads(out)
    assert [r['Resource'] for r in rows] == ['pi']
    assert rows[0]['Resource Status'] == 'CREATE_COMPLETE'
    assert (rows[0]['Started'], rows[0]['Finished']) == (
        SECOND['started_at'], SECOND['finished_at'])
    assert rows[0]['Stack ID'] == heat.stack_id('spark')


def test_list_table_and_value(heat):
    rc, out = run(heat, job_cmds.ListJob)
    assert out.splitlines()[1].startswith('| Stack ')
    assert '| spark | pi       | cluster | spark     | FAILED ' in out
    rc, out = run(heat, job_cmds.ListJob, '-f', 'value', '-c', 'Resource',
                  '-c', 'Executions')
    assert out.splitlines() == ['pi 2', 'count 0']


def test_show_json(heat):
    rc, out = run(heat, job_cmds.ShowJob, 'spark', 'pi', '-f', 'json')
    shown = json.loads(out)
    assert rc == 0
    assert (shown['cluster'], shown['type']) == ('cluster', 'spark')
    assert (shown['status'], shown['exit_code']) == ('FAILED', 1)
    assert shown['output'] == 'Traceback\nboom'
    assert shown['executions'] == '2 (1 FAILED, 1 SUCCEEDED)'
    assert shown['log_path'] == SECOND['log_path']
    assert shown['resource_status'] == 'CREATE_COMPLETE'


def test_show_table(heat):
    rc, out = run(heat, job_cmds.ShowJob, 'big', 'count')
    assert '| type            | mapreduce ' in out
    assert '| executions      | 0 ' in out


def test_show_errors_are_command_errors(heat):
    with pytest.raises(exceptions.CommandError,
                       match='is a OS::Savanna::Cluster, not an '
                       'OS::Savanna::Job'):
        run(heat, job_cmds.ShowJob, 'spark', 'cluster')
    with pytest.raises(exceptions.CommandError, match='^no resource pi in '
                       'stack nope '):
        run(heat, job_cmds.ShowJob, 'nope', 'pi')
    with pytest.raises(SystemExit):
        run(heat, job_cmds.ShowJob, 'spark')


def test_executions(heat):
    rc, out = run(heat, job_cmds.ListExecutions, 'spark', 'pi', '-f',
                  'json')
    assert json.loads(out) == [
        {'ID': FIRST['id'], 'Status': 'SUCCEEDED', 'Exit Code': 0,
         'Started': FIRST['started_at'], 'Finished': FIRST['finished_at']},
        {'ID': SECOND['id'], 'Status': 'FAILED', 'Exit Code': 1,
         'Started': SECOND['started_at'],
         'Finished': SECOND['finished_at']}]
    rc, out = run(heat, job_cmds.ListExecutions, 'spark', 'pi', '--long',
                  '-f', 'json')
    assert [(r['Trigger'], r['Reason']) for r in json.loads(out)] == [
        ('create', ''), ('signal', 'exit code 1')]
    rc, out = run(heat, job_cmds.ListExecutions, 'big', 'count', '-f',
                  'json')
    assert json.loads(out) == []


def accept(heat, *later):
    """The job takes the signal: a PENDING execution, then ``later``
    statuses of it on each read after."""
    def on_signal(rec, data):
        rec['attributes'] = fakeheat.job_attributes([FIRST, SECOND, THIRD])
        heat.add_event('spark', 'pi', 'SIGNAL_COMPLETE',
                       'Signal: execution %s PENDING' % THIRD['id'])
    statuses = iter(later)

    def on_get(rec):
        status = next(statuses, None)
        if status and len(rec['attributes']['executions']) == 3:
            code = {'SUCCEEDED': 0, 'FAILED': 3}.get(status)
            rec['attributes'] = fakeheat.job_attributes(
                [FIRST, SECOND, fakeheat.execution(
                    3, status, code,
                    reason='exit code 3' if code == 3 else '')],
                output='pi is about 3.14')
    heat.on_signal = on_signal
    heat.on_get = on_get


def test_run_sends_its_signal_and_shows_the_new_execution(heat,
                                                          monkeypatch):
    monkeypatch.setattr(job_cmds, 'START_INTERVAL', 0)
    accept(heat)
    rc, out = run(heat, job_cmds.RunJob, 'spark', 'pi', '-f', 'json')
    assert rc == 0
    assert heat.signals == [('spark', 'pi', {'action': 'run'})]
    shown = json.loads(out)
    assert shown['signal'] == {'action': 'run'}
    assert (shown['execution'], shown['status'], shown['trigger']) == (
        THIRD['id'], 'PENDING', 'signal')
    assert (shown['cluster'], shown['type']) == ('cluster', 'spark')


def test_run_wait_shows_the_outcome(heat, monkeypatch):
    monkeypatch.setattr(job_cmds, 'START_INTERVAL', 0)
    monkeypatch.setattr(job_cmds, 'WAIT_INTERVAL', 0)
    accept(heat, None, None, 'RUNNING', 'RUNNING', 'SUCCEEDED')
    rc, out = run(heat, job_cmds.RunJob, 'spark', 'pi', '--wait', '-f',
                  'json')
    shown = json.loads(out)
    assert rc == 0
    assert (shown['execution'], shown['status'], shown['exit_code']) == (
        THIRD['id'], 'SUCCEEDED', 0)
    assert shown['output'] == 'pi is about 3.14'


def test_run_wait_on_a_failed_execution_exits_1(heat, monkeypatch):
    monkeypatch.setattr(job_cmds, 'START_INTERVAL', 0)
    monkeypatch.setattr(job_cmds, 'WAIT_INTERVAL', 0)
    accept(heat, None, None, 'RUNNING', 'FAILED')
    with pytest.raises(exceptions.CommandError) as info:
        run(heat, job_cmds.RunJob, 'spark', 'pi', '--wait')
    assert str(info.value) == (
        'execution %s of job pi in stack spark: FAILED (exit code 3): '
        'exit code 3' % THIRD['id'])


def test_run_refused_by_the_job_is_a_command_error(heat, monkeypatch):
    monkeypatch.setattr(job_cmds, 'START_INTERVAL', 0)
    heat.on_signal = lambda rec, data: heat.add_event(
        'spark', 'pi', 'SIGNAL_COMPLETE',
        'signal refused: run_on has no "signal"')
    with pytest.raises(exceptions.CommandError) as info:
        run(heat, job_cmds.RunJob, 'spark', 'pi')
    assert str(info.value) == ('job pi in stack spark: signal refused: '
                               'run_on has no "signal"')


def test_run_refused_by_heat_is_a_command_error(heat):
    def refuse(rec, data):
        raise fakeheat.heat_error(
            heat_exc.HTTPBadRequest,
            'Signal resource during UPDATE is not supported.',
            'NotSupported')
    heat.on_signal = refuse
    with pytest.raises(exceptions.CommandError) as info:
        run(heat, job_cmds.RunJob, 'spark', 'pi', '--wait')
    assert str(info.value) == (
        'job pi in stack spark refused the run signal: Signal resource '
        'during UPDATE is not supported.')


def test_run_of_a_cluster_is_refused_before_sending(heat):
    with pytest.raises(exceptions.CommandError, match='not an '
                       'OS::Savanna::Job'):
        run(heat, job_cmds.RunJob, 'spark', 'cluster')
    assert heat.signals == []
