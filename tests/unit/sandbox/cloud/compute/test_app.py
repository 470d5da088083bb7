"""cloud.compute.app: the areas assembled into one app, one route table."""

from savanna_sandbox.cloud import compute
from tests.unit.sandbox.cloud import helpers


def test_every_route_is_a_handler_of_the_app(offline):
    app = offline.compute
    assert isinstance(app, compute.ComputeApp)
    seen = set()
    for route in app.routes:
        assert getattr(route.handler, '__self__', app) is app
        assert (route.method, route.template) not in seen
        seen.add((route.method, route.template))
    assert len(app.routes) == 53


def test_detail_lists_are_routed_before_the_id_routes(offline):
    helpers.add_server(offline, 'detail-1')
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/servers/detail')
    assert status == 200
    assert [s['name'] for s in body['servers']] == ['detail-1']
    assert 'status' in body['servers'][0]
    status, body, _ = helpers.call(offline.compute, 'GET',
                                   '/v2.1/flavors/detail')
    assert status == 200
    assert all('ram' in f for f in body['flavors'])


def test_unknown_path_and_method_in_nova_style(offline):
    status, body, _ = helpers.call(offline.compute, 'GET', '/v2.1/nothing')
    assert (status, list(body)) == (404, ['itemNotFound'])
    status, body, _ = helpers.call(offline.compute, 'PATCH', '/v2.1/servers')
    assert status == 405
