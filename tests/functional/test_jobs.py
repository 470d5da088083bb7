"""OS::Savanna::Job through the real Heat engine, on one small cluster.

One stack (a master and one worker) is shared by the module; each test
adds or removes Job resources with a stack update. What is checked is what
an operator sees through the Heat API (attributes, states, reasons), plus,
behind it, the processes on the master (the sandbox's hosts are processes
of this machine, so a job's session can be looked for directly).

Run under the sandbox lock::

    flock /tmp/heat-savanna-sandbox.lock .venv/bin/pytest -q -m functional \
        tests/functional/test_jobs.py
"""

import copy
import io
import json
import os
import signal
import time
import urllib.request

import pytest
import yaml

from savanna_sandbox import demo
from savanna_sandbox import faults

pytestmark = [pytest.mark.functional, pytest.mark.slow]

STACK = 'ft-jobs'
WORDCOUNT = os.path.join(os.path.dirname(demo.TEMPLATE),
                         'spark-wordcount.yaml')
CLUSTER = 'cluster'
TERMINAL = ('SUCCEEDED', 'FAILED', 'KILLED')


def job(main, **props):
    props.update({'cluster': {'get_resource': CLUSTER}, 'main': main})
    props.setdefault('type', 'shell')
    return {'type': 'OS::Savanna::Job', 'properties': props}


#: the jobs every version of the stack has
BASE_JOBS = {
    'pi': job({'path': '/opt/spark/examples/src/main/python/pi.py'},
              type='spark', args=[4], timeout=300,
              configs={'spark.log.level': 'WARN'}),
    'echo': job({'inline': 'echo "echo: $*"\n'}, run_on=['signal'],
                args=['default']),
}


def template(**extra_jobs):
    tpl = faults.cluster_template(STACK, 1)
    tpl['resources'].update(copy.deepcopy(BASE_JOBS))
    tpl['resources'].update(extra_jobs)
    return tpl


def attrs(heat, name):
    return heat.resources.get(STACK, name,
                              with_attr=list(demo.JOB_ATTRIBUTES)).attributes


def wait_stack(heat, action, since=None, timeout=420):
    deadline = time.monotonic() + timeout
    time.sleep(2)
    while True:
        st = heat.stacks.get(STACK)
        act, _sep, status = st.stack_status.partition('_')
        if act == action and status != 'IN_PROGRESS' and (
                since is None or st.updated_time != since):
            return st
        assert time.monotonic() < deadline, st.stack_status
        time.sleep(2)


def update(heat, tpl):
    before = heat.stacks.get(STACK).updated_time
    heat.stacks.update(STACK, template=tpl)
    return wait_stack(heat, 'UPDATE', since=before)


def wait_executions(heat, name, cond, timeout=300):
    deadline = time.monotonic() + timeout
    while True:
        try:
            execs = attrs(heat, name)['executions'] or []
        except Exception:      # not created yet
            execs = []
        if cond(execs):
            return execs
        assert time.monotonic() < deadline, execs
        time.sleep(2)


def job_processes(log_path):
    """Pids (not zombies) of the execution whose log is ``log_path``: its
    wrapper is found by its command line, then its whole session."""
    directory = os.path.dirname(log_path)
    sessions = set()
    procs = {}
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                cmdline = f.read()
        except OSError:
            continue
        if fields[0] == 'Z':
            continue
        procs[int(pid)] = int(fields[3])        # session id
        if (directory + '/run.sh').encode() in cmdline:
            sessions.add(int(fields[3]))
    return sorted(p for p, sid in procs.items() if sid in sessions)


@pytest.fixture(scope='module')
def stack(sandbox):
    heat = sandbox.heat
    before = faults.inventory_ids()
    start = time.monotonic()
    heat.stacks.create(stack_name=STACK, template=template(),
                       disable_rollback=True, timeout_mins=20)
    created = wait_stack(heat, 'CREATE')
    state = {'heat': heat, 'created': created, 'platform': sandbox.platform,
             'create_s': time.monotonic() - start, 'deleting': False}
    yield state
    if not state['deleting']:
        heat.stacks.delete(STACK)
    deadline = time.monotonic() + 300
    while [s for s in heat.stacks.list() if s.stack_name == STACK]:
        assert time.monotonic() < deadline, 'stack not deleted'
        time.sleep(2)
    leaked = {k: v for k, v in faults.inventory_ids().items()
              if k not in before}
    assert leaked == {}, 'cloud resources leaked: %s' % leaked


