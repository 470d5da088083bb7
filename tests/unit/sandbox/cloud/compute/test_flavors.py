"""cloud.compute.flavors: the preseeded flavors, by id and by name."""

from novaclient import exceptions as nova_exc
import pytest

from tests.unit.sandbox.cloud import helpers


def test_preseeded_flavors_by_id_and_name(nova):
    names = sorted(f.name for f in nova.flavors.list())
    assert names == ['m1.large', 'm1.medium', 'm1.small', 'm1.tiny']
    small = nova.flavors.find(name='m1.small')
    assert (small.vcpus, small.ram, small.disk) == (1, 2048, 20)
    assert nova.flavors.get(small.id).name == 'm1.small'
    with pytest.raises(nova_exc.NotFound):
        nova.flavors.get('m1.small')      # Heat tries get, then find


@pytest.mark.parametrize('version, swap, more', [
    ('2.1', '', set()),
    ('2.55', '', {'description'}),
    ('2.61', '', {'description', 'extra_specs'}),
    ('2.75', 0, {'description', 'extra_specs'}),
])
def test_flavor_shape_by_microversion(offline, version, swap, more):
    status, body, _ = helpers.call(
        offline.compute, 'GET', '/v2.1/flavors/1',
        headers={'OpenStack-API-Version': 'compute ' + version})
    assert status == 200
    flavor = body['flavor']
    assert flavor['swap'] == swap
    assert {'description', 'extra_specs'} & set(flavor) == more


def test_extra_specs_and_access(offline):
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/flavors/m1.small/os-extra_specs')
    assert (status, body) == (200, {'extra_specs': {}})
    status, _, _ = helpers.call(offline.compute, 'GET',
                                '/v2.1/flavors/1/os-flavor-access')
    assert status == 404
