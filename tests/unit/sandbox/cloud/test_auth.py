"""The services sit behind keystonemiddleware's auth_token: a request with
no token is refused before any handler runs; version documents stay public.
(Rejecting a bad token needs a Keystone: that is a functional test.)"""

import json
import tempfile
import urllib.error
import urllib.request

import pytest

from savanna_sandbox.cloud import cloud as cloud_mod
from tests.unit.sandbox.cloud.conftest import make_conf


@pytest.fixture(scope='module')
def authed_sim():
    conf = make_conf(tempfile.mkdtemp(prefix='cloudsim-auth-'))
    conf['auth'] = {'strategy': 'keystone',
                    'auth_url': 'http://127.0.0.1:9/v3',
                    'username': 'cloudsim', 'password': 'secret',
                    'project_name': 'service'}
    sim = cloud_mod.CloudSimulator(conf, host_factory=object)
    sim.start()
    yield sim
    sim.stop()


def _get(url, token=None):
    headers = {'X-Auth-Token': token} if token else {}
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b'{}'), resp
    except urllib.error.HTTPError as exc:
        return exc.code, None, exc


def test_missing_token_is_401(authed_sim):
    urls = authed_sim.urls()
    for url in (urls['compute'] + '/servers',
                urls['network'] + '/v2.0/ports',
                urls['image'] + '/v2/images',
                urls['volumev3'] % {'project_id': 'p'} + '/volumes'):
        status, _, resp = _get(url)
        assert status == 401, url
        assert 'www-authenticate' in {k.lower() for k in resp.headers}


def test_version_documents_need_no_token(authed_sim):
    status, body, _ = _get(authed_sim.urls()['compute'])
    assert status == 200
    assert body['version']['version'] == '2.96'


def test_requests_are_counted_even_when_refused(authed_sim):
    stats = authed_sim.stats.snapshot()
    assert stats['services']['compute']['requests'][
        'GET /v2.1/servers'] >= 1
