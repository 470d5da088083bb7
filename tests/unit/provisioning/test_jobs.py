"""Job executions on a master (provisioning/jobs.py).

The pure parts (probe parsing, verdicts, records) alone, and the protocol
itself against a real sshd host: launch detached, look, time out, kill
with nothing left behind.
"""

import os
import shlex
import time

import pytest

from heat_savanna.provisioning import jobs
from tests.unit.remote import sshhosts

ROOT = '/var/lib/spark/jobs'


# -- pure -----------------------------------------------------------------
def test_execution_dirs_refuse_path_tricks():
    assert jobs.execution_dir('/r/', 'job-1', '20260101T000000Z-ab12') == \
        '/r/job-1/20260101T000000Z-ab12'
    for bad in ('../x', 'a/b', '', '-rf', 'a b', '$(x)'):
        with pytest.raises(ValueError):
            jobs.execution_dir('/r', bad, 'e')


def test_parse_probe_and_verdicts():
    out = '\n'.join([
        '@@ /r/j/a', 'exists 1', 'pid 42', 'alive 1', 'procs 3',
        'started_at 2026-01-01T00:00:00Z',
        'stdout %s' % __import__('base64').b64encode(b'line 1\nline 2\n')
        .decode(),
        'stderr %s' % __import__('base64').b64encode(b'WARN x\n').decode(),
        '@@ /r/j/b', 'exists 1', 'pid 43', 'alive 0', 'procs 0',
        'exit_code 3', 'finished_at 2026-01-01T00:01:00Z', 'output ',
        '@@ /r/j/c', 'exists 0',
        '@@ /r/j/d', 'exists 1', 'pid 44', 'alive 0', 'procs 0',
        'exit_code 124', 'timed_out 1', 'output ',
        '@@ /r/j/e', 'exists 1', 'pid 45', 'alive 0', 'procs 2',
        'killed 1', 'output ',
        '@@ /r/j/f', 'exists 1', 'pid 46', 'alive 0', 'procs 0', 'output ',
        '@@ /r/j/g', 'exists 1', 'output ', ''])
    looks = jobs.parse_probe(out)
    assert looks['/r/j/a'].output == 'line 1\nline 2\n'
    assert looks['/r/j/a'].errors == 'WARN x\n'
    assert looks['/r/j/b'].errors == ''
    assert looks['/r/j/a'].running_processes == 3
    verdicts = {d: jobs.verdict(p, 5)[0] for d, p in looks.items()}
    assert verdicts == {'/r/j/a': 'RUNNING', '/r/j/b': 'FAILED',
                        '/r/j/c': None, '/r/j/d': 'FAILED',
                        '/r/j/e': 'KILLED', '/r/j/f': 'FAILED',
                        '/r/j/g': 'PENDING'}
    assert jobs.verdict(looks['/r/j/d'], 5)[1].startswith(
        'timed out after 5s')
    assert 'restarted' in jobs.verdict(looks['/r/j/f'])[1]
    # killed, but it had finished by itself first: its own exit counts
    done = jobs.Probe(exists=True, pid=1, exit_code=0, killed=True)
    assert jobs.verdict(done)[0] == 'SUCCEEDED'


def test_records_only_move_forward_and_keep_no_secret():
    rec = jobs.new_record('e1', 'signal', [1, 'a'], {'k': 2}, '/r/j/e1',
                          60, 'T0')
    assert rec['args'] == ['1', 'a'] and rec['configs'] == {'k': '2'}
    assert rec['status'] == 'PENDING' and rec['log_path'] == \
        '/r/j/e1/stdout.log'
    running = jobs.advance(rec, jobs.Probe(
        exists=True, pid=9, alive=True, started_at='T1',
        output='key is s3cr3t\npassword=hunter2\n',
        errors='s3cr3t rejected\n'), secrets=('s3cr3t',))
    assert running['status'] == 'RUNNING' and running['started_at'] == 'T1'
    assert 's3cr3t' not in running['output']
    assert 'hunter2' not in running['output']
    assert 's3cr3t' not in running['error_output']
    assert 'rejected' in running['error_output']
    done = jobs.advance(running, jobs.Probe(exists=True, pid=9,
                                            exit_code=0, finished_at='T2'))
    assert (done['status'], done['exit_code'], done['finished_at']) == \
        ('SUCCEEDED', 0, 'T2')
    # a finished record never changes again, whatever a late look says
    assert jobs.advance(done, jobs.Probe(exists=True, pid=9,
                                         alive=True)) is done
    assert jobs.mark(done, 'FAILED', 'x') is done
    # no trace on the master: the record stays as it is
    assert jobs.advance(rec, jobs.Probe(exists=False)) is rec


def test_wrapper_quotes_what_it_is_given():
    nasty = 'http://h/$(touch /tmp/pwned)`id`"x\'y'
    script = jobs.wrapper_script('/r/j/e', 5, fetch=(nasty, 'main.py'),
                                 label='job\nrm -rf / #')
    assert 'echo heat-savanna: downloading %s' % shlex.quote(nasty) in \
        script
    assert script.splitlines()[0].startswith('# heat-savanna job execution')
    assert 'rm -rf' not in script.splitlines()[1]
    assert all(not line.startswith('rm') for line in script.splitlines())


# -- on a real sshd host ------------------------------------------------------
@pytest.fixture
def master():
    if not sshhosts.can_run_sshd():
        pytest.skip('needs root, sshd and unshare')
    factory = sshhosts.HostFactory()
    host = factory.host('master-0')
    node = factory.remote(host)
    yield node
    node.close()
    factory.cleanup()


