"""heat_savanna.osc.jobs: locating, reading and running jobs.

The pure functions (definition, rows, fields) are tested alone; the calls
through Heat's API against tests/unit/osc/fakeheat.py (heat-api itself
runs only in the functional tier, tests/functional/test_osc.py).
"""

import pytest

from heatclient.v1 import resources as hc_resources

from heat_savanna.osc import clusters
from heat_savanna.osc import jobs
from tests.unit.osc import fakeheat

TEMPLATE = {
    'heat_template_version': '2018-08-31',
    'parameters': {'kind': {'type': 'string', 'default': 'shell'}},
    'resources': {
        'cluster': {'type': fakeheat.CLUSTER, 'properties': {}},
        'pi': {'type': fakeheat.JOB, 'properties': {
            'cluster': {'get_resource': 'cluster'}, 'type': 'spark',
            'main': {'path': '/opt/spark/examples/pi.py'}}},
        'script': {'type': fakeheat.JOB, 'properties': {
            'cluster': {'get_resource': 'cluster'},
            'type': {'get_param': 'kind'},
            'main': {'inline': 'echo hi'}}}}}


@pytest.fixture
def heat():
    fake = fakeheat.FakeHeat()
    fake.add_stack('spark', TEMPLATE, {'kind': 'shell'})
    fake.add_resource('spark', 'cluster',
                      attributes=fakeheat.spark_attributes())
    fake.add_resource('spark', 'pi', rtype=fakeheat.JOB, attributes=(
        fakeheat.job_attributes([
            fakeheat.execution(1, 'SUCCEEDED', 0, trigger='create'),
            fakeheat.execution(2, 'FAILED', 1, reason='exit code 1')],
            output='Traceback...\nZeroDivisionError')))
    fake.add_resource('spark', 'script', rtype=fakeheat.JOB,
                      attributes=fakeheat.job_attributes([]))
    return fake


def job_resource(attrs):
    return hc_resources.Resource(None, {
        'resource_name': 'pi', 'resource_type': jobs.TYPE,
        'resource_status': 'CREATE_COMPLETE',
        'resource_status_reason': 'execution x SUCCEEDED: exit code 0',
        'links': [{'rel': 'stack',
                   'href': 'http://h/v1/p/stacks/big/1234-abcd'}],
        'attributes': attrs})


# -- pure functions ---------------------------------------------------------
def test_definition_reads_the_template_and_resolves_get_param():
    assert jobs.definition(TEMPLATE, 'pi') == ('cluster', 'spark')
    assert jobs.definition(TEMPLATE, 'script', {'kind': 'shell'}) == \
        ('cluster', 'shell')
    # nothing to tell: no template, no such resource, no parameter value
    assert jobs.definition({}, 'pi') == ('', '')
    assert jobs.definition(TEMPLATE, 'nope') == ('', '')
    assert jobs.definition(TEMPLATE, 'script') == ('cluster', '')


def test_from_resource_takes_the_state_from_the_attributes():
    attrs = fakeheat.job_attributes([
        fakeheat.execution(1, 'SUCCEEDED', 0),
        fakeheat.execution(2, 'RUNNING')], output='step 3/9')
    job = jobs.from_resource(job_resource(attrs), template=TEMPLATE)
    assert (job.stack, job.stack_id, job.resource) == ('big', '1234-abcd',
                                                       'pi')
    assert (job.cluster, job.job_type) == ('cluster', 'spark')
    assert (job.status, job.exit_code, job.output) == ('RUNNING', None,
                                                       'step 3/9')
    assert job.started_at == '2026-01-01T10:02:01Z'
    assert job.finished_at == ''
    assert [e['status'] for e in job.executions] == ['SUCCEEDED', 'RUNNING']
    assert job.ident == 'big/1234-abcd'
    assert job.execution(attrs['executions'][0]['id'])['exit_code'] == 0
    assert job.execution('other') is None


def test_a_job_before_its_first_execution():
    job = jobs.from_resource(job_resource(fakeheat.job_attributes([])))
    assert (job.status, job.exit_code, job.output, job.executions) == \
        ('', None, '', [])
    assert jobs.list_row(job) == ('big', 'pi', '', '', '', '', 0)
    assert dict(zip(*jobs.show_fields(job)))['executions'] == '0'


def test_rows_and_fields():
    attrs = fakeheat.job_attributes([
        fakeheat.execution(1, 'SUCCEEDED', 0, trigger='create'),
        fakeheat.execution(2, 'FAILED', 2, reason='exit code 2'),
        fakeheat.execution(3, 'SUCCEEDED', 0)], output='3.14')
    job = jobs.from_resource(job_resource(attrs), template=TEMPLATE)
    assert jobs.list_row(job) == ('big', 'pi', 'cluster', 'spark',
                                  'SUCCEEDED', 0, 3)
    assert jobs.list_row(job, long=True)[7:] == (
        'CREATE_COMPLETE', '2026-01-01T10:03:01Z', '2026-01-01T10:03:09Z',
        '1234-abcd')
    second = attrs['executions'][1]
    assert jobs.execution_row(second) == (
        second['id'], 'FAILED', 2, '2026-01-01T10:02:01Z',
        '2026-01-01T10:02:09Z')
    assert jobs.execution_row(second, long=True)[5:] == (
        'signal', 'exit code 2', '/var/lib/spark/jobs/job/2/stdout.log')
    shown = dict(zip(*jobs.show_fields(job)))
    assert shown['executions'] == '3 (1 FAILED, 2 SUCCEEDED)'
    assert (shown['cluster'], shown['type'], shown['status'],
            shown['exit_code'], shown['output']) == (
        'cluster', 'spark', 'SUCCEEDED', 0, '3.14')
    # the output is the latest execution's only
    names, values = jobs.execution_fields(job, second, {'action': 'run'})
    assert dict(zip(names, values))['output'] == ''
    names, values = jobs.execution_fields(job, attrs['executions'][2],
                                          {'action': 'run'})
    assert dict(zip(names, values))['output'] == '3.14'


