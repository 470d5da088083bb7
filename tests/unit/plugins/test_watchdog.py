"""plugins/watchdog.py: the auto-heal watchdog a watcher node runs.

Real fetches (bash, the real Spark status judges' source), a real HTTP
server on 127.0.0.1 standing for the engine's signal URL, and a fake
clock for the grace period and the cool-down.
"""

import ast
import http.server
import inspect
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from heat_savanna.plugins import watchdog
from heat_savanna.plugins.spark import status

SECRET = 'Signature=c2VjcmV0LXNpZ25hdHVyZQ'
STATUS_SOURCE = inspect.getsource(status)
WORKERS = {'worker-0': '10.0.0.20', 'worker-1': '10.0.0.21',
           'worker-2': '10.0.0.22'}


class Engine(object):
    """The engine's signal URL: a real HTTP server keeping every POST and
    answering the next status of ``answers`` (200 when none is left)."""

    def __init__(self):
        self.posts = []
        self.answers = []
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                engine.posts.append({
                    'path': self.path,
                    'type': self.headers.get('Content-Type'),
                    'body': json.loads(self.rfile.read(length))})
                code = engine.answers.pop(0) if engine.answers else 200
                text = b'{"ok": true}' if code < 300 else (
                    b'{"error": "cluster c1 is busy: UPDATE_IN_PROGRESS"}'
                    + b' ' * 300 + b'TAIL')
                self.send_response(code)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()
        self.url = 'http://127.0.0.1:%d/v1/signal/arn%%3Acluster?%s' % (
            self.server.server_address[1], SECRET)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def engine():
    e = Engine()
    yield e
    e.close()


class Clock(object):
    def __init__(self, now=1796672400.0):     # 2026-12-07T19:40:00Z
        self.now = now

    def __call__(self):
        return self.now


class Master(object):
    """The Spark master's /json/ page, in a file its fetch prints."""

    def __init__(self, path):
        self.path = str(path)
        self.set(*WORKERS)

    def set(self, *alive):
        workers = [{'id': 'worker-20261207194000-%s-35017' % ip, 'host': ip,
                    'state': 'ALIVE' if name in alive else 'DEAD'}
                   for name, ip in sorted(WORKERS.items())]
        with open(self.path, 'w') as f:
            json.dump({'status': 'ALIVE', 'url': 'spark://10.0.0.10:7077',
                       'workers': workers}, f)

    @property
    def command(self):
        return 'cat %s' % self.path


def spark_fetch(command, nodes=WORKERS, timeout=15):
    return {'command': command, 'timeout': timeout, 'module': STATUS_SOURCE,
            'judge': 'worker_alive',
            'checks': [{'node': n, 'args': [WORKERS[n]]} for n in nodes]}


def dog(url, *fetches, grace=30, cooldown=120):
    out = io.StringIO()
    clock = Clock()
    config = {'cluster': 'c1', 'node': 'master-0', 'url': url,
              'interval': 10, 'grace': grace, 'cooldown': cooldown,
              'fetches': list(fetches)}
    return watchdog.Watchdog(config, clock=clock, out=out), clock, out


@pytest.fixture
def master(tmp_path):
    return Master(tmp_path / 'master.json')


def test_a_node_back_within_the_grace_period_is_not_reported(engine, master):
    d, clock, out = dog(engine.url, spark_fetch(master.command))
    assert d.look() is None
    master.set('worker-0', 'worker-1')
    assert d.look() is None
    assert 'worker-2 not alive: worker_alive says not alive' in \
        out.getvalue()
    clock.now += 12
    master.set(*WORKERS)
    assert d.look() is None
    clock.now += 30
    assert d.look() is None
    assert engine.posts == []
    assert 'worker-2 back after 12 s, within the grace period: not ' \
        'reported' in out.getvalue()
    assert d.lost_since == {}


def test_nodes_lost_for_the_grace_period_are_reported(engine, master):
    d, clock, out = dog(engine.url, spark_fetch(master.command))
    master.set('worker-1')
    assert d.look() is None
    first = clock.now
    clock.now += 29
    assert d.look() is None
    assert engine.posts == []
    clock.now += 1
    posted = d.look()
    assert posted == {'action': 'auto-heal',
                      'lost': ['worker-0', 'worker-2'],
                      'since': {'worker-0': watchdog.utc(first),
                                'worker-2': watchdog.utc(first)},
                      'reporter': 'master-0'}
    assert watchdog.utc(first) == '2026-12-07T19:40:00Z'
    assert len(engine.posts) == 1
    assert engine.posts[0]['body'] == posted
    assert engine.posts[0]['type'] == 'application/json'
    assert engine.posts[0]['path'].endswith(SECRET)
    assert 'reported worker-0, worker-2 lost (HTTP 200)' in out.getvalue()


