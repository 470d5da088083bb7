"""savanna_sandbox.faults.harness: a row's run, its result, the command
line."""

import subprocess
import sys

import pytest

from savanna_sandbox import faults
from savanna_sandbox.faults import harness
from savanna_sandbox.faults import registry
from savanna_sandbox.faults import simulator
from tests.unit.sandbox.faults import fakes


class _Stacks(object):
    """Heat's stacks as a list of statuses read one after the other."""

    def __init__(self, *statuses):
        self.statuses = list(statuses)
        self.deleted = []

    def get(self, stack_id):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else \
            self.statuses[0]
        if status is None:
            raise LookupError('gone')
        return fakes.ns(stack_status=status, stack_status_reason='why',
                        disable_rollback=True)

    def delete(self, stack_id):
        self.deleted.append(stack_id)


@pytest.fixture
def no_sleep(monkeypatch):
    monkeypatch.setattr(harness.time, 'sleep', lambda seconds: None)


def test_wait_until_the_action_is_done(no_sleep):
    stacks = _Stacks('CREATE_IN_PROGRESS', 'CREATE_COMPLETE')
    run = harness.Run(fakes.ns(stacks=stacks), 'w')
    assert run.wait('CREATE').stack_status == 'CREATE_COMPLETE'
    run = harness.Run(fakes.ns(stacks=_Stacks('CREATE_IN_PROGRESS')), 'w')
    with pytest.raises(harness.ScenarioFailed) as err:
        run.wait('CREATE', timeout=0)
    assert str(err.value) == 'timed out in CREATE_IN_PROGRESS: why'


def _row(func):
    return registry.Scenario('row', 'fx', 'as expected', 'boot', func)


def test_a_rows_result_its_differences_and_leaks(monkeypatch, no_sleep):
    calls = []
    inventories = [{('servers', 'a'): 'kept'},
                   {('servers', 'a'): 'kept', ('ports', 'p'): ''}]
    monkeypatch.setattr(simulator, 'admin',
                        lambda method, path, body=None: calls.append(path))
    monkeypatch.setattr(simulator, 'inventory_ids',
                        lambda: inventories.pop(0))

    def differs(run):
        run.stack_id = 'stack-1'
        run.note('took 1s')
        run.check(False, 'status FAILED')
    heat = fakes.ns(stacks=_Stacks(None))
    result = harness.run_scenario(heat, _row(differs))
    assert calls == ['/reset', '/reset']
    assert heat.stacks.deleted == ['stack-1']
    assert (result['name'], result['expected'], result['observed'],
            result['leaked'], result['notes'], result['ok']) == (
        'row', 'as expected', 'status FAILED', ['ports:p'], ['took 1s'],
        False)
    result['seconds'] = 3
    assert harness.format_row(result) == (
        'row | as expected | status FAILED | 1 ports:p (3s) [took 1s]')


def test_an_error_is_the_rows_observation(monkeypatch, no_sleep):
    monkeypatch.setattr(simulator, 'admin', lambda *args, **kw: {})
    monkeypatch.setattr(simulator, 'inventory_ids', lambda: {})

    def fails(run):
        raise ValueError('boom')
    result = harness.run_scenario(None, _row(fails))
    assert result['observed'] == 'error: ValueError: boom'
    assert not result['ok']

    def passes(run):
        pass
    result = harness.run_scenario(None, _row(passes))
    assert (result['observed'], result['ok']) == ('as expected', True)


def test_list_and_unknown_rows(capsys):
    assert harness.main(['--list']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(faults.SCENARIOS)
    assert lines[0] == ('boot-1-of-10 | boot | PARTIALLY_ACTIVE then healed '
                        'to ACTIVE, only failed replaced')
    assert lines[3].endswith(' | ci')
    with pytest.raises(SystemExit) as err:
        harness.main(['--only', 'nope'])
    assert err.value.code == 2
    assert 'unknown scenario(s): nope (see --list)' in \
        capsys.readouterr().err


def test_python_m_runs_the_same_command_line(capsys):
    harness.main(['--list'])
    listed = capsys.readouterr().out
    out = subprocess.run([sys.executable, '-m', 'savanna_sandbox.faults',
                          '--list'], capture_output=True, text=True,
                         check=True)
    assert out.stdout == listed
    assert out.stderr == ''


def test_a_sandbox_that_does_not_come_up_is_said_not_a_traceback(
        capsys, monkeypatch):
    from savanna_sandbox.services import platform as platform_mod

    class DownPlatform(object):
        def __init__(self, out):
            self.out = out

        def up(self):
            self.out.write('FAILED: keystone: not ready after 120s\n')
            return 1

        def heat_client(self, user):
            raise AssertionError('no row may run without the sandbox')

    monkeypatch.setattr(platform_mod, 'Platform', DownPlatform)
    assert harness.main(['--only', 'boot-1-of-10']) == 2
    err = capsys.readouterr().err
    assert 'FAILED: keystone: not ready after 120s' in err
    assert 'the sandbox did not come up, so no row ran' in err
