"""Test-wide set-up.

Heat 27 runs on oslo.service's threading backend; it must be chosen before
anything imports heat.engine, or the first import picks another backend and
Heat then fails with BackendAlreadySelected.
"""

try:
    from oslo_service import backend as _backend
    try:
        _backend.init_backend(_backend.BackendType.THREADING)
    except Exception:  # already selected by an earlier import: same choice
        pass
except ImportError:  # pragma: no cover - the plugin alone, without Heat
    pass


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'slow: takes more than a few seconds (real daemons)')
    config.addinivalue_line(
        'markers', 'functional: needs the sandbox (real Heat, simulator)')
