"""Simulated Glance (v2, read only): images list/show and their schemas.

An image here is a recipe for an SSH host: the login user (also published
as the ``os_admin_user`` property, which is how clouds tell tools like ours
whom to log in as) and the directories bind-mounted into the host (the
'spark-4.3' image mounts the venv's pyspark at /opt/spark).
"""

from savanna_sandbox.cloud import wsgi

_CORE = ('id', 'name', 'status', 'visibility', 'protected', 'os_hidden',
         'checksum', 'os_hash_algo', 'os_hash_value', 'size',
         'virtual_size', 'min_disk', 'min_ram', 'disk_format',
         'container_format', 'owner', 'created_at', 'updated_at', 'tags',
         'self', 'file', 'schema')


def image_schema():
    """A JSON schema loose enough for glanceclient's warlock models."""
    nullable_str = {'type': ['null', 'string']}
    nullable_int = {'type': ['null', 'integer']}
    props = {key: dict(nullable_str) for key in _CORE}
    props.update({
        'protected': {'type': 'boolean'}, 'os_hidden': {'type': 'boolean'},
        'size': nullable_int, 'virtual_size': nullable_int,
        'min_disk': {'type': 'integer'}, 'min_ram': {'type': 'integer'},
        'tags': {'type': 'array', 'items': {'type': 'string'}},
        'locations': {'type': 'array', 'items': {'type': 'object'}},
        'id': {'type': 'string'},
        'status': {'type': 'string', 'readOnly': True},
        'visibility': {'type': 'string',
                       'enum': ['community', 'public', 'private',
                                'shared']},
    })
    return {'name': 'image', 'properties': props,
            'additionalProperties': {'type': 'string'},
            'links': [{'rel': 'self', 'href': '{self}'},
                      {'rel': 'enclosure', 'href': '{file}'},
                      {'rel': 'describedby', 'href': '{schema}'}]}


class ImageApp(wsgi.ServiceApp):
    service = 'image'
    error_style = 'glance'

    def setup_routes(self):
        r = self.route
        r('GET', '/', self.versions, public=True)
        r('GET', '/versions', self.versions, public=True)
        r('GET', '/v2/images', self.list_images)
        r('GET', '/v2/images/{id}', self.show_image)
        r('GET', '/v2/schemas/image', self.schema)
        r('GET', '/v2/schemas/images', self.schemas)

    def versions(self, req):
        href = req.host_url + '/v2/'
        return {'versions': [{'id': 'v2.%d' % minor,
                              'status': 'CURRENT' if minor == 16 else
                              'SUPPORTED',
                              'links': [{'rel': 'self', 'href': href}]}
                             for minor in range(16, -1, -1)]}

    def view(self, rec):
        view = {k: v for k, v in rec.items() if not k.startswith('_')}
        view.update({'self': '/v2/images/%s' % rec['id'],
                     'file': '/v2/images/%s/file' % rec['id'],
                     'schema': '/v2/schemas/image'})
        return view

    def _visible(self, req, rec):
        return rec['visibility'] in ('public', 'community') or \
            rec['owner'] == self.project_id(req) or self.is_admin(req)

    def list_images(self, req):
        images = [r for r in sorted(self.cloud.store.values('images'),
                                    key=lambda r: r['name'])
                  if self._visible(req, r)]
        for key in ('name', 'status', 'visibility', 'id', 'disk_format'):
            if key in req.GET:
                wanted = req.GET[key]
                if wanted.startswith('in:'):
                    values = wanted[3:].split(',')
                    images = [r for r in images if r.get(key) in values]
                else:
                    images = [r for r in images if r.get(key) == wanted]
        marker = req.GET.get('marker')
        if marker:
            ids = [r['id'] for r in images]
            images = images[ids.index(marker) + 1:] if marker in ids else []
        body = {'images': [self.view(r) for r in images],
                'first': '/v2/images', 'schema': '/v2/schemas/images'}
        return body

    def show_image(self, req, id):
        rec = self.cloud.store.get('images', id)
        if rec is None or not self._visible(req, rec):
            raise wsgi.HTTPError(404, 'No image found with ID %s' % id,
                                 'Not Found')
        return self.view(rec)

    def schema(self, req):
        return image_schema()

    def schemas(self, req):
        return {'name': 'images',
                'properties': {'images': {'type': 'array',
                                          'items': image_schema()},
                               'schema': {'type': 'string'},
                               'first': {'type': 'string'},
                               'next': {'type': 'string'}},
                'links': [{'rel': 'first', 'href': '{first}'},
                          {'rel': 'next', 'href': '{next}'},
                          {'rel': 'describedby', 'href': '{schema}'}]}


def make_image(name, spec, owner):
    """An image record from the configuration's ``images`` entry."""
    record = {
        'name': name, 'status': 'active', 'visibility': 'public',
        'protected': True, 'os_hidden': False, 'checksum': None,
        'os_hash_algo': None, 'os_hash_value': None, 'size': 0,
        'virtual_size': None, 'min_disk': 0, 'min_ram': 0,
        'disk_format': 'qcow2', 'container_format': 'bare',
        'owner': owner, 'created_at': wsgi.now(),
        'updated_at': wsgi.now(), 'tags': [],
        'os_admin_user': spec.get('user', 'savanna'),
        'os_distro': 'debian', '_user': spec.get('user', 'savanna'),
        '_binds': dict(spec.get('binds') or {}),
        '_agent': bool(spec.get('agent')),
    }
    for key, value in (spec.get('properties') or {}).items():
        record[key] = str(value)
    if spec.get('id'):
        record['id'] = spec['id']
    return record
