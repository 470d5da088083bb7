"""No secret leaves the cluster resource: not in Heat's logs, the
resource's metadata, attributes, events or outputs.

The cluster is the one test_claims.py took through create, a refused
update, a scale-down, a check that failed two nodes, and a heal
(lifecycle.py); it runs right after that module, and this module deletes
the cluster at the end. What must not show anywhere:

* the cluster's management private key: the real one, read back from
  Heat's resource data with the engine's own decryption (it is stored
  there encrypted, and nowhere else), and any OpenSSH or PEM private key;
* the sandbox's passwords and keys (Keystone users, database, RabbitMQ,
  Heat's auth_encryption_key);
* Keystone tokens: the ones the test's own sessions hold, and anything
  shaped like a Fernet token.
"""

import json
import re

import pytest
import sqlalchemy

from heat.common import crypt

from heat_savanna.resources import state as state_mod
from savanna_sandbox.services import mariadb
from tests.functional import lifecycle

pytestmark = [pytest.mark.functional, pytest.mark.slow]

ATTRIBUTES = ('status', 'nodes', 'active_count', 'desired_count',
              'failed_nodes', 'master_address', 'endpoints', 'info', 'show')
#: base64 of "openssh-key-v1": the start of every OpenSSH private key body
OPENSSH_MAGIC = 'b3BlbnNzaC1rZXktdjE'
FERNET = re.compile(r'gAAAAA[A-Za-z0-9_=-]{60,}')


@pytest.fixture(scope='module')
def lived(claims):
    claims.reach('heal')
    yield claims
    leaked = claims.delete()
    assert leaked == [], 'left in the cloud: %s' % leaked


def stored_private_keys(sandbox, stack_id):
    """The management private key(s) of the stack's cluster resource, as
    Heat stores them (encrypted) and decrypted with Heat's own code."""
    secrets = sandbox.platform.secrets
    engine = sqlalchemy.create_engine(mariadb.url(secrets, 'heat'))
    with engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text(
            'SELECT d.value, d.redact, d.decrypt_method '
            'FROM resource_data d JOIN resource r ON d.resource_id = r.id '
            'WHERE r.stack_id = :stack AND r.name = :name AND '
            'd.`key` = :key'), {'stack': stack_id, 'name': lifecycle.RESOURCE,
                                'key': state_mod.PRIVATE_KEY}).fetchall()
    engine.dispose()
    keys = []
    for value, redact, method in rows:
        assert redact, 'the private key is stored unredacted'
        assert 'PRIVATE KEY' not in value and OPENSSH_MAGIC not in value
        keys.append(crypt.decrypt(method, value,
                                  secrets['auth_encryption_key']))
    return keys


def key_lines(private_key):
    """The lines of the key's body, each a string no text may contain."""
    return [line for line in private_key.splitlines()
            if line and not line.startswith('-----')]


def gather(sandbox, claims):
    """``{where: text}`` of everything an operator or a log reader sees."""
    heat = claims.heat
    stack_id = claims.run.stack_id
    texts = {}
    layout = sandbox.platform.layout
    for name in ('heat-engine', 'heat-api'):
        with open(layout.log(name), errors='replace') as f:
            texts['log ' + name] = f.read()
    texts['metadata'] = json.dumps(heat.resources.metadata(
        stack_id, lifecycle.RESOURCE))
    res = heat.resources.get(stack_id, lifecycle.RESOURCE,
                             with_attr=list(ATTRIBUTES))
    texts['resource and attributes'] = json.dumps(res.to_dict())
    texts['outputs'] = json.dumps(claims.run.outputs())
    events = heat.events.list(stack_id, nested_depth=3)
    texts['events'] = json.dumps([e.to_dict() for e in events])
    # the nested stacks' resources (servers, ports, node sets) with their
    # metadata: a node set records its nodes' addresses and host keys
    nested = res.physical_resource_id
    for sub in heat.resources.list(nested, nested_depth=2):
        stack = [link['href'].rsplit('/', 1)[-1] for link in sub.links
                 if link['rel'] == 'stack'][0]
        texts['nested %s' % sub.resource_name] = json.dumps(
            [sub.to_dict(), heat.resources.metadata(stack,
                                                    sub.resource_name)])
    return texts, events


def test_the_key_is_stored_encrypted_and_read_back(sandbox, lived):
    keys = stored_private_keys(sandbox, lived.run.stack_id)
    assert keys, 'no management key in the resource data'
    for key in keys:
        assert key.startswith('-----BEGIN OPENSSH PRIVATE KEY-----')
        assert len(key_lines(key)) >= 3


def test_no_secret_in_logs_metadata_attributes_events(sandbox, lived):
    texts, events = gather(sandbox, lived)
    # the scan covers what the cluster went through
    assert len(events) > 50
    statuses = {e.resource_status for e in events
                if e.resource_name == lifecycle.RESOURCE}
    assert {'CREATE_COMPLETE', 'UPDATE_FAILED', 'CHECK_COMPLETE',
            'UPDATE_COMPLETE'} <= statuses, statuses
    assert 'heat_savanna' in texts['log heat-engine']
    assert 'PARTIALLY_ACTIVE' in texts['metadata'] or \
        'ACTIVE' in texts['metadata']

    forbidden = {'a private key marker': 'PRIVATE KEY',
                 'an OpenSSH private key body': OPENSSH_MAGIC}
    for i, key in enumerate(stored_private_keys(sandbox,
                                                lived.run.stack_id)):
        for j, line in enumerate(key_lines(key)):
            forbidden['line %d of management key %d' % (j, i)] = line
    for name, value in sandbox.platform.secrets.items():
        if isinstance(value, str) and len(value) >= 8:
            forbidden['sandbox secret %s' % name] = value
    for user in ('demo', 'admin'):
        forbidden['%s token' % user] = sandbox.session(user).get_token()

    found = []
    for where, text in texts.items():
        for what, value in forbidden.items():
            if value in text:
                found.append('%s in %s' % (what, where))
        for match in FERNET.finditer(text):
            found.append('a Keystone token in %s: %s...'
                         % (where, match.group(0)[:12]))
    assert not found, found
