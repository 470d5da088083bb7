"""Version documents, catalogs of flavors/images/networks, extensions: what
the real clients (and Heat's client plugins) read before anything else."""

from cinderclient import api_versions as cinder_versions
from novaclient import api_versions as nova_versions
from novaclient import exceptions as nova_exc
import pytest


def test_nova_version_document_negotiates_max_microversion(nova):
    current = nova.versions.get_current()
    assert current.version == '2.96'
    assert current.min_version == '2.1'
    # What Heat's nova plugin computes in get_max_microversion().
    import novaclient
    assert min(nova_versions.get_api_version(current.version),
               novaclient.API_MAX_VERSION).get_string() == '2.96'


def test_cinder_highest_version(cinder):
    assert cinder_versions.get_highest_version(cinder).get_string() == \
        '3.71'


def test_preseeded_flavors_by_id_and_name(nova):
    names = sorted(f.name for f in nova.flavors.list())
    assert names == ['m1.large', 'm1.medium', 'm1.small', 'm1.tiny']
    small = nova.flavors.find(name='m1.small')
    assert (small.vcpus, small.ram, small.disk) == (1, 2048, 20)
    assert nova.flavors.get(small.id).name == 'm1.small'
    with pytest.raises(nova_exc.NotFound):
        nova.flavors.get('m1.small')      # Heat tries get, then find


def test_images_through_glanceclient(glance):
    images = {i.name: i for i in glance.images.list()}
    assert {'spark-4.3', 'hadoop-3.4', 'cirros'} <= set(images)
    spark = glance.images.get(images['spark-4.3'].id)
    assert spark.os_admin_user == 'root'      # the tests' configuration
    assert spark.status == 'active'
    found = list(glance.images.list(filters={'name': 'hadoop-3.4'}))
    assert [i.name for i in found] == ['hadoop-3.4']


def test_networks_and_extensions(neutron):
    aliases = {e['alias'] for e in neutron.list_extensions()['extensions']}
    assert {'security-group', 'external-net', 'quotas'} <= aliases
    assert 'stateful-security-group' not in aliases
    nets = {n['name']: n for n in neutron.list_networks()['networks']}
    assert nets['public']['router:external'] is True
    assert nets['private']['router:external'] is False
    sub = neutron.show_subnet(nets['private']['subnets'][0])['subnet']
    assert sub['cidr'] == '127.0.110.0/24'
    # The lookup Heat does for 'network: private'.
    from neutronclient.neutron import v2_0 as neutronV20
    assert neutronV20.find_resourceid_by_name_or_id(
        neutron, 'network', 'private') == nets['private']['id']


def test_volume_types_and_zones(cinder, nova):
    assert sorted(t.name for t in cinder.volume_types.list()) == \
        ['ssd', 'standard']
    zones = nova.availability_zones.list(detailed=False)
    assert [z.zoneName for z in zones] == ['nova']
    assert nova.limits.get().absolute


def test_unknown_path_is_404_in_nova_style(nova):
    with pytest.raises(nova_exc.NotFound):
        nova.servers.get('does-not-exist')
