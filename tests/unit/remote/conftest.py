import pytest

from tests.unit.remote import sshhosts


@pytest.fixture
def hosts():
    if not sshhosts.can_run_sshd():
        pytest.skip('needs root, sshd and unshare')
    factory = sshhosts.HostFactory()
    yield factory
    factory.cleanup()