def test_a_refused_report_is_retried_at_the_next_look(engine, master):
    d, clock, out = dog(engine.url, spark_fetch(master.command), grace=0)
    engine.answers = [409, 503]
    master.set('worker-0', 'worker-1')
    assert d.look()['lost'] == ['worker-2']
    assert d.hold_until is None
    clock.now += 10
    assert d.look()['lost'] == ['worker-2']
    clock.now += 10
    assert d.look()['lost'] == ['worker-2']
    assert len(engine.posts) == 3
    log = out.getvalue()
    assert 'the engine refused the report of worker-2 (HTTP 409): ' \
        '{"error": "cluster c1 is busy: UPDATE_IN_PROGRESS"}' in log
    assert '(HTTP 503)' in log and 'retrying at the next look' in log
    assert 'TAIL' not in log          # the first 200 characters only
    assert 'reported worker-2 lost (HTTP 200)' in log


def test_an_accepted_report_holds_off_for_the_cooldown(engine, master):
    d, clock, out = dog(engine.url, spark_fetch(master.command), grace=0,
                        cooldown=120)
    master.set('worker-0')
    assert d.look()['lost'] == ['worker-1', 'worker-2']
    for _ in range(11):
        clock.now += 10
        assert d.look() is None
    assert len(engine.posts) == 1
    clock.now += 10                      # 120 s after the accepted report
    assert d.look()['lost'] == ['worker-1', 'worker-2']
    assert len(engine.posts) == 2
    master.set(*WORKERS)
    clock.now += 10
    assert d.look() is None
    assert 'worker-1 back after 130 s (it was reported)' in out.getvalue()


def test_a_failing_fetch_counts_its_nodes_lost(engine):
    d, clock, out = dog(engine.url, spark_fetch(
        'echo "connection refused" >&2; exit 7'), grace=0)
    assert d.look()['lost'] == sorted(WORKERS)
    assert 'worker-0 not alive: the fetch exited 7: connection refused' in \
        out.getvalue()


def test_a_fetch_past_its_timeout_is_killed_and_counts_lost(engine):
    d, clock, out = dog(engine.url, spark_fetch(
        'sleep 30 | cat', ('worker-0',), timeout=0.5), grace=0)
    started = time.monotonic()
    assert d.look()['lost'] == ['worker-0']
    assert time.monotonic() - started < 10    # its children were killed
    assert 'the fetch timed out after 0.5 s' in out.getvalue()


@pytest.mark.parametrize('command', ['exit 126', 'no-such-fetch-command'])
def test_a_fetch_that_cannot_run_says_nothing_of_its_nodes(engine, command,
                                                           master):
    d, clock, out = dog(engine.url, spark_fetch(command),
                        spark_fetch(master.command, ('worker-0',)), grace=0)
    master.set()
    assert d.look()['lost'] == ['worker-0']   # judged by the other fetch
    d.hold_until = None
    clock.now += 60
    assert d.look()['lost'] == ['worker-0']
    assert set(d.lost_since) == {'worker-0'}
    assert 'a fetch cannot run (exited 12' in out.getvalue()
    assert 'the watchdog is broken, not the nodes; skipping its checks of ' \
        'worker-0, worker-1, worker-2' in out.getvalue()


def test_a_judge_that_raises_says_not_alive(engine):
    module = 'def judge(document, host):\n    raise KeyError(host)\n'
    fetch = {'command': 'echo page', 'timeout': 5, 'module': module,
             'judge': 'judge', 'checks': [{'node': 'worker-1',
                                           'args': ['10.0.0.21']}]}
    d, clock, out = dog(engine.url, fetch, grace=0)
    assert d.look()['lost'] == ['worker-1']
    assert "worker-1 not alive: judge raised KeyError: '10.0.0.21'" in \
        out.getvalue()


def test_a_judge_module_that_does_not_load_says_nothing(engine):
    fetches = [{'command': 'echo page', 'timeout': 5, 'module': 'def (',
                'judge': 'judge', 'checks': [{'node': 'worker-1',
                                              'args': []}]},
               {'command': 'echo page', 'timeout': 5, 'module': 'x = 1\n',
                'judge': 'judge', 'checks': [{'node': 'worker-2',
                                              'args': []}]}]
    d, clock, out = dog(engine.url, *fetches, grace=0)
    assert d.look() is None
    log = out.getvalue()
    assert 'the module of judge judge does not load: SyntaxError' in log
    assert 'the judge module has no function judge; skipping its checks ' \
        'of worker-2' in log


def test_one_fetch_runs_once_per_look_for_all_its_nodes(engine, master,
                                                        tmp_path):
    runs = tmp_path / 'runs'
    d, clock, out = dog(engine.url, spark_fetch(
        'echo run >> %s; %s' % (runs, master.command)))
    d.look()
    d.look()
    assert runs.read_text() == 'run\nrun\n'