def test_create_runs_the_job(stack):
    heat = stack['heat']
    assert stack['created'].stack_status == 'CREATE_COMPLETE', \
        stack['created'].stack_status_reason
    got = attrs(heat, 'pi')
    assert got['status'] == 'SUCCEEDED', got['output']
    assert got['exit_code'] == 0
    assert 3.0 < demo.pi_value(got['output']) < 3.3
    [execution] = got['executions']
    assert (execution['trigger'], execution['args']) == ('create', ['4'])
    assert got['started_at'] <= got['finished_at']
    assert got['log_path'].startswith('/var/lib/spark/jobs/')
    res = heat.resources.get(STACK, 'pi')
    assert res.resource_status_reason == \
        'execution %s SUCCEEDED: exit code 0' % execution['id']
    # the echo job only runs on signal
    assert attrs(heat, 'echo')['executions'] == []
    assert 'PRIVATE KEY' not in json.dumps(got)


def test_signal_and_signed_url_start_executions(stack):
    heat = stack['heat']
    heat.resources.signal(STACK, 'pi', data={'args': ['2']})
    execs = wait_executions(heat, 'pi', lambda e: len(e) == 2 and
                            e[1]['status'] in TERMINAL)
    assert (execs[1]['trigger'], execs[1]['args'], execs[1]['status']) == \
        ('signal', ['2'], 'SUCCEEDED')
    assert execs[0] == attrs(heat, 'pi')['executions'][0]
    assert demo.pi_value(attrs(heat, 'pi')['output']) is not None

    # a webhook: a plain HTTP POST to the pre-signed URL, no token
    url = heat.resources.get(STACK, 'echo',
                             with_attr=['signal_url']).attributes[
                                 'signal_url']
    assert url.startswith('http://127.0.0.1:8000/v1/signal/')
    request = urllib.request.Request(
        url, data=json.dumps({'args': ['from', 'a webhook']}).encode(),
        headers={'Content-Type': 'application/json'}, method='POST')
    with urllib.request.urlopen(request, timeout=30) as resp:
        assert resp.status == 200
    execs = wait_executions(heat, 'echo', lambda e: e and
                            e[-1]['status'] in TERMINAL, timeout=60)
    assert [(e['trigger'], e['args'], e['status']) for e in execs] == [
        ('signal', ['from', 'a webhook'], 'SUCCEEDED')]
    assert attrs(heat, 'echo')['output'] == 'echo: from a webhook\n'
    # a tampered URL is refused
    bad = url.replace('Signature=', 'Signature=x')
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(urllib.request.Request(
            bad, data=b'{}', method='POST',
            headers={'Content-Type': 'application/json'}), timeout=30)


def test_word_count_example_checks_its_counts(stack):
    """The job of contrib/templates/spark-wordcount.yaml, as it is, on the
    module's cluster."""
    heat = stack['heat']
    with open(WORDCOUNT) as f:
        wordcount = yaml.safe_load(f)['resources']['wordcount']
    wordcount['properties'].update(cluster={'get_resource': CLUSTER},
                                   args=[200])
    st = update(heat, template(wordcount=wordcount))
    assert st.stack_status == 'UPDATE_COMPLETE', st.stack_status_reason
    got = attrs(heat, 'wordcount')
    assert got['status'] == 'SUCCEEDED', got['output']
    lines = got['output'].splitlines()
    assert lines[-6:] == ['cluster 80', 'heat 200', 'job 40', 'savanna 160',
                          'spark 120', 'counts checked: 600 words in 200 '
                          'lines']


def test_a_failing_job_in_each_failure_mode(stack):
    heat = stack['heat']
    cluster_before = heat.resources.get(STACK, CLUSTER)
    servers_before = sorted(s['id'] for s in faults.servers(STACK).values())
    st = update(heat, template(
        tolerated=job({'inline': 'echo oops >&2; exit 3\n'},
                      on_failure='continue'),
        too_slow=job({'inline': 'sleep 60\n'}, timeout=2,
                     on_failure='continue'),
        # the last to fail: the stack's failure stops nothing running
        fatal=job({'inline': 'sleep 8; echo broken >&2; exit 4\n'})))
    assert st.stack_status == 'UPDATE_FAILED'
    fatal = heat.resources.get(STACK, 'fatal')
    assert fatal.resource_status == 'CREATE_FAILED'
    assert 'FAILED: exit code 4' in fatal.resource_status_reason
    assert 'broken' in fatal.resource_status_reason
    tolerated = heat.resources.get(STACK, 'tolerated')
    assert tolerated.resource_status == 'CREATE_COMPLETE'
    assert 'FAILED: exit code 3' in tolerated.resource_status_reason
    got = attrs(heat, 'tolerated')
    assert (got['status'], got['exit_code'], got['output'],
            got['error_output']) == ('FAILED', 3, '', 'oops\n')
    slow = attrs(heat, 'too_slow')['executions']
    assert slow[0]['status'] == 'FAILED'
    assert slow[0]['reason'].startswith('timed out after 2s')
    assert job_processes(attrs(heat, 'too_slow')['log_path']) == []
    # the job's failure is the job's: the cluster is as it was
    cluster = heat.resources.get(STACK, CLUSTER)
    assert cluster.resource_status_reason == \
        cluster_before.resource_status_reason == 'ACTIVE: 2/2 nodes active'
    assert sorted(s['id'] for s in faults.servers(STACK).values()) == \
        servers_before
    # the next update without them deletes them and completes
    assert update(heat, template()).stack_status == 'UPDATE_COMPLETE'


