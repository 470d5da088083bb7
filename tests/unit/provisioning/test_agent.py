"""The Heat agent transport's scripts, run for real by bash here."""

import os
import subprocess
import threading
import time

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins import get_plugin
from heat_savanna.plugins.spark import start as spark_start
from heat_savanna.provisioning import agent
from tests.unit.provisioning import judges


def node(name, processes=('worker',), ip='10.0.0.9'):
    return base.NodeInfo(name, name.split('-')[0], tuple(processes), ip, ip,
                         fqdn='c-' + name)


def spark_info(workers=2):
    nodes = [node('master-0', ('master',), '10.0.0.1')]
    nodes += [node('worker-%d' % i, ip='10.0.0.%d' % (2 + i))
              for i in range(workers)]
    return base.ClusterInfo('c', 'spark', '4.3.0', {}, tuple(nodes))


def run(script, timeout=30):
    return subprocess.run(['bash', '-c', script], capture_output=True,
                          text=True, timeout=timeout)


def test_every_spark_script_parses_and_orders_the_worker_after_the_master():
    info = spark_info()
    scripts = agent.scripts(get_plugin('spark').create_steps(info), 'c')
    assert sorted(scripts) == ['master-0', 'worker-0', 'worker-1']
    for text in scripts.values():
        assert subprocess.run(['bash', '-n'], input=text, text=True
                              ).returncode == 0
    master, worker = scripts['master-0'], scripts['worker-0']
    assert agent.MARKER + 'start Spark workers' not in master
    # the worker waits for the master's page before it starts its daemon
    waits = worker.index(agent.MARKER + 'wait for Spark master')
    starts = worker.index(agent.MARKER + 'start Spark workers')
    assert waits < starts
    assert 'master_alive(' in worker[waits:starts]
    # ... and then for its own registration, judged by the same module
    assert 'worker_alive(sys.stdin.read()' in worker[starts:]
    assert "' 10.0.0.2;" in worker[starts:]


def test_a_failing_command_stops_the_node_with_its_phase_and_stderr():
    n = node('worker-0')
    steps = [
        base.Step('first', nodes=(n,), work=lambda _n: base.NodeWork(
            commands=('echo fine',))),
        base.Step('second', nodes=(n,), work=lambda _n: base.NodeWork(
            commands=('echo oops >&2; exit 7', 'echo never'))),
        base.Step('third', nodes=(n,), work=lambda _n: base.NodeWork(
            commands=('echo never',))),
    ]
    done = run(agent.node_script(steps, 'worker-0'))
    assert done.returncode == 7
    assert 'never' not in done.stdout
    assert agent.last_phase(done.stdout, done.stderr) == 'second'
    assert agent.failure(steps, 'worker-0', 7, done.stdout, done.stderr) == \
        ('second', "command 'echo oops >&2; exit 7' exited 7: oops")


def test_the_image_check_fails_in_the_plugins_words():
    info = spark_info(1)
    configs = {'general': {'spark_home': '/nonexistent/spark'}}
    info = base.ClusterInfo('c', 'spark', '4.3.0', configs, info.nodes)
    steps = [spark_start.check_image_step(info, info.nodes)]
    done = run(agent.node_script(steps, 'worker-0'))
    assert done.returncode == 3
    phase, reason = agent.failure(steps, 'worker-0', 3, done.stdout,
                                  done.stderr)
    assert phase == 'check Spark image'
    assert reason.startswith('the image of worker-0 has no Spark 4.3.0: '
                             'missing /nonexistent/spark/bin/spark-class')


def test_files_and_set_up_land_as_over_ssh(tmp_path):
    n = node('worker-0')
    target = str(tmp_path / 'conf' / 'x.sh')
    steps = [base.Step('configure', nodes=(n,), work=lambda _n: base.NodeWork(
        setup='mkdir -p %s' % (tmp_path / 'made'),
        files=((target, 'echo "it\'s $HOME"\n', 0o755),
               (str(tmp_path / 'conf' / 'y'), 'plain\n', 0o644))))]
    done = run(agent.node_script(steps, 'worker-0'))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / 'made').is_dir()
    assert open(target).read() == 'echo "it\'s $HOME"\n'
    assert oct(os.stat(target).st_mode & 0o777) == '0o755'
    assert (tmp_path / 'conf' / 'y').read_text() == 'plain\n'


