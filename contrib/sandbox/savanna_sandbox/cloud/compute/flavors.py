"""The flavors API (the simulator's flavors are preseeded, read-only)."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


class Flavors(base.ComputeBase):
    """/flavors."""

    def list_flavors(self, req):
        return {'flavors': [self._flavor_view(req, f, False) for f in
                            self._sorted('flavors')]}

    def list_flavors_detail(self, req):
        return {'flavors': [self._flavor_view(req, f) for f in
                            self._sorted('flavors')]}

    def show_flavor(self, req, id):
        rec = self.cloud.store.get('flavors', id)
        if rec is None:
            raise wsgi.not_found('Flavor', id)
        return {'flavor': self._flavor_view(req, rec)}

    def flavor_specs(self, req, id):
        self._flavor(id)
        return {'extra_specs': {}}

    def flavor_access(self, req, id):
        raise wsgi.not_found('Flavor access', id)

    def _flavor_view(self, req, rec, detailed=True):
        view = self._ref(req, 'flavors', rec)
        if not detailed:
            return view
        view.update({'ram': rec['ram'], 'vcpus': rec['vcpus'],
                     'disk': rec['disk'], 'OS-FLV-EXT-DATA:ephemeral': 0,
                     'OS-FLV-DISABLED:disabled': False, 'swap': 0,
                     'rxtx_factor': 1.0,
                     'os-flavor-access:is_public': True})
        version = self.microversion(req)
        if version < (2, 75):
            view['swap'] = ''
        if version >= (2, 55):
            view['description'] = None
        if version >= (2, 61):
            view['extra_specs'] = {}
        return view

    def _sorted(self, kind):
        return sorted(self.cloud.store.values(kind), key=lambda r: r['id'])
