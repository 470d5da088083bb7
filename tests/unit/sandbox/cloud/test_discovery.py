"""Version documents, catalogs of flavors/images/networks, extensions: what
the real clients (and Heat's client plugins) read before anything else."""

from cinderclient import api_versions as cinder_versions


def test_cinder_highest_version(cinder):
    assert cinder_versions.get_highest_version(cinder).get_string() == \
        '3.71'


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


def test_volume_types(cinder):
    assert sorted(t.name for t in cinder.volume_types.list()) == \
        ['ssd', 'standard']