def _waiting_steps(flag, timeout, must=True):
    a, b = node('master-0', ('master',)), node('worker-0')
    probe = base.Probe('test -e %s' % flag, awaiting='no flag')
    return [
        base.Step('wait for a', nodes=(a,), wait=lambda _n: (probe,),
                  timeout=timeout, poll_interval=1, fail_on_timeout=must),
        base.Step('after', nodes=(b,), work=lambda _n: base.NodeWork(
            commands=('echo went on',))),
    ]


def test_a_node_waits_for_the_others_then_goes_on(tmp_path):
    flag = tmp_path / 'ready'
    steps = _waiting_steps(flag, 20)
    started = time.monotonic()
    threading.Timer(1.5, flag.touch).start()
    done = run(agent.node_script(steps, 'worker-0'))
    assert done.returncode == 0 and 'went on' in done.stdout
    assert time.monotonic() - started >= 1.5


def test_own_wait_fails_on_timeout_a_barrier_does_not(tmp_path):
    steps = _waiting_steps(tmp_path / 'never', 1)
    own = run(agent.node_script(steps, 'master-0'))
    assert own.returncode == 1
    assert agent.failure(steps, 'master-0', 1, own.stdout, own.stderr) == (
        'wait for a', 'not ready after 1s: no flag')
    other = run(agent.node_script(steps, 'worker-0'))
    assert other.returncode == 0 and 'went on' in other.stdout
    # a drain that may time out does not fail its node either
    drain = run(agent.node_script(_waiting_steps(tmp_path / 'never', 1,
                                                 must=False), 'master-0'))
    assert drain.returncode == 0


def test_the_mark_is_the_judges_argument():
    n = node('worker-0')
    probe = base.Probe('echo worker-0 20260101000001', judges.lists,
                       ('worker-0', base.MARK))
    steps = [
        base.Step('restart', nodes=(n,), work=lambda _n: base.NodeWork(
            mark='echo 20260101000000')),
        base.Step('wait', nodes=(n,), wait=lambda _n: (probe,),
                  timeout=2, poll_interval=1),
    ]
    assert run(agent.node_script(steps, 'worker-0')).returncode == 0
    # a registration older than the mark is not the restarted worker's
    steps[0] = base.Step('restart', nodes=(n,), work=lambda _n:
                         base.NodeWork(mark='echo 20260101000002'))
    done = run(agent.node_script(steps, 'worker-0'))
    assert done.returncode == 1


@pytest.mark.parametrize('code', [126, 127])
def test_a_probe_that_cannot_run_fails_the_node_at_once(code):
    n = node('worker-0')
    probe = base.Probe('exit %d' % code, judges.lists, ('worker-0',))
    steps = [base.Step('wait', nodes=(n,), wait=lambda _n: (probe,),
                       timeout=60, poll_interval=1)]
    started = time.monotonic()
    done = run(agent.node_script(steps, 'worker-0'))
    assert time.monotonic() - started < 30
    assert done.returncode == code
    assert agent.failure(steps, 'worker-0', code, done.stdout,
                         done.stderr) == (
        'wait', "the probe 'exit %d' cannot run (exit %d)" % (code, code))


def test_code_only_steps_cannot_go_through_the_agent():
    n = node('worker-0')
    steps = [base.Step('code', nodes=(n,), action=lambda r, n: None)]
    with pytest.raises(agent.NotDescribed):
        agent.scripts(steps)
    # a node without work in such a step is not concerned
    other = node('worker-1')
    steps.append(base.Step('fine', nodes=(other,), work=lambda _n:
                           base.NodeWork(commands=('true',))))
    assert agent.node_script(steps, 'worker-1')


def test_budget_adds_the_time_limits():
    info = spark_info(1)
    steps = get_plugin('spark').create_steps(info)
    # image check 60, configure 300, master wait 300, start 120, wait 300
    assert agent.budget(steps, 'worker-0') == 60 + 300 + 300 + 120 + 300