# -- through the API --------------------------------------------------------
def test_read_all_one_template_per_stack_with_jobs(heat):
    heat.add_stack('nojobs')
    heat.add_resource('nojobs', 'cluster',
                      attributes=fakeheat.spark_attributes())
    found = jobs.read_all(heat)
    assert [(j.stack, j.resource, j.cluster, j.job_type, j.status)
            for j in found] == [('spark', 'pi', 'cluster', 'spark',
                                 'FAILED'),
                                ('spark', 'script', 'cluster', 'shell', '')]
    templates = [c for c in heat.calls if c[0] == 'stacks.template']
    assert len(templates) == 1 and templates[0][1].startswith('spark/')
    assert jobs.read_all(heat, 'nojobs') == []


def test_read_refuses_what_is_not_a_job(heat):
    with pytest.raises(jobs.JobError,
                       match='resource cluster in stack spark is a '
                       'OS::Savanna::Cluster, not an OS::Savanna::Job'):
        jobs.read(heat, 'spark', 'cluster')
    with pytest.raises(jobs.JobError, match='^no resource nope in stack '
                       r'spark \(The Resource \(nope\) could not be '
                       r'found.\)$'):
        jobs.read(heat, 'spark', 'nope')
    with pytest.raises(clusters.ClusterError,
                       match='^stack gone not found$'):
        jobs.job_resources(heat, 'gone')


def test_started_finds_the_new_execution(heat):
    def on_signal(rec, data):
        rec['attributes'] = fakeheat.job_attributes(
            rec['attributes']['executions'] + [fakeheat.execution(
                3, 'PENDING')])
        heat.add_event('spark', 'pi', 'SIGNAL_COMPLETE',
                       'Signal: execution x PENDING')
    heat.on_signal = on_signal
    job = jobs.read(heat, 'spark', 'pi')
    sent = jobs.send_run(heat, job, jobs.run_data())
    assert heat.signals == [('spark', 'pi', {'action': 'run'})]
    job, record = jobs.started(heat, job, sent, sleep=lambda s: None)
    assert record['id'] == fakeheat.execution(3, 'PENDING')['id']
    assert job.status == 'PENDING'


def test_started_reports_the_job_s_refusal(heat):
    heat.on_signal = lambda rec, data: heat.add_event(
        'spark', 'pi', 'SIGNAL_COMPLETE',
        'signal refused: run_on has no "signal"')
    job = jobs.read(heat, 'spark', 'pi')
    sent = jobs.send_run(heat, job, jobs.run_data())
    with pytest.raises(clusters.SignalRefused) as info:
        jobs.started(heat, job, sent, sleep=lambda s: None)
    assert str(info.value) == ('job pi in stack spark: signal refused: '
                               'run_on has no "signal"')


def test_an_older_refusal_is_not_this_signal_s(heat):
    heat.add_event('spark', 'pi', 'SIGNAL_COMPLETE',
                   'signal refused: signal data "args" must be a list')
    clock = iter(range(0, 1000, 10))
    job = jobs.read(heat, 'spark', 'pi')
    sent = jobs.send_run(heat, job, jobs.run_data())
    with pytest.raises(clusters.WaitTimeout,
                       match='no new execution 30s after the signal'):
        jobs.started(heat, job, sent, timeout=30, sleep=lambda s: None,
                     clock=lambda: next(clock))


def test_wait_follows_the_execution_to_its_end(heat):
    rec = heat.record('spark', 'pi')
    rec['attributes'] = fakeheat.job_attributes([fakeheat.execution(
        1, 'RUNNING')])
    states = iter(['RUNNING', 'SUCCEEDED'])

    def on_get(rec):
        status = next(states, 'SUCCEEDED')
        rec['attributes'] = fakeheat.job_attributes([fakeheat.execution(
            1, status, 0 if status == 'SUCCEEDED' else None)], output='ok')
    heat.on_get = on_get
    job = jobs.read(heat, 'spark', 'pi')
    job, record = jobs.wait(heat, job, fakeheat.execution(1, 'X')['id'],
                            sleep=lambda s: None)
    assert (record['status'], record['exit_code']) == ('SUCCEEDED', 0)
    assert job.output == 'ok'


def test_wait_timeout(heat):
    clock = iter(range(0, 1000, 10))
    job = jobs.read(heat, 'spark', 'pi')
    with pytest.raises(clusters.WaitTimeout,
                       match='execution nope still unknown after 5s'):
        jobs.wait(heat, job, 'nope', timeout=5, sleep=lambda s: None,
                  clock=lambda: next(clock))
