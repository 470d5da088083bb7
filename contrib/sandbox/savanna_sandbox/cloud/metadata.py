"""The metadata service, as a booting server reads it (cloud-init, and
os-collect-config's ec2 collector).

A real cloud answers at 169.254.169.254 and tells instances apart by the
address a request comes from; the simulator's servers all live on
loopback, so it tells them apart by the path instead:
``/metadata/<server id>/openstack/latest/user_data`` (the user data Nova
was given, decoded), ``.../openstack/latest/meta_data.json`` and the
EC2-style tree ``.../latest/meta-data/`` (a listing, one key a line).
No token: like the real one, it is reachable only from the instances.
"""

import base64
import binascii

from savanna_sandbox.cloud import wsgi


def _server(app, server_id):
    rec = app.cloud.store.get('servers', server_id)
    if rec is None:
        raise wsgi.HTTPError(404, 'no instance %s' % server_id, 'Not Found')
    return rec


def user_data(rec):
    raw = rec.get('user_data')
    if not raw:
        return None
    try:
        return base64.b64decode(raw).decode('utf-8')
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return raw


def ec2_tree(rec):
    address = (rec.get('_addresses') or [''])[0]
    return {'instance-id': rec['id'], 'hostname': rec['name'],
            'local-hostname': rec['name'], 'local-ipv4': address,
            'ami-id': rec.get('image_id') or '',
            'instance-type': rec.get('flavor_id') or ''}


def add_routes(app):
    """Public routes of the metadata service on the compute app."""
    def get_user_data(req, id):
        text = user_data(_server(app, id))
        if text is None:
            raise wsgi.HTTPError(404, 'no user data', 'Not Found')
        return wsgi.Reply(200, text=text)

    def get_meta_data(req, id):
        rec = _server(app, id)
        return {'uuid': rec['id'], 'name': rec['name'],
                'hostname': rec['name'],
                'meta': dict(rec.get('metadata') or {})}

    def ec2_index(req, id):
        return wsgi.Reply(200, text='\n'.join(sorted(ec2_tree(
            _server(app, id)))))

    def ec2_key(req, id, key):
        tree = ec2_tree(_server(app, id))
        if key not in tree:
            raise wsgi.HTTPError(404, 'no such key', 'Not Found')
        return wsgi.Reply(200, text=str(tree[key]))

    base = '/metadata/{id}'
    app.route('GET', base + '/openstack/latest/user_data', get_user_data,
              public=True)
    app.route('GET', base + '/openstack/latest/meta_data.json',
              get_meta_data, public=True)
    app.route('GET', base + '/latest/meta-data', ec2_index, public=True)
    app.route('GET', base + '/latest/meta-data/{key}', ec2_key,
              public=True)
