"""The skip policy of tests/conftest.py: under CI a skip fails the run
unless tests/skips.txt lists the test with its reason."""

import os
import subprocess
import sys
import textwrap

import pytest

from tests import conftest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def run_pytest(tmp_path, ci):
    test = tmp_path / 'test_sample.py'
    test.write_text(textwrap.dedent('''
        import pytest

        def test_runs():
            assert True

        def test_skips():
            pytest.skip('needs something missing')

        @pytest.mark.xfail(reason='known bug', strict=True)
        def test_expected_failure():
            assert False
    '''))
    env = {k: v for k, v in os.environ.items() if k != 'CI'}
    if ci is not None:
        env['CI'] = ci
    return subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-rs', '-p',
         'no:cacheprovider', '-p', 'tests.conftest', str(test)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_skip_fails_under_ci(tmp_path):
    done = run_pytest(tmp_path, 'true')
    assert done.returncode == 1, done.stdout
    assert '1 failed, 1 passed, 1 xfailed' in done.stdout
    assert ('test_skips was skipped under CI (needs something missing), '
            'and it is not in tests/skips.txt') in done.stdout


@pytest.mark.parametrize('ci', [None, '', '0', 'false'])
def test_outside_ci_a_skip_is_shown_not_failed(tmp_path, ci):
    done = run_pytest(tmp_path, ci)
    assert done.returncode == 0, done.stdout
    assert '1 passed, 1 skipped, 1 xfailed' in done.stdout
    assert 'SKIPPED [1]' in done.stdout      # -rs names it


def test_the_list_needs_a_reason_per_line(tmp_path):
    path = tmp_path / 'skips.txt'
    path.write_text('# comment\n\ntests/x.py::test_a | no GPU here\n'
                    'tests/y.py::* |   \n')
    with pytest.raises(pytest.UsageError, match='skips.txt:4'):
        conftest.load_allowed_skips(str(path))
    path.write_text('tests/x.py::test_a | no GPU here\n')
    allowed = conftest.load_allowed_skips(str(path))
    assert allowed == [('tests/x.py::test_a', 'no GPU here')]
    assert conftest.allowed_reason('tests/x.py::test_a', allowed) == \
        'no GPU here'
    assert conftest.allowed_reason('tests/x.py::test_b', allowed) is None


def test_every_listed_skip_has_a_reason():
    # the shipped list parses (it may be empty)
    for pattern, reason in conftest.load_allowed_skips():
        assert pattern.startswith('tests/') and reason


def test_a_module_skipped_whole_fails_under_ci(tmp_path):
    test = tmp_path / 'test_module_skip.py'
    test.write_text("import pytest\n"
                    "pytest.importorskip('no_such_module_here')\n\n\n"
                    "def test_x():\n    pass\n")
    env = dict(os.environ, CI='1')
    done = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
         '-p', 'tests.conftest', str(test)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0, done.stdout
    assert "test_module_skip.py was skipped under CI (could not import " \
        "'no_such_module_here'" in done.stdout
