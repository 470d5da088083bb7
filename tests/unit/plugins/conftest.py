import pytest

from tests.unit.remote import sshhosts


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: takes more than 30 seconds')


@pytest.fixture
def hosts():
    if not sshhosts.can_run_sshd():
        pytest.skip('needs root, sshd and unshare')
    factory = sshhosts.HostFactory()
    yield factory
    factory.cleanup()
