import pytest

from heat_savanna.plugins import get_plugin


@pytest.fixture
def plugin():
    return get_plugin('vanilla')
