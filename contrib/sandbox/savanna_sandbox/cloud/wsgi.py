"""A small WSGI layer shared by the simulated services.

Each service is a ``ServiceApp``: a table of (method, path template,
handler). Around the handlers it does what every service needs the same
way: count the request in the stats under its path template, apply the
injected faults (slow responses, error codes), check the token (Keystone's
auth_token middleware, unless the route is a public version document) and
render errors in the style the service's client expects.
"""

import json
import logging
import re
import socketserver
import threading
import time
from wsgiref import simple_server

import webob

LOG = logging.getLogger(__name__)


class HTTPError(Exception):
    """An API error: rendered as the service's JSON error body."""

    def __init__(self, code, message, kind=None, headers=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind = kind
        self.headers = headers or {}


def not_found(what, ident, kind=None):
    return HTTPError(404, '%s %s could not be found.' % (what, ident), kind)


def bad_request(message, kind=None):
    return HTTPError(400, message, kind)


def conflict(message, kind=None):
    return HTTPError(409, message, kind)


def version_str(version):
    """A microversion as its clients write it: (2, 96) -> '2.96'."""
    return '%d.%d' % version


def supported(text, version, lowest, highest):
    """``version`` (read from ``text``) if the API serves it, else the 406
    Nova and Cinder answer."""
    if not lowest <= version <= highest:
        raise HTTPError(406, 'Version %s is not supported by the API. '
                        'Minimum is %s and maximum is %s.' % (
                            text, version_str(lowest), version_str(highest)))
    return version


def version_doc(ident, lowest, highest, updated, href, media_type):
    """A microversioned API's version document (Nova's and Cinder's)."""
    return {'id': ident, 'status': 'CURRENT',
            'version': version_str(highest),
            'min_version': version_str(lowest),
            'updated': updated,
            'links': [{'rel': 'self', 'href': href}],
            'media-types': [{'base': 'application/json',
                             'type': media_type}]}


_NOVA_KINDS = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
               404: 'itemNotFound', 409: 'conflictingRequest',
               413: 'overLimit', 429: 'overLimit', 500: 'computeFault',
               503: 'serviceUnavailable'}

_NEUTRON_KINDS = {400: 'BadRequest', 401: 'NotAuthorized',
                  403: 'Forbidden', 404: 'NotFound', 409: 'Conflict',
                  429: 'OverQuota', 500: 'InternalServerError',
                  503: 'ServiceUnavailable'}


def error_body(style, code, message, kind=None):
    """The error body in the given service's style."""
    if style == 'neutron':
        return {'NeutronError': {'type': kind or _NEUTRON_KINDS.get(
            code, 'NeutronError'), 'message': message, 'detail': ''}}
    if style == 'glance':
        return {'code': code, 'title': kind or 'Error', 'message': message}
    return {kind or _NOVA_KINDS.get(code, 'computeFault'):
            {'code': code, 'message': message}}


def _compile(template):
    """'/servers/{id}/action' -> regex with named groups."""
    pattern = re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', template)
    return re.compile('^' + pattern + '/?$')


class Route(object):
    def __init__(self, method, template, handler, public=False):
        self.method = method
        self.template = template
        self.regex = _compile(template)
        self.handler = handler
        self.public = public


class Reply(object):
    """What a handler returns: status, JSON body (or None) and headers."""

    def __init__(self, status=200, body=None, headers=None, text=None):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.text = text


