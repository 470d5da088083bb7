"""Fault injection and request statistics, driven by the admin API.

Every random decision uses a ``random.Random`` seeded from the fault's own
``seed`` (default: the cloud's seed), so a test that sets the same faults
and sends the same requests in the same order sees the same failures.

The fault document (``POST /faults`` body; every key optional; a POST
merges over the current faults, ``POST /reset`` clears them)::

    {
      "boot_failure": {"names": ["worker-3", "*-7"],   # fnmatch globs
                       "fraction": 0.1, "seed": 42,
                       "message": "..."},
      "boot_latency": 1.5,                              # seconds, every boot
      "api_errors": {"compute": {"rate": 0.1, "codes": [500, 503, 429],
                                 "retry_after": 1, "seed": 7,
                                 "methods": ["GET"], "paths": ["/servers*"],
                                 "building_only": false}},
      "slow": {"network": 0.5},                         # seconds per request
      "ssh_refuse": ["worker-2"],                       # globs
      "service_fail": ["*-worker-4"],                   # globs
      "resource_failure": {                             # per resource
        "volume_create": {"names": ["*-worker-3-volume-*"],
                          "code": 500, "message": "..."},
        "volume_attach": {"names": ["*-worker-5"]},     # server names
        "port_create": {"names": ["*-worker-1-port"],   # port names,
                        "descriptions": ["*-node-3"]},  # or descriptions
        "floating_ip_create": {"names": ["*-worker-2-port"]}, # its port
        "server_create_lost": {"names": ["*-worker-1"]},  # server names
        "port_create_lost": {"names": ["*-worker-3-port"]},  # port names
        "volume_create_lost": {"names": ["*-worker-1-volume-0"]}
      },
      "host_keys_late": {"names": ["*-worker-6"], "delay": 20}
    }

``api_errors``: a ``rate`` of the matching requests (``methods``,
route ``paths`` globs) answer one of ``codes``; with ``building_only``
only requests about a server still in BUILD can fail (the polls Heat
tolerates errors in, not its calls after the server is up).

``resource_failure``: a create (or attach) whose resource's name matches
(or, with ``descriptions``, whose create request's description: a port
Heat creates for a server's ``networks`` entry is named after the server
*resource*, ``server-port-0`` in every member of a group, so only its
description can tell the nodes apart) answers HTTP ``code`` (defaults:
500 for volumes and attachments; 409, Neutron's answer to an exhausted
quota or address pool, for ports and floating IPs) with ``message``,
every time: Heat's own retries of a 409 fail too. The ``*_lost`` kinds
create the server (it boots), the port or the volume and then answer HTTP
``code`` (default 504, a proxy's timeout): the client never learns the
id, as when a heat-engine dies between its request and storing the
answer. ``host_keys_late``: a matching server's console shows
no SSH host keys until ``delay`` seconds after it went ACTIVE, as a slow
cloud-init would.

``service_fail``: a matching server boots with a broken image: every
script under the image's ``bin/`` and ``sbin/`` exits 1 (a service that
cannot start; SSH and file writes still work). Decided at boot.
"""

import collections
import copy
import fnmatch
import random
import threading
import time

from savanna_sandbox.cloud import wsgi

SERVICES = ('compute', 'volumev3', 'network', 'image')

RETRY_AFTER_DEFAULT = 1

#: resource_failure kinds: (default HTTP code, default message)
RESOURCE_FAILURES = {
    'volume_create': (500, 'The server has either erred or is incapable '
                           'of performing the requested operation'),
    'volume_attach': (500, 'Unexpected API Error: attaching the volume '
                           'failed'),
    'port_create': (409, "Quota exceeded for resources: ['port']."),
    'floating_ip_create': (409, 'No more IP addresses available on '
                                'network'),
    'server_create_lost': (504, 'Gateway Timeout: no answer from the '
                                'compute API in time'),
    'port_create_lost': (504, 'Gateway Timeout: no answer from the '
                              'network API in time'),
    'volume_create_lost': (504, 'Gateway Timeout: no answer from the '
                                'volume API in time'),
}


def _matches(name, globs):
    return any(fnmatch.fnmatchcase(name or '', g) for g in globs or ())


