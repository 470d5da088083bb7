"""What every area of the simulated Nova shares: microversions, the
version documents, links and the lookups of a server or flavor."""

from savanna_sandbox.cloud import wsgi

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 96)


def parse_version(text):
    major, _, minor = text.strip().partition('.')
    return int(major), int(minor)


class ComputeBase(wsgi.ServiceApp):
    """The compute API's base: each area of :mod:`..compute` extends it
    and :class:`..app.ComputeApp` assembles them."""

    service = 'compute'
    error_style = 'nova'

    # -- microversions ----------------------------------------------------
    def microversion(self, req):
        value = req.headers.get('OpenStack-API-Version', '')
        text = None
        if value.lower().startswith('compute '):
            text = value.split(None, 1)[1]
        elif req.headers.get('X-OpenStack-Nova-API-Version'):
            text = req.headers['X-OpenStack-Nova-API-Version']
        if not text:
            return MIN_VERSION
        if text.strip() == 'latest':
            return MAX_VERSION
        try:
            version = parse_version(text)
        except ValueError:
            raise wsgi.HTTPError(400, 'Invalid API version request '
                                 'string %s' % text)
        return wsgi.supported(text, version, MIN_VERSION, MAX_VERSION)

    def decorate(self, req, resp):
        try:
            version = wsgi.version_str(self.microversion(req))
        except wsgi.HTTPError:
            version = wsgi.version_str(MIN_VERSION)
        resp.headers['OpenStack-API-Version'] = 'compute ' + version
        resp.headers['X-OpenStack-Nova-API-Version'] = version
        resp.headers['Vary'] = ('OpenStack-API-Version, '
                                'X-OpenStack-Nova-API-Version')

    def _version_doc(self, req):
        return wsgi.version_doc(
            'v2.1', MIN_VERSION, MAX_VERSION, '2013-07-23T11:33:21Z',
            req.host_url + '/v2.1/',
            'application/vnd.openstack.compute+json;version=2.1')

    def versions(self, req):
        return {'versions': [self._version_doc(req)]}

    def version(self, req):
        self.microversion(req)
        return {'version': self._version_doc(req)}

    def _ref(self, req, kind, rec):
        """A record as a list shows it: id, name and links."""
        return {'id': rec['id'], 'name': rec['name'],
                'links': self._link(req, kind, rec['id'])}

    def _link(self, req, kind, ident):
        href = '%s/v2.1/%s/%s' % (req.host_url, kind, ident)
        return [{'rel': 'self', 'href': href},
                {'rel': 'bookmark', 'href': href.replace('/v2.1', '')}]

    # -- lookups ----------------------------------------------------------
    def _server(self, req, ident):
        return self.owned(req, 'servers', ident, 'Instance')

    def _flavor(self, ident):
        store = self.cloud.store
        rec = store.get('flavors', ident)
        if rec is None:
            by_name = store.find('flavors', name=ident)
            if by_name:
                return by_name[0]
            raise wsgi.not_found('Flavor', ident)
        return rec
