"""A server's metadata and tags."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


class ServerMeta(base.ComputeBase):
    """/servers/{id}/metadata and /servers/{id}/tags."""

    def get_metadata(self, req, id):
        return {'metadata': dict(self._server(req, id)['metadata'])}

    def update_metadata(self, req, id):
        rec = self._server(req, id)
        rec['metadata'].update(wsgi.json_body(req).get('metadata') or {})
        return {'metadata': dict(rec['metadata'])}

    def replace_metadata(self, req, id):
        rec = self._server(req, id)
        rec['metadata'] = dict(wsgi.json_body(req).get('metadata') or {})
        return {'metadata': dict(rec['metadata'])}

    def get_meta_item(self, req, id, key):
        rec = self._server(req, id)
        if key not in rec['metadata']:
            raise wsgi.not_found('Metadata item', key)
        return {'meta': {key: rec['metadata'][key]}}

    def set_meta_item(self, req, id, key):
        rec = self._server(req, id)
        meta = wsgi.json_body(req).get('meta') or {}
        if key not in meta:
            raise wsgi.bad_request('Request body and URI mismatch')
        rec['metadata'][key] = meta[key]
        return {'meta': {key: meta[key]}}

    def delete_meta_item(self, req, id, key):
        rec = self._server(req, id)
        if rec['metadata'].pop(key, None) is None:
            raise wsgi.not_found('Metadata item', key)
        return wsgi.Reply(204)

    def get_tags(self, req, id):
        return {'tags': list(self._server(req, id)['tags'])}

    def set_tags(self, req, id):
        rec = self._server(req, id)
        rec['tags'] = list(wsgi.json_body(req).get('tags') or [])
        return {'tags': list(rec['tags'])}

    def delete_tags(self, req, id):
        self._server(req, id)['tags'] = []
        return wsgi.Reply(204)

    def check_tag(self, req, id, tag):
        if tag not in self._server(req, id)['tags']:
            raise wsgi.not_found('Tag', tag)
        return wsgi.Reply(204)

    def add_tag(self, req, id, tag):
        rec = self._server(req, id)
        if tag not in rec['tags']:
            rec['tags'].append(tag)
        return wsgi.Reply(201)

    def delete_tag(self, req, id, tag):
        rec = self._server(req, id)
        if tag not in rec['tags']:
            raise wsgi.not_found('Tag', tag)
        rec['tags'].remove(tag)
        return wsgi.Reply(204)
