"""cloud.compute.keypairs: public keys stored per user, Nova's shapes."""

import base64
import hashlib

from novaclient import exceptions as nova_exc
import pytest

from savanna_sandbox.cloud import compute
from savanna_sandbox.cloud import wsgi
from tests.unit.sandbox.cloud import helpers


@pytest.fixture(scope='module')
def key(nova):
    yield from helpers.keypair(nova, 'test-key')


def test_keypair_shapes(nova, key):
    kp = nova.keypairs.get('test-key')
    assert kp.name == 'test-key'
    assert kp.type == 'ssh'
    assert len(kp.fingerprint.split(':')) == 16
    with pytest.raises(nova_exc.Conflict):
        nova.keypairs.create('test-key', public_key=kp.public_key)
    # 2.92+: Nova no longer generates keys; public_key is required.
    with pytest.raises(nova_exc.BadRequest):
        nova.keypairs.create('no-key', public_key=None)


def test_fingerprint_is_the_md5_of_the_key_blob():
    _, public = helpers.new_key()
    digest = hashlib.md5(base64.b64decode(public.split()[1]),
                         usedforsecurity=False).hexdigest()
    assert compute.fingerprint(public).replace(':', '') == digest
    with pytest.raises(wsgi.HTTPError) as err:
        compute.fingerprint('ssh-rsa')
    assert err.value.code == 400


@pytest.mark.parametrize('version, created, deleted', [
    ('2.1', 200, 202), ('2.2', 201, 204)])
def test_status_codes_by_microversion(offline, version, created, deleted):
    headers = {'OpenStack-API-Version': 'compute ' + version}
    _, public = helpers.new_key()
    status, body, _ = helpers.call(
        offline.compute, 'POST', '/v2.1/os-keypairs',
        {'keypair': {'name': 'k', 'public_key': public}}, headers)
    assert status == created
    assert body['keypair']['public_key'] == public
    status, _, _ = helpers.call(offline.compute, 'DELETE',
                                '/v2.1/os-keypairs/k', headers=headers)
    assert status == deleted
    status, _, _ = helpers.call(offline.compute, 'GET',
                                '/v2.1/os-keypairs/k', headers=headers)
    assert status == 404
