"""Test-wide set-up.

Heat 27 runs on oslo.service's threading backend; it must be chosen before
anything imports heat.engine, or the first import picks another backend and
Heat then fails with BackendAlreadySelected.

Skips under CI: a skipped test proves nothing, and a skip that fires only
on the CI machine (not root, sshd missing, the sandbox not installed...)
would turn CI green without running the check. So when the ``CI``
environment variable is set (``.ci/run`` sets it), a skip is a failure
unless the test is listed in ``tests/skips.txt`` with the reason it may
skip there. The list is shown in the docs (doc/source/testing.rst).
"""

import fnmatch
import os

import pytest

try:
    from oslo_service import backend as _backend
    try:
        _backend.init_backend(_backend.BackendType.THREADING)
    except Exception:  # already selected by an earlier import: same choice
        pass
except ImportError:  # pragma: no cover - the plugin alone, without Heat
    pass

SKIPS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'skips.txt')
_FALSE = ('', '0', 'false', 'no', 'off')


def under_ci():
    return os.environ.get('CI', '').strip().lower() not in _FALSE


def load_allowed_skips(path=SKIPS_FILE):
    """``[(node id glob, reason)]`` from the skip list: one ``GLOB |
    REASON`` a line, ``#`` comments. An entry without a reason is an
    error: the list exists to say why."""
    allowed = []
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return allowed
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        pattern, sep, reason = line.partition('|')
        if not sep or not pattern.strip() or not reason.strip():
            raise pytest.UsageError(
                '%s:%d: want "NODE-ID-GLOB | REASON", got %r'
                % (path, number, line))
        allowed.append((pattern.strip(), reason.strip()))
    return allowed


def allowed_reason(nodeid, allowed):
    for pattern, reason in allowed:
        if fnmatch.fnmatchcase(nodeid, pattern):
            return reason
    return None


def _skip_text(report):
    longrepr = report.longrepr
    text = str(longrepr[2]) if isinstance(longrepr, tuple) and \
        len(longrepr) == 3 else str(longrepr)
    return text[len('Skipped: '):] if text.startswith('Skipped: ') else text


def _refuse(report, nodeid):
    report.outcome = 'failed'
    report.longrepr = (
        '%s was skipped under CI (%s), and it is not in tests/skips.txt. '
        'CI must run every check: install what the test needs (make '
        'deps), or list it there with the reason it may skip.'
        % (nodeid, _skip_text(report)))


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: takes more than a few seconds (real daemons)')
    config.addinivalue_line(
        'markers', 'functional: needs the sandbox (real Heat, simulator)')
    config._savanna_allowed_skips = load_allowed_skips()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # wasxfail: an expected failure, reported as skipped; not a skip
    if (report.skipped and not hasattr(report, 'wasxfail') and
            under_ci() and allowed_reason(
                item.nodeid, item.config._savanna_allowed_skips) is None):
        _refuse(report, item.nodeid)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    # a module skipped as a whole (pytest.skip(allow_module_level=True),
    # importorskip at import time)
    report = yield
    if (report.skipped and under_ci() and allowed_reason(
            collector.nodeid,
            collector.config._savanna_allowed_skips) is None):
        _refuse(report, collector.nodeid)
    return report
