"""cloud.compute.base: microversions, the version document, lookups."""

from novaclient import api_versions as nova_versions
from novaclient import exceptions as nova_exc
import pytest

from tests.unit.sandbox.cloud import helpers


def test_nova_version_document_negotiates_max_microversion(nova):
    current = nova.versions.get_current()
    assert current.version == '2.96'
    assert current.min_version == '2.1'
    # What Heat's nova plugin computes in get_max_microversion().
    import novaclient
    assert min(nova_versions.get_api_version(current.version),
               novaclient.API_MAX_VERSION).get_string() == '2.96'


def test_unknown_path_is_404_in_nova_style(nova):
    with pytest.raises(nova_exc.NotFound):
        nova.servers.get('does-not-exist')


@pytest.mark.parametrize('headers, version', [
    ({}, '2.1'),
    ({'OpenStack-API-Version': 'compute 2.60'}, '2.60'),
    ({'X-OpenStack-Nova-API-Version': '2.37'}, '2.37'),
    ({'OpenStack-API-Version': 'compute latest'}, '2.96'),
])
def test_the_answer_names_the_microversion_it_speaks(offline, headers,
                                                     version):
    status, _, resp = helpers.call(offline.compute, 'GET', '/v2.1/flavors',
                                   headers=headers)
    assert status == 200
    assert resp['OpenStack-API-Version'] == 'compute ' + version
    assert resp['X-OpenStack-Nova-API-Version'] == version


def test_unserved_or_unreadable_microversions_are_refused(offline):
    status, body, resp = helpers.call(
        offline.compute, 'GET', '/v2.1/flavors/detail',
        headers={'OpenStack-API-Version': 'compute 2.97'})
    assert status == 406
    assert body['computeFault']['message'] == (
        'Version 2.97 is not supported by the API. Minimum is 2.1 and '
        'maximum is 2.96.')
    assert resp['OpenStack-API-Version'] == 'compute 2.1'
    status, body, _ = helpers.call(
        offline.compute, 'GET', '/v2.1/flavors/detail',
        headers={'OpenStack-API-Version': 'compute two'})
    assert status == 400
    assert body['badRequest']['message'] == (
        'Invalid API version request string two')


def test_version_documents(offline):
    status, body, _ = helpers.call(offline.compute, 'GET', '/')
    assert status == 200
    doc = body['versions'][0]
    assert (doc['id'], doc['version'], doc['min_version']) == (
        'v2.1', '2.96', '2.1')
    assert doc['links'] == [{'rel': 'self',
                             'href': 'http://localhost/v2.1/'}]
    status, body, _ = helpers.call(offline.compute, 'GET', '/v2.1')
    assert body['version'] == doc