def test_delete_kills_a_running_execution(stack):
    heat = stack['heat']
    sleeper = job({'inline': 'echo started; sleep 600\n'},
                  run_on=['signal'])
    assert update(heat, template(sleeper=sleeper)).stack_status == \
        'UPDATE_COMPLETE'
    heat.resources.signal(STACK, 'sleeper')
    execs = wait_executions(heat, 'sleeper', lambda e: e and
                            e[0]['status'] == 'RUNNING', timeout=60)
    log_path = attrs(heat, 'sleeper')['log_path']
    assert len(job_processes(log_path)) >= 2     # wrapper, timeout, sleep
    assert execs[0]['finished_at'] is None
    assert update(heat, template()).stack_status == 'UPDATE_COMPLETE'
    assert job_processes(log_path) == []


def test_engine_killed_while_a_job_runs(stack):
    """heat-engine is SIGKILLed while an update waits for a job; after
    the restart, ``stack update --existing`` picks the running execution
    up: it ends SUCCEEDED, recorded once, run once."""
    heat, plat = stack['heat'], stack['platform']
    survivor = job({'inline': 'sleep 40; echo survived\n'})
    heat.stacks.update(STACK, template=template(survivor=survivor))
    execs = wait_executions(heat, 'survivor', lambda e: e and
                            e[0]['status'] == 'RUNNING', timeout=120)
    log_path = attrs(heat, 'survivor')['log_path']
    assert job_processes(log_path)
    rec = plat.supervisor.record('heat-engine')
    os.killpg(rec['pid'], signal.SIGKILL)
    time.sleep(2)
    plat.out = io.StringIO()
    assert plat.up() == 0, plat.out.getvalue()
    assert job_processes(log_path), 'the job died with the engine'
    # the operator's way on: update with the existing template (the
    # convergence engine leaves the stack UPDATE_IN_PROGRESS meanwhile)
    stuck = heat.stacks.get(STACK)
    heat.stacks.update(STACK, existing=True)
    st = wait_stack(heat, 'UPDATE', since=stuck.updated_time, timeout=300)
    assert st.stack_status == 'UPDATE_COMPLETE', st.stack_status_reason
    got = attrs(heat, 'survivor')
    assert [(e['id'], e['status']) for e in got['executions']] == [
        (execs[0]['id'], 'SUCCEEDED')]
    assert got['output'] == 'survived\n'
    assert job_processes(log_path) == []
    res = heat.resources.get(STACK, 'survivor')
    assert res.resource_status == 'UPDATE_COMPLETE'


def test_stack_delete_stops_running_jobs_before_the_cluster_goes(stack):
    heat = stack['heat']
    sleeper = job({'inline': 'echo started; sleep 600\n'},
                  run_on=['signal'])
    assert update(heat, template(sleeper=sleeper)).stack_status == \
        'UPDATE_COMPLETE'
    heat.resources.signal(STACK, 'sleeper')
    wait_executions(heat, 'sleeper', lambda e: e and
                    e[0]['status'] == 'RUNNING', timeout=60)
    log_path = attrs(heat, 'sleeper')['log_path']
    assert job_processes(log_path)
    heat.stacks.delete(STACK)
    stack['deleting'] = True
    # the job goes first (it depends on the cluster) and kills its
    # execution itself: its processes are gone while the cluster's
    # servers are still there
    deadline = time.monotonic() + 60
    while job_processes(log_path):
        assert time.monotonic() < deadline, 'the job still runs'
        time.sleep(0.5)
    servers = faults.servers(STACK)
    assert sorted(s['status'] for s in servers.values()) == \
        ['ACTIVE', 'ACTIVE'], servers