def start(node, script, timeout=60, execution='e1', main=None):
    d = jobs.execution_dir(ROOT, 'job-1', execution)
    files = {'run.sh': (jobs.wrapper_script(d, timeout), 0o644),
             'job.sh': (script + '\n', 0o644)}
    if main:
        files.update(main)
    jobs.launch(node, d, files)
    return d


def wait(node, d, until, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        look = jobs.probe(node, [d])[d]
        if until(look):
            return look
        assert time.monotonic() < deadline, look
        time.sleep(0.3)


def session_alive(look):
    """Processes of the execution's session, seen from this machine (the
    sandbox's hosts share its process table)."""
    out = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            if os.getsid(int(pid)) == look.pid:
                with open('/proc/%s/stat' % pid) as f:
                    if f.read().rsplit(')', 1)[1].split()[0] != 'Z':
                        out.append(int(pid))
        except OSError:
            pass
    return out


@sshhosts.requires_sshd
def test_a_job_runs_detached_and_reports_its_end(master):
    d = start(master, 'echo "hello $1"; cat main.txt; sleep 1; exit 3',
              main={'main.txt': ('from the inline program\n', 0o644)})
    look = jobs.probe(master, [d])[d]
    assert jobs.verdict(look)[0] == 'RUNNING'
    assert look.started_at and look.finished_at is None
    # the wrapper writes the exit code, then exits itself
    done = wait(master, d, lambda p: p.exit_code is not None and
                p.running_processes == 0)
    assert jobs.verdict(done) == ('FAILED', 'exit code 3')
    assert done.output == 'hello \nfrom the inline program\n'
    assert done.finished_at and done.running_processes == 0
    # the execution directory is root's alone
    mode = master.run('stat -c %a ' + d, sudo=True).stdout.strip()
    assert mode == '700'


@sshhosts.requires_sshd
def test_a_noisy_shutdown_never_hides_the_result(master):
    # what Spark does: the result on stdout, then a long stack trace of
    # its shutdown on stderr, longer than a look's tail; seen hiding
    # "Pi is roughly ..." from the output attribute when the two shared a
    # log
    noise = 'for i in $(seq 200); do echo "\tat io.netty.Frame$i" >&2; done'
    d = start(master, 'echo "Pi is roughly 3.14"; %s' % noise)
    done = wait(master, d, lambda p: p.exit_code == 0)
    assert done.output == 'Pi is roughly 3.14\n'
    assert done.errors.splitlines()[-1] == '\tat io.netty.Frame200'
    assert len(done.errors.splitlines()) == jobs.TAIL_LINES


@sshhosts.requires_sshd
def test_launch_is_idempotent(master):
    d = start(master, 'echo once >> count.txt; sleep 2')
    start(master, 'echo twice >> count.txt')      # a relaunch: nothing
    wait(master, d, lambda p: p.exit_code == 0)
    assert master.run('cat %s/count.txt' % d, sudo=True).stdout == 'once\n'


@sshhosts.requires_sshd
def test_the_master_enforces_the_timeout(master):
    d = start(master, 'echo started; sleep 60', timeout=2)
    done = wait(master, d, lambda p: p.exit_code is not None and
                p.running_processes == 0)
    assert done.timed_out
    assert jobs.verdict(done, 2)[0] == 'FAILED'
    assert done.output == 'started\n' and done.running_processes == 0


@sshhosts.requires_sshd
def test_kill_leaves_no_process_even_one_ignoring_term(master):
    d = start(master, 'trap "" TERM; echo up; sleep 300 & sleep 300')
    look = wait(master, d, lambda p: p.output == 'up\n')
    assert len(session_alive(look)) >= 3
    jobs.kill(master, [d])
    looked = wait(master, d, lambda p: p.killed)
    assert jobs.verdict(looked)[0] == 'KILLED'
    # the children ignored TERM: the detached killer KILLs them after
    # the grace period, with no session of the engine held open
    gone = wait(master, d, lambda p: p.running_processes == 0,
                timeout=jobs.KILL_GRACE + 10)
    assert session_alive(gone) == []
    # a killed execution is never started again
    start(master, 'echo again')
    assert jobs.probe(master, [d])[d].output == 'up\n'


@sshhosts.requires_sshd
def test_force_kill_and_remove(master):
    d = start(master, 'trap "" TERM; sleep 300')
    look = wait(master, d, lambda p: p.alive)
    jobs.force_kill(master, [d])
    wait(master, d, lambda p: p.running_processes == 0, timeout=10)
    assert session_alive(look) == []
    jobs.remove(master, os.path.dirname(d))
    assert jobs.probe(master, [d])[d].exists is False


@sshhosts.requires_sshd
def test_an_unreachable_main_program_fails_the_execution(master):
    d = jobs.execution_dir(ROOT, 'job-1', 'fetch')
    jobs.launch(master, d, {
        'run.sh': (jobs.wrapper_script(
            d, 30, fetch=('http://127.0.0.1:9/main.sh', 'main.sh')), 0o644),
        'job.sh': ('bash main.sh\n', 0o644)})
    done = wait(master, d, lambda p: p.exit_code is not None)
    assert jobs.verdict(done) == (
        'FAILED', 'the main program could not be downloaded')
    assert 'cannot download the main program' in done.errors
    assert done.output == ''
