"""The sandbox's cloud simulator: Nova, Cinder, Neutron and Glance REST APIs.

Its servers are real SSH hosts on loopback addresses of this machine, so
that Heat (through the real OpenStack clients) and the provisioning plugins
(through paramiko) can be tested end to end without a real OpenStack.

Run it with ``python -m savanna_sandbox.cloud --config FILE``.
"""

HOST = '127.0.0.1'

#: Default TCP port per service type (the admin API has no Keystone).
PORTS = {
    'compute': 8774,
    'volumev3': 8776,
    'network': 9696,
    'image': 9292,
    'admin': 8799,
}

#: The URL path each service is registered under in Keystone's catalog.
#: ``%(project_id)s`` is Keystone's own substitution syntax.
PATHS = {
    'compute': '/v2.1',
    'volumev3': '/v3/%(project_id)s',
    'network': '',
    'image': '',
    'admin': '',
}

#: service_type -> the endpoint URL to register in Keystone's catalog.
ENDPOINTS = {
    service: 'http://%s:%d%s' % (HOST, port, PATHS[service])
    for service, port in PORTS.items()
}