class Faults(object):
    """The currently injected faults; thread-safe."""

    def __init__(self, seed=0):
        self.seed = seed
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, 'lock', threading.Lock()):
            self.doc = {}
            self._rngs = {}
            # how many times each fault fired, so a test can tell an
            # injected error from one that never happened
            self.fired = collections.Counter()

    def _rng(self, key, seed):
        rng = self._rngs.get(key)
        if rng is None:
            rng = self._rngs[key] = random.Random(
                self.seed if seed is None else seed)
        return rng

    def set(self, doc):
        """Merge a fault document over the current one; validate it."""
        if not isinstance(doc, dict):
            raise wsgi.bad_request('the fault document must be an object')
        known = {'boot_failure', 'boot_latency', 'api_errors', 'slow',
                 'ssh_refuse', 'service_fail', 'resource_failure',
                 'host_keys_late'}
        unknown = set(doc) - known
        if unknown:
            raise wsgi.bad_request('unknown fault(s): %s (known: %s)' % (
                ', '.join(sorted(unknown)), ', '.join(sorted(known))))
        for service in list(doc.get('api_errors', {})) + list(
                doc.get('slow', {})):
            if service not in SERVICES:
                raise wsgi.bad_request('unknown service %r (one of %s)' % (
                    service, ', '.join(SERVICES)))
        for spec in doc.get('api_errors', {}).values():
            codes = spec.get('codes', [500])
            if not codes or any(c not in (500, 503, 429, 502, 504, 409)
                                for c in codes):
                raise wsgi.bad_request('api_errors codes must be some of '
                                       '500, 502, 503, 504, 429, 409')
            rate = spec.get('rate', 0)
            if not 0 <= rate <= 1:
                raise wsgi.bad_request('api_errors rate must be 0..1')
        unknown = set(doc.get('resource_failure') or {}) - set(
            RESOURCE_FAILURES)
        if unknown:
            raise wsgi.bad_request('unknown resource_failure kind(s): %s '
                                   '(known: %s)' % (
                                       ', '.join(sorted(unknown)),
                                       ', '.join(sorted(RESOURCE_FAILURES))))
        with self.lock:
            for key, value in doc.items():
                if key in ('api_errors', 'slow'):
                    self.doc.setdefault(key, {}).update(value)
                    for service in value:
                        self._rngs.pop(('api', service), None)
                else:
                    self.doc[key] = value
                    self._rngs.pop(key, None)

    def get(self):
        with self.lock:
            return copy.deepcopy(self.doc)

    def fired_counts(self):
        with self.lock:
            return dict(self.fired)

    # -- used by the services --------------------------------------------
    def before_request(self, service, method, template, building=None):
        """Sleep for 'slow'; raise an HTTPError for 'api_errors'.

        ``building``: a callable saying whether the request is about a
        server still in BUILD (for an 'api_errors' spec with
        ``building_only``).
        """
        with self.lock:
            delay = self.doc.get('slow', {}).get(service, 0)
            spec = self.doc.get('api_errors', {}).get(service)
            error = None
            if spec and spec.get('rate', 0) > 0:
                wanted = (not spec.get('methods') or
                          method in spec['methods'])
                if spec.get('paths'):
                    wanted = wanted and _matches(template, spec['paths'])
                if wanted and spec.get('building_only'):
                    wanted = building is not None and building()
                if wanted:
                    rng = self._rng(('api', service), spec.get('seed'))
                    if rng.random() < spec['rate']:
                        codes = spec.get('codes', [500])
                        error = codes[rng.randrange(len(codes))]
        if delay:
            time.sleep(delay)
        if error is not None:
            with self.lock:
                self.fired['api_errors.%s' % service] += 1
            headers = {}
            if error == 429:
                headers['Retry-After'] = spec.get('retry_after',
                                                  RETRY_AFTER_DEFAULT)
            raise wsgi.HTTPError(error, 'Injected fault: HTTP %d' % error,
                                 headers=headers)

    def boot_latency(self):
        with self.lock:
            return float(self.doc.get('boot_latency', 0) or 0)

    def boot_fails(self, name):
        """None, or the fault message if this boot must fail."""
        with self.lock:
            spec = self.doc.get('boot_failure')
            if not spec:
                return None
            message = spec.get('message', 'Simulated boot failure '
                               '(injected fault)')
            fails = _matches(name, spec.get('names'))
            fraction = spec.get('fraction', 0)
            if not fails and fraction:
                rng = self._rng('boot_failure', spec.get('seed'))
                fails = rng.random() < fraction
            if not fails:
                return None
            self.fired['boot_failure'] += 1
            return message

    def resource_fails(self, kind, name, description=None):
        """None, or an HTTPError to answer the ``kind`` request for the
        resource called ``name`` (and described as ``description``)."""
        with self.lock:
            spec = (self.doc.get('resource_failure') or {}).get(kind)
            if not spec or not (
                    _matches(name, spec.get('names')) or
                    (description is not None and
                     _matches(description, spec.get('descriptions')))):
                return None
            code, message = RESOURCE_FAILURES[kind]
            code = spec.get('code', code)
            message = spec.get('message', message)
            self.fired['resource_failure.%s' % kind] += 1
        return wsgi.HTTPError(code, '%s (injected fault)' % message)

    def host_keys_delay(self, name):
        """Seconds after ACTIVE before ``name``'s console shows its keys."""
        with self.lock:
            spec = self.doc.get('host_keys_late') or {}
            if _matches(name, spec.get('names')):
                return float(spec.get('delay', 30))
        return 0.0

    def service_fails(self, name):
        with self.lock:
            return _matches(name, self.doc.get('service_fail'))

    def ssh_refused(self, name):
        with self.lock:
            return _matches(name, self.doc.get('ssh_refuse'))


class Stats(object):
    """Request counters per service, method and path template."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts = collections.Counter()

    def count(self, service, method, template):
        if service == 'admin':
            return
        with self.lock:
            self.counts[(service, '%s %s' % (method, template))] += 1

    def reset(self):
        with self.lock:
            self.counts.clear()

    def snapshot(self):
        with self.lock:
            result = {'total': sum(self.counts.values()), 'services': {}}
            for (service, key), n in sorted(self.counts.items()):
                svc = result['services'].setdefault(
                    service, {'total': 0, 'requests': {}})
                svc['total'] += n
                svc['requests'][key] = n
            return result
