"""cloud.compute.server_meta: a server's metadata and tags."""

from tests.unit.sandbox.cloud import helpers


def test_metadata(offline):
    rec = helpers.add_server(offline, 'meta', metadata={'role': 'x'})
    base = '/v2.1/servers/%s/metadata' % rec['id']
    app = offline.compute
    assert helpers.call(app, 'POST', base, {'metadata': {'a': '1'}})[1] == {
        'metadata': {'role': 'x', 'a': '1'}}
    assert helpers.call(app, 'GET', base + '/a')[1] == {'meta': {'a': '1'}}
    status, _, _ = helpers.call(app, 'PUT', base + '/b', {'meta': {'c': 1}})
    assert status == 400             # body and URI disagree
    assert helpers.call(app, 'PUT', base + '/b', {'meta': {'b': '2'}})[1] \
        == {'meta': {'b': '2'}}
    assert helpers.call(app, 'DELETE', base + '/a')[0] == 204
    assert helpers.call(app, 'DELETE', base + '/a')[0] == 404
    assert helpers.call(app, 'PUT', base, {'metadata': {'only': 'y'}})[1] \
        == {'metadata': {'only': 'y'}}
    assert helpers.call(app, 'GET', base)[1] == {'metadata': {'only': 'y'}}


def test_tags(offline):
    rec = helpers.add_server(offline, 'tags')
    base = '/v2.1/servers/%s/tags' % rec['id']
    app = offline.compute
    assert helpers.call(app, 'PUT', base, {'tags': ['a', 'b']})[1] == {
        'tags': ['a', 'b']}
    assert helpers.call(app, 'PUT', base + '/c')[0] == 201
    assert helpers.call(app, 'PUT', base + '/c')[0] == 201   # once
    assert helpers.call(app, 'GET', base)[1] == {'tags': ['a', 'b', 'c']}
    assert helpers.call(app, 'GET', base + '/b')[0] == 204
    assert helpers.call(app, 'DELETE', base + '/b')[0] == 204
    assert helpers.call(app, 'GET', base + '/b')[0] == 404
    assert helpers.call(app, 'DELETE', base)[0] == 204
    assert helpers.call(app, 'GET', base)[1] == {'tags': []}


def test_an_unknown_server_has_no_metadata(offline):
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/servers/nope/metadata')
    assert (status, body['itemNotFound']['message']) == (
        404, 'Instance nope could not be found.')