class ServiceApp(object):
    """Base of every simulated API; subclasses call ``route()``."""

    service = None          # service type, e.g. 'compute'
    error_style = 'nova'
    prefix = ''             # path prefix stripped before routing

    def __init__(self, cloud, auth_factory=None):
        self.cloud = cloud
        self.routes = []
        self.setup_routes()
        inner = self._dispatch
        self._authed = auth_factory(inner) if auth_factory else inner

    def setup_routes(self):
        raise NotImplementedError

    def route(self, method, template, handler, public=False):
        self.routes.append(Route(method, template, handler, public))

    # -- request context -------------------------------------------------
    def project_id(self, req):
        """The caller's project: from the token, or the noauth default."""
        return (req.headers.get('X-Project-Id') or
                self.cloud.conf['noauth_project_id'])

    def is_admin(self, req):
        roles = req.headers.get('X-Roles', '')
        if self.cloud.noauth:
            return True
        return 'admin' in [r.strip() for r in roles.split(',')]

    def user_id(self, req):
        return req.headers.get('X-User-Id') or 'sandbox-user'

    def microversion(self, req):
        return (0, 0)

    def owned(self, req, table, ident, what):
        """The record ``ident`` of ``table`` if the caller's project owns
        it or the caller is admin; else a 404 naming ``what``."""
        rec = self.cloud.store.get(table, ident)
        if rec is None or (rec['project_id'] != self.project_id(req) and
                           not self.is_admin(req)):
            raise not_found(what, ident)
        return rec

    def decorate(self, req, reply):
        """Hook for per-service response headers (microversions)."""

    # -- WSGI ---------------------------------------------------------------
    def _match(self, method, path):
        allowed = False
        for route in self.routes:
            m = route.regex.match(path)
            if m:
                if route.method == method:
                    return route, m.groupdict()
                allowed = True
        return None, allowed

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        path = req.path_info
        if self.prefix and path.startswith(self.prefix):
            path = path[len(self.prefix):] or '/'
        route, params = self._match(req.method, path)
        template = route.template if route else '(unmatched)'
        self.cloud.stats.count(self.service, req.method, template)
        try:
            if route is None:
                if params:
                    raise HTTPError(405, 'Method not allowed')
                raise HTTPError(404, 'The resource could not be found.')
            if not route.public:
                self.cloud.faults.before_request(
                    self.service, req.method, template,
                    building=lambda: self._building(params))
        except HTTPError as exc:
            return self._error(req, exc)(environ, start_response)
        environ['cloudsim.route'] = (route, params)
        if route.public:
            return self._dispatch(environ, start_response)
        return self._authed(environ, start_response)

    def _building(self, params):
        """Whether the request is about a server that is still being
        built (its ``id`` names a server in BUILD)."""
        rec = self.cloud.store.get('servers', params.get('id') or '')
        return rec is not None and rec.get('status') == 'BUILD'

    def _dispatch(self, environ, start_response):
        req = webob.Request(environ)
        route, params = environ['cloudsim.route']
        try:
            reply = route.handler(req, **params)
            if not isinstance(reply, Reply):
                reply = Reply(200, reply)
        except HTTPError as exc:
            return self._error(req, exc)(environ, start_response)
        except Exception:
            LOG.exception('%s %s failed', req.method, req.path)
            return self._error(req, HTTPError(500, 'Unexpected error in '
                                              'the simulator'))(
                environ, start_response)
        return self._response(req, reply)(environ, start_response)

    def _response(self, req, reply):
        resp = webob.Response(status=reply.status)
        if reply.body is not None:
            resp.content_type = 'application/json'
            resp.charset = None
            resp.body = json.dumps(reply.body).encode('utf-8')
        elif reply.text is not None:
            resp.content_type = 'text/plain'
            resp.text = reply.text
        else:
            resp.content_type = None
            resp.body = b''
        for key, value in reply.headers.items():
            resp.headers[key] = str(value)
        resp.headers['X-Openstack-Request-Id'] = 'req-%s' % (
            self.cloud.store.new_id())
        self.decorate(req, resp)
        return resp

    def _error(self, req, exc):
        body = error_body(self.error_style, exc.code, exc.message, exc.kind)
        return self._response(req, Reply(exc.code, body, exc.headers))


def json_body(req, key=None):
    """The request's JSON body (optionally its ``key`` member)."""
    try:
        body = json.loads(req.body or b'{}')
    except ValueError:
        raise bad_request('Malformed request body')
    if key is not None:
        if not isinstance(body, dict) or not isinstance(body.get(key),
                                                        dict):
            raise bad_request("Missing '%s' in request body" % key)
        return body[key]
    return body


def now():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, fmt, *args):
        LOG.debug('%s - %s', self.address_string(), fmt % args)


class _ThreadingServer(socketserver.ThreadingMixIn,
                       simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Listener(object):
    """One threaded WSGI server on one loopback port, in its own thread."""

    def __init__(self, name, host, port, app):
        if not host.startswith('127.'):
            raise ValueError('the simulator listens on loopback only, '
                             'not %s' % host)
        self.name = name
        self.server = simple_server.make_server(
            host, port, app, server_class=_ThreadingServer,
            handler_class=_QuietHandler)
        self.host = host
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       name='cloudsim-%s' % name,
                                       daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
