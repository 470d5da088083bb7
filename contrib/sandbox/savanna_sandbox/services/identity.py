"""The sandbox's identity data, created through Keystone's API (idempotent).

Projects ``service`` and ``demo``; users ``heat`` (admin in service),
``demo`` (member + heat_stack_owner in demo), ``cloudsim`` (service role in
service, so the simulator's keystonemiddleware may validate tokens); the
``heat`` domain with its ``heat_domain_admin``; and the catalog: identity
(from bootstrap), orchestration, cloudformation (heat-api-cfn: pre-signed
signal URLs) and the simulator's four services.
"""

import hashlib
import json

from savanna_sandbox import paths
from savanna_sandbox import services
from savanna_sandbox.services import heat
from savanna_sandbox.services import keystone

ROLES = ('admin', 'member', 'reader', 'service', 'heat_stack_owner',
         'heat_stack_user')

HEAT_URL = 'http://%s:%d/v1/%%(tenant_id)s' % (paths.HOST,
                                               paths.PORTS['heat-api'])
#: heat-api-cfn, which serves pre-signed signal URLs
HEAT_CFN_URL = heat.CFN_URL + '/v1'

#: Used when the simulator package is not importable.
DEFAULT_CLOUD_ENDPOINTS = {
    'compute': 'http://127.0.0.1:8774/v2.1',
    'volumev3': 'http://127.0.0.1:8776/v3/%(project_id)s',
    'network': 'http://127.0.0.1:9696',
    'image': 'http://127.0.0.1:9292',
}

SERVICE_NAMES = {
    'orchestration': 'heat',
    'cloudformation': 'heat-cfn',
    'compute': 'nova',
    'volumev3': 'cinderv3',
    'network': 'neutron',
    'image': 'glance',
}


def cloud_endpoints():
    """service type -> URL of the simulator's APIs for the catalog."""
    try:
        from savanna_sandbox.cloud import ENDPOINTS
    except ImportError:
        return dict(DEFAULT_CLOUD_ENDPOINTS)
    return {k: v for k, v in ENDPOINTS.items()
            if k in DEFAULT_CLOUD_ENDPOINTS}


def catalog():
    """service type -> URL of every non-identity endpoint we register."""
    result = {'orchestration': HEAT_URL, 'cloudformation': HEAT_CFN_URL}
    result.update(cloud_endpoints())
    return result


def session(secrets, user='admin', project=None, domain=None):
    """A keystoneauth session for one of the sandbox's users."""
    from keystoneauth1.identity import v3
    from keystoneauth1 import session as ks_session
    if user == 'heat_domain_admin':
        auth = v3.Password(auth_url=keystone.AUTH_URL, username=user,
                           password=secrets[user], user_domain_name='heat',
                           domain_name='heat')
    else:
        auth = v3.Password(
            auth_url=keystone.AUTH_URL, username=user,
            password=secrets[user],
            project_name=project or {'admin': 'admin', 'demo': 'demo'}.get(
                user, 'service'),
            user_domain_name='Default', project_domain_name='Default')
    return ks_session.Session(auth=auth)


class Identity(services.Part):
    """Not a daemon: the data the other parts need in Keystone."""

    name = 'identity'
    deps = ('keystone',)
    daemon = False
    hint = 'read the keystone log; is Keystone answering on :5000?'

    @property
    def stamp(self):
        return self.layout.path('keystone', 'identity.done')

    def digest(self):
        """Changes when the wanted data changes (passwords, endpoints)."""
        wanted = {'catalog': catalog(), 'roles': ROLES,
                  'secrets': [self.secrets[k] for k in
                              ('heat', 'demo', 'cloudsim',
                               'heat_domain_admin')]}
        return hashlib.sha256(json.dumps(wanted, sort_keys=True)
                              .encode()).hexdigest()

    def done(self):
        try:
            with open(self.stamp) as f:
                return f.read().strip() == self.digest()
        except OSError:
            return False

    def run_step(self):
        try:
            self.ensure_all()
        except Exception as exc:
            raise self.fail('creating identity data failed: %s: %s'
                            % (type(exc).__name__, exc))
        with open(self.stamp, 'w') as f:
            f.write(self.digest())

    def ensure_all(self):
        from keystoneclient.v3 import client
        ks = client.Client(session=session(self.secrets, 'admin'),
                           interface='public')
        self.ks = ks
        roles = {name: self._one(ks.roles, name) or ks.roles.create(name)
                 for name in ROLES}
        default = ks.domains.get('default')
        service = self._project('service', default)
        demo = self._project('demo', default)
        heat = self._user('heat', default, service)
        ks.roles.grant(roles['admin'], user=heat, project=service)
        user = self._user('demo', default, demo)
        for role in ('member', 'reader', 'heat_stack_owner'):
            ks.roles.grant(roles[role], user=user, project=demo)
        cloudsim = self._user('cloudsim', default, service)
        ks.roles.grant(roles['service'], user=cloudsim, project=service)
        heat_domain = (self._one(ks.domains, 'heat') or
                       ks.domains.create('heat', description='Heat stack '
                                         'users (sandbox)'))
        hda = self._user('heat_domain_admin', heat_domain, None)
        ks.roles.grant(roles['admin'], user=hda, domain=heat_domain)
        for service_type, url in sorted(catalog().items()):
            self._endpoints(service_type, url)

    @staticmethod
    def _one(manager, name, **filters):
        found = [x for x in manager.list(**filters) if x.name == name]
        return found[0] if found else None

    def _project(self, name, domain):
        return (self._one(self.ks.projects, name, domain=domain) or
                self.ks.projects.create(name, domain,
                                        description='sandbox'))

    def _user(self, name, domain, project):
        password = self.secrets[name]
        user = self._one(self.ks.users, name, domain=domain)
        if user is None:
            return self.ks.users.create(name, domain=domain,
                                        password=password,
                                        default_project=project)
        return self.ks.users.update(user, password=password)

    def _endpoints(self, service_type, url):
        ks = self.ks
        name = SERVICE_NAMES[service_type]
        found = [s for s in ks.services.list(type=service_type)]
        svc = found[0] if found else ks.services.create(
            name, service_type, description='sandbox %s' % service_type)
        existing = {e.interface: e for e in ks.endpoints.list(service=svc)}
        for interface in ('public', 'internal', 'admin'):
            ep = existing.get(interface)
            if ep is None:
                ks.endpoints.create(svc, url, interface=interface,
                                    region=paths.REGION)
            elif ep.url != url:
                ks.endpoints.update(ep, url=url)


def credentials(secrets, user='demo'):
    """OS_* variables for ``user`` (demo or admin)."""
    project = {'demo': 'demo', 'admin': 'admin'}.get(user, 'service')
    return {
        'OS_AUTH_URL': keystone.AUTH_URL,
        'OS_AUTH_TYPE': 'password',
        'OS_IDENTITY_API_VERSION': '3',
        'OS_USERNAME': user,
        'OS_PASSWORD': secrets[user],
        'OS_PROJECT_NAME': project,
        'OS_USER_DOMAIN_NAME': 'Default',
        'OS_PROJECT_DOMAIN_NAME': 'Default',
        'OS_REGION_NAME': paths.REGION,
        'OS_INTERFACE': 'public',
    }


def env_lines(secrets, user='demo'):
    import shlex
    return ['%s=%s' % (k, shlex.quote(v))
            for k, v in sorted(credentials(secrets, user).items())]
