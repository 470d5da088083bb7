"""Fixtures of the compute API's tests (the simulator's own are the
parent conftest's)."""

import pytest

from savanna_sandbox.cloud import cloud as cloud_mod
from tests.unit.sandbox.cloud import conftest


def _no_host(**kwargs):
    raise AssertionError('an offline simulator boots no host')


@pytest.fixture(scope='package')
def sim():
    """One simulator for all the compute modules (each deletes what it
    made, as its test_nothing_left shows): a start and stop per module
    would cost more than the tests."""
    yield from conftest.running_simulator()


@pytest.fixture
def offline(tmp_path):
    """A simulator built but not started: its apps are called in process
    (``helpers.call``), no listener, no host."""
    return cloud_mod.CloudSimulator(conftest.make_conf(str(tmp_path)),
                                    host_factory=_no_host)


@pytest.fixture(scope='module')
def image_id(glance):
    return next(iter(glance.images.list(filters={'name': 'spark-4.3'}))).id
