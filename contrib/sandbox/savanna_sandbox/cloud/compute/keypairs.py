"""The keypairs API (os-keypairs): the simulator stores public keys, it
generates none."""

import base64
import hashlib

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


def fingerprint(public_key):
    """Nova's keypair fingerprint: MD5 of the key blob, colon separated."""
    try:
        blob = base64.b64decode(public_key.split()[1])
    except (IndexError, ValueError):
        raise wsgi.bad_request('Keypair data is invalid: failed to '
                               'generate fingerprint')
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


class Keypairs(base.ComputeBase):
    """/os-keypairs, per user."""

    def _keypair_view(self, rec, full=True):
        view = {'name': rec['name'], 'public_key': rec['public_key'],
                'fingerprint': rec['fingerprint'], 'type': rec['type']}
        if full:
            view.update(user_id=rec['user_id'], id=rec['keypair_id'],
                        created_at=rec['created_at'], deleted=False,
                        deleted_at=None, updated_at=None)
        return view

    def _keypair(self, req, name):
        user = req.GET.get('user_id') or self.user_id(req)
        found = self.cloud.store.find('keypairs', name=name, user_id=user)
        if not found:
            raise wsgi.not_found('Keypair', name)
        return found[0]

    def list_keypairs(self, req):
        user = req.GET.get('user_id') or self.user_id(req)
        return {'keypairs': [{'keypair': self._keypair_view(k, False)}
                             for k in self.cloud.store.find(
                                 'keypairs', user_id=user)]}

    def create_keypair(self, req):
        body = wsgi.json_body(req, 'keypair')
        version = self.microversion(req)
        name = body.get('name') or ''
        if not name or len(name) > 255:
            raise wsgi.bad_request('Keypair name must be 1-255 characters')
        public_key = body.get('public_key')
        if not public_key:
            if version >= (2, 92):
                raise wsgi.bad_request("Invalid input for field/attribute "
                                       "keypair. 'public_key' is a required "
                                       "property")
            raise wsgi.bad_request('The simulator does not generate keys: '
                                   'pass public_key')
        user = body.get('user_id') or self.user_id(req)
        store = self.cloud.store
        with store.lock:
            if store.find('keypairs', name=name, user_id=user):
                raise wsgi.conflict('Key pair \'%s\' already exists.'
                                    % name)
            rec = store.add('keypairs', {
                'name': name, 'public_key': public_key.strip(),
                'fingerprint': fingerprint(public_key),
                'type': body.get('type', 'ssh'), 'user_id': user,
                'keypair_id': len(store.tables['keypairs']) + 1,
                'project_id': self.project_id(req),
                'created_at': wsgi.now()})
        view = self._keypair_view(rec, False)
        view['user_id'] = user
        status = 201 if version >= (2, 2) else 200
        return wsgi.Reply(status, {'keypair': view})

    def show_keypair(self, req, name):
        return {'keypair': self._keypair_view(self._keypair(req, name))}

    def delete_keypair(self, req, name):
        rec = self._keypair(req, name)
        self.cloud.store.remove('keypairs', rec['id'])
        status = 204 if self.microversion(req) >= (2, 2) else 202
        return wsgi.Reply(status)