def test_no_judge_the_exit_status_says(engine):
    fetch = {'command': 'test -e /nonexistent-savanna', 'timeout': 5,
             'module': None, 'judge': None,
             'checks': [{'node': 'master-0', 'args': []}]}
    d, clock, out = dog(engine.url, fetch, grace=0)
    assert d.look()['lost'] == ['master-0']
    fetch['command'] = 'true'
    d, clock, out = dog(engine.url, fetch, grace=0)
    assert d.look() is None and d.lost_since == {}


def test_a_node_is_lost_when_any_of_its_checks_says_so(engine, master):
    d, clock, out = dog(engine.url, spark_fetch(master.command),
                        {'command': 'exit 1', 'timeout': 5, 'module': None,
                         'judge': None, 'checks': [{'node': 'worker-0',
                                                    'args': []}]}, grace=0)
    assert d.look()['lost'] == ['worker-0']


def test_the_url_never_reaches_the_log(engine, master, tmp_path):
    engine.answers = [409]
    master.set()
    d, clock, out = dog(engine.url, spark_fetch(master.command), grace=0)
    d.look()                                    # refused
    d.look()                                    # accepted
    closed = engine.url.replace(str(engine.server.server_address[1]), '9')
    d2, _c, out2 = dog(closed, spark_fetch(master.command), grace=0)
    d2.look()                                   # connection refused
    d3, _c, out3 = dog('x/?%s' % SECRET, spark_fetch(master.command),
                       grace=0)
    d3.look()                   # not even a URL: ValueError quoting it
    log = out.getvalue() + out2.getvalue() + out3.getvalue()
    assert 'could not report' in out2.getvalue()
    assert 'could not report' in out3.getvalue()
    assert watchdog.URL_MASK in out3.getvalue()
    assert SECRET not in log and '127.0.0.1' not in log
    assert 'c2VjcmV0' not in log


def test_the_program_is_python38_standard_library_only():
    tree = ast.parse(inspect.getsource(watchdog), feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split('.')[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split('.')[0])
    assert imported == {'json', 'os', 'signal', 'subprocess', 'sys',
                        'time', 'types', 'urllib'}


def start(tmp_path, config):
    path = tmp_path / 'watchdog.json'
    path.write_text(json.dumps(config))
    program = tmp_path / 'watchdog.py'
    program.write_text(inspect.getsource(watchdog))
    return subprocess.Popen([sys.executable, str(program), str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def terminated(proc):
    """What the program printed once SIGTERM ended it."""
    proc.send_signal(signal.SIGTERM)
    return proc.communicate(timeout=10)[0]


def killed(proc):
    """No program left running, whatever the test met."""
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_the_program_reports_and_ends_cleanly_on_sigterm(engine, master,
                                                         tmp_path):
    master.set('worker-0')
    proc = start(tmp_path, {
        'cluster': 'c1', 'node': 'master-0', 'url': engine.url,
        'interval': 0.2, 'grace': 0.3, 'cooldown': 60,
        'fetches': [spark_fetch(master.command)]})
    try:
        deadline = time.monotonic() + 20
        while not engine.posts and time.monotonic() < deadline:
            time.sleep(0.1)
        assert engine.posts[0]['body']['lost'] == ['worker-1', 'worker-2']
        out = terminated(proc)
    finally:
        killed(proc)
    assert proc.returncode == 0
    assert 'watchdog of cluster c1 on master-0: 3 checks in 1 fetches' in out
    assert 'reported worker-1, worker-2 lost (HTTP 200)' in out
    assert out.rstrip().endswith('stopped')
    assert SECRET not in out and 'Traceback' not in out


def test_the_program_stops_a_fetch_under_way_on_sigterm(engine, tmp_path):
    proc = start(tmp_path, {
        'cluster': 'c1', 'node': 'master-0', 'url': engine.url,
        'interval': 10, 'grace': 0, 'cooldown': 60,
        'fetches': [spark_fetch('sleep 60', timeout=60)]})
    try:
        time.sleep(1)
        started = time.monotonic()
        out = terminated(proc)
    finally:
        killed(proc)
    assert time.monotonic() - started < 5
    assert proc.returncode == 0 and engine.posts == []
    assert 'not alive' not in out       # what was cut short said nothing


def test_a_bad_configuration_is_refused_without_quoting_it(tmp_path):
    proc = start(tmp_path, {'cluster': 'c1', 'url': 'http://h/?' + SECRET,
                            'fetches': []})
    out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 2
    assert "cannot read the configuration" in out and "no 'node'" in out
    assert SECRET not in out
    bad = tmp_path / 'bad.json'
    bad.write_text('{"url": "http://h/?%s", ' % SECRET)
    code = subprocess.run([sys.executable, str(tmp_path / 'watchdog.py'),
                           str(bad)], capture_output=True, text=True)
    assert code.returncode == 2 and SECRET not in code.stdout + code.stderr
    assert os.path.exists(tmp_path / 'watchdog.py')
