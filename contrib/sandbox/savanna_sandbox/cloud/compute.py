"""Simulated Nova (v2.1 with microversions up to MAX_VERSION).

Servers are booted in background threads: schedule onto a simulated
hypervisor (server-group policies enforced), apply injected faults, start a
real SSH host on the server's fixed IP, and go ACTIVE once sshd answers.
Response shapes follow the microversion the client asks for where Heat or
our plugin reads the difference (flavor in server, server-group policy,
keypair generation, volume-attachment fields).
"""

import base64
import hashlib
import logging
import os
import re
import shutil
import socket
import time

from savanna_sandbox.cloud import metadata
from savanna_sandbox.cloud import wsgi

LOG = logging.getLogger(__name__)

MIN_VERSION = (2, 1)
MAX_VERSION = (2, 96)
NO_VALID_HOST = ('No valid host was found. There are not enough hosts '
                 'available.')
POLICIES = ('affinity', 'anti-affinity', 'soft-affinity',
            'soft-anti-affinity')


def _vstr(version):
    return '%d.%d' % version


def parse_version(text):
    major, _, minor = text.strip().partition('.')
    return int(major), int(minor)


def fingerprint(public_key):
    """Nova's keypair fingerprint: MD5 of the key blob, colon separated."""
    try:
        blob = base64.b64decode(public_key.split()[1])
    except (IndexError, ValueError):
        raise wsgi.bad_request('Keypair data is invalid: failed to '
                               'generate fingerprint')
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def wait_for_port(address, port, timeout):
    """True once something accepts TCP connections on address:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=1) as s:
                s.settimeout(2)
                banner = s.recv(64)
                if banner.startswith(b'SSH-'):
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


class ComputeApp(wsgi.ServiceApp):
    service = 'compute'
    error_style = 'nova'

    def setup_routes(self):
        r = self.route
        r('GET', '/', self.versions, public=True)
        r('GET', '/v2.1', self.version, public=True)
        metadata.add_routes(self)
        p = '/v2.1'
        r('GET', p + '/servers', self.list_servers)
        r('GET', p + '/servers/detail', self.list_servers_detail)
        r('POST', p + '/servers', self.create_server)
        r('GET', p + '/servers/{id}', self.show_server)
        r('PUT', p + '/servers/{id}', self.update_server)
        r('DELETE', p + '/servers/{id}', self.delete_server)
        r('POST', p + '/servers/{id}/action', self.server_action)
        r('GET', p + '/servers/{id}/ips', self.server_ips)
        r('GET', p + '/servers/{id}/metadata', self.get_metadata)
        r('POST', p + '/servers/{id}/metadata', self.update_metadata)
        r('PUT', p + '/servers/{id}/metadata', self.replace_metadata)
        r('GET', p + '/servers/{id}/metadata/{key}', self.get_meta_item)
        r('PUT', p + '/servers/{id}/metadata/{key}', self.set_meta_item)
        r('DELETE', p + '/servers/{id}/metadata/{key}',
          self.delete_meta_item)
        r('GET', p + '/servers/{id}/tags', self.get_tags)
        r('PUT', p + '/servers/{id}/tags', self.set_tags)
        r('DELETE', p + '/servers/{id}/tags', self.delete_tags)
        r('GET', p + '/servers/{id}/tags/{tag}', self.check_tag)
        r('PUT', p + '/servers/{id}/tags/{tag}', self.add_tag)
        r('DELETE', p + '/servers/{id}/tags/{tag}', self.delete_tag)
        r('GET', p + '/servers/{id}/os-interface', self.list_interfaces)
        r('POST', p + '/servers/{id}/os-interface', self.attach_interface)
        r('GET', p + '/servers/{id}/os-interface/{port_id}',
          self.show_interface)
        r('DELETE', p + '/servers/{id}/os-interface/{port_id}',
          self.detach_interface)
        r('GET', p + '/servers/{id}/os-volume_attachments',
          self.list_volume_attachments)
        r('POST', p + '/servers/{id}/os-volume_attachments',
          self.attach_volume)
        r('GET', p + '/servers/{id}/os-volume_attachments/{volume_id}',
          self.show_volume_attachment)
        r('DELETE', p + '/servers/{id}/os-volume_attachments/{volume_id}',
          self.detach_volume)
        r('GET', p + '/flavors', self.list_flavors)
        r('GET', p + '/flavors/detail', self.list_flavors_detail)
        r('GET', p + '/flavors/{id}', self.show_flavor)
        r('GET', p + '/flavors/{id}/os-extra_specs', self.flavor_specs)
        r('GET', p + '/flavors/{id}/os-flavor-access', self.flavor_access)
        r('GET', p + '/os-keypairs', self.list_keypairs)
        r('POST', p + '/os-keypairs', self.create_keypair)
        r('GET', p + '/os-keypairs/{name}', self.show_keypair)
        r('DELETE', p + '/os-keypairs/{name}', self.delete_keypair)
        r('GET', p + '/os-server-groups', self.list_server_groups)
        r('POST', p + '/os-server-groups', self.create_server_group)
        r('GET', p + '/os-server-groups/{id}', self.show_server_group)
        r('DELETE', p + '/os-server-groups/{id}', self.delete_server_group)
        r('GET', p + '/os-availability-zone', self.list_zones)
        r('GET', p + '/os-availability-zone/detail', self.list_zones)
        r('GET', p + '/limits', self.limits)
        r('GET', p + '/os-hypervisors', self.list_hypervisors)
        r('GET', p + '/os-hypervisors/detail', self.list_hypervisors)
        r('GET', p + '/os-hypervisors/{name}/search',
          self.search_hypervisors)

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
        if not MIN_VERSION <= version <= MAX_VERSION:
            raise wsgi.HTTPError(406, 'Version %s is not supported by the '
                                 'API. Minimum is %s and maximum is %s.' % (
                                     text, _vstr(MIN_VERSION),
                                     _vstr(MAX_VERSION)))
        return version

    def decorate(self, req, resp):
        try:
            version = _vstr(self.microversion(req))
        except wsgi.HTTPError:
            version = _vstr(MIN_VERSION)
        resp.headers['OpenStack-API-Version'] = 'compute ' + version
        resp.headers['X-OpenStack-Nova-API-Version'] = version
        resp.headers['Vary'] = ('OpenStack-API-Version, '
                                'X-OpenStack-Nova-API-Version')

    def _version_doc(self, req):
        return {'id': 'v2.1', 'status': 'CURRENT',
                'version': _vstr(MAX_VERSION),
                'min_version': _vstr(MIN_VERSION),
                'updated': '2013-07-23T11:33:21Z',
                'links': [{'rel': 'self',
                           'href': req.host_url + '/v2.1/'}],
                'media-types': [{
                    'base': 'application/json',
                    'type': 'application/vnd.openstack.compute+json;'
                            'version=2.1'}]}

    def versions(self, req):
        return {'versions': [self._version_doc(req)]}

    def version(self, req):
        self.microversion(req)
        return {'version': self._version_doc(req)}

    def _link(self, req, kind, ident):
        href = '%s/v2.1/%s/%s' % (req.host_url, kind, ident)
        return [{'rel': 'self', 'href': href},
                {'rel': 'bookmark', 'href': href.replace('/v2.1', '')}]

    # -- lookups ----------------------------------------------------------
    def _server(self, req, ident):
        rec = self.cloud.store.get('servers', ident)
        if rec is None or (rec['project_id'] != self.project_id(req) and
                           not self.is_admin(req)):
            raise wsgi.not_found('Instance', ident)
        return rec

    def _flavor(self, ident):
        store = self.cloud.store
        rec = store.get('flavors', ident)
        if rec is None:
            by_name = store.find('flavors', name=ident)
            if by_name:
                return by_name[0]
            raise wsgi.not_found('Flavor', ident)
        return rec

    def _image(self, ident):
        store = self.cloud.store
        rec = store.get('images', ident)
        if rec is None:
            by_name = store.find('images', name=ident)
            if len(by_name) == 1:
                return by_name[0]
            raise wsgi.bad_request('Image %s could not be found.' % ident)
        return rec

    # -- flavors -----------------------------------------------------------
    def _flavor_view(self, req, rec, detailed=True):
        view = {'id': rec['id'], 'name': rec['name'],
                'links': self._link(req, 'flavors', rec['id'])}
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

    def list_flavors(self, req):
        return {'flavors': [self._flavor_view(req, f, False) for f in
                            self._sorted('flavors')]}

    def list_flavors_detail(self, req):
        return {'flavors': [self._flavor_view(req, f) for f in
                            self._sorted('flavors')]}

    def _sorted(self, kind):
        return sorted(self.cloud.store.values(kind), key=lambda r: r['id'])

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

    # -- keypairs ------------------------------------------------------------
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

    # -- server groups -------------------------------------------------------
    def _group_view(self, req, rec):
        version = self.microversion(req)
        view = {'id': rec['id'], 'name': rec['name'],
                'members': list(rec['members'])}
        if version >= (2, 64):
            view['policy'] = rec['policy']
            view['rules'] = rec['rules']
        else:
            view['policies'] = [rec['policy']]
            view['metadata'] = {}
        if version >= (2, 13):
            view['project_id'] = rec['project_id']
            view['user_id'] = rec['user_id']
        return view

    def _group(self, req, ident):
        rec = self.cloud.store.get('server_groups', ident)
        if rec is None or (rec['project_id'] != self.project_id(req) and
                           not self.is_admin(req)):
            raise wsgi.not_found('Instance group', ident)
        return rec

    def list_server_groups(self, req):
        project = self.project_id(req)
        groups = [g for g in self.cloud.store.values('server_groups')
                  if g['project_id'] == project or
                  (req.GET.get('all_projects') and self.is_admin(req))]
        return {'server_groups': [self._group_view(req, g) for g in groups]}

    def create_server_group(self, req):
        body = wsgi.json_body(req, 'server_group')
        version = self.microversion(req)
        if version >= (2, 64):
            policy = body.get('policy')
            rules = body.get('rules') or {}
        else:
            policies = body.get('policies') or []
            if len(policies) != 1:
                raise wsgi.bad_request('Exactly one policy is required')
            policy, rules = policies[0], {}
        allowed = POLICIES if version >= (2, 15) else POLICIES[:2]
        if policy not in allowed:
            raise wsgi.bad_request('Invalid input for field/attribute '
                                   'policy. Value: %s. %r is not one of %r'
                                   % (policy, policy, list(allowed)))
        if rules and policy != 'anti-affinity':
            raise wsgi.bad_request('Only anti-affinity policy supports '
                                   'rules.')
        rec = self.cloud.store.add('server_groups', {
            'name': body.get('name', ''), 'policy': policy,
            'rules': rules, 'members': [],
            'project_id': self.project_id(req),
            'user_id': self.user_id(req)})
        return {'server_group': self._group_view(req, rec)}

    def show_server_group(self, req, id):
        return {'server_group': self._group_view(req, self._group(req, id))}

    def delete_server_group(self, req, id):
        rec = self._group(req, id)
        self.cloud.store.remove('server_groups', rec['id'])
        return wsgi.Reply(204)

    # -- misc ----------------------------------------------------------------
    def list_zones(self, req):
        zone = self.cloud.conf['availability_zone']
        return {'availabilityZoneInfo': [{
            'zoneName': zone, 'zoneState': {'available': True},
            'hosts': None}]}

    def limits(self, req):
        return {'limits': {'rate': [], 'absolute': {
            'maxServerMeta': 128, 'maxPersonality': 5,
            'maxPersonalitySize': 10240, 'maxImageMeta': 128,
            'maxTotalKeypairs': 100, 'maxServerGroups': 100,
            'maxServerGroupMembers': 1000, 'maxTotalCores': 10000,
            'maxTotalInstances': 1000, 'maxTotalRAMSize': 10 ** 8,
            'maxSecurityGroups': 100, 'maxSecurityGroupRules': 1000,
            'maxTotalFloatingIps': 250,
            'totalCoresUsed': 0, 'totalInstancesUsed': len(
                self.cloud.store.find('servers',
                                      project_id=self.project_id(req))),
            'totalRAMUsed': 0, 'totalServerGroupsUsed': 0,
            'totalFloatingIpsUsed': 0, 'totalSecurityGroupsUsed': 0}}}

    def _hypervisor_view(self, index, name):
        running = [s for s in self.cloud.store.values('servers')
                   if s.get('host') == name]
        return {'id': index + 1, 'hypervisor_hostname': name,
                'state': 'up', 'status': 'enabled',
                'running_vms': len(running)}

    def list_hypervisors(self, req):
        return {'hypervisors': [self._hypervisor_view(i, n) for i, n in
                                enumerate(self.cloud.hypervisors)]}

    def search_hypervisors(self, req, name):
        found = [self._hypervisor_view(i, n) for i, n in
                 enumerate(self.cloud.hypervisors) if name in n]
        if not found:
            raise wsgi.not_found('Hypervisor', name)
        return {'hypervisors': found}

    # -- servers: views -
    def _ports_of(self, server):
        """The server's ports, in the order it was given them."""
        store = self.cloud.store
        ports = [store.get('ports', pid) for pid in server['_port_ids']]
        return [p for p in ports if p and p['device_id'] == server['id']]

    def addresses(self, server):
        store = self.cloud.store
        result = {}
        with store.lock:
            for port in self._ports_of(server):
                net = store.get('networks', port['network_id'])
                entries = result.setdefault(net['name'] if net else
                                            port['network_id'], [])
                for ip in port['fixed_ips']:
                    entries.append({'version': 4, 'addr': ip['ip_address'],
                                    'OS-EXT-IPS:type': 'fixed',
                                    'OS-EXT-IPS-MAC:mac_addr':
                                        port['mac_address']})
                    for fip in store.find('floatingips', port_id=port['id'],
                                          fixed_ip_address=ip['ip_address']):
                        entries.append({
                            'version': 4,
                            'addr': fip['floating_ip_address'],
                            'OS-EXT-IPS:type': 'floating',
                            'OS-EXT-IPS-MAC:mac_addr': port['mac_address']})
        return result

    def _server_view(self, req, rec, detailed=True):
        view = {'id': rec['id'], 'name': rec['name'],
                'links': self._link(req, 'servers', rec['id'])}
        if not detailed:
            return view
        version = self.microversion(req)
        flavor = self.cloud.store.get('flavors', rec['flavor_id']) or {}
        if version >= (2, 47):
            flavor_view = {'original_name': flavor.get('name'),
                           'vcpus': flavor.get('vcpus'),
                           'ram': flavor.get('ram'),
                           'disk': flavor.get('disk'), 'ephemeral': 0,
                           'swap': 0, 'extra_specs': {}}
        else:
            flavor_view = {'id': rec['flavor_id'],
                           'links': self._link(req, 'flavors',
                                               rec['flavor_id'])}
        volumes = [{'id': a['volume_id'], 'delete_on_termination': False}
                   for a in self.cloud.store.find('attachments',
                                                  server_id=rec['id'])]
        view.update({
            'status': rec['status'], 'tenant_id': rec['project_id'],
            'user_id': rec['user_id'], 'metadata': dict(rec['metadata']),
            'hostId': hashlib.sha224(
                (rec['project_id'] + (rec.get('host') or '')).encode()
            ).hexdigest() if rec.get('host') else '',
            'image': {'id': rec['image_id'],
                      'links': self._link(req, 'images', rec['image_id'])},
            'flavor': flavor_view, 'created': rec['created'],
            'updated': rec['updated'], 'addresses': self.addresses(rec),
            'accessIPv4': '', 'accessIPv6': '',
            'key_name': rec['key_name'], 'config_drive': '',
            'progress': 100 if rec['status'] == 'ACTIVE' else 0,
            'OS-DCF:diskConfig': 'MANUAL',
            'OS-EXT-AZ:availability_zone': rec['availability_zone'],
            'OS-EXT-STS:task_state': rec['task_state'],
            'OS-EXT-STS:vm_state': rec['vm_state'],
            'OS-EXT-STS:power_state': rec['power_state'],
            'OS-EXT-SRV-ATTR:host': rec.get('host'),
            'OS-EXT-SRV-ATTR:hypervisor_hostname': rec.get('host'),
            'OS-EXT-SRV-ATTR:instance_name': 'instance-%08x' % rec['seq'],
            'OS-SRV-USG:launched_at': rec.get('launched_at'),
            'OS-SRV-USG:terminated_at': None,
            'os-extended-volumes:volumes_attached': volumes,
            'security_groups': [{'name': n} for n in
                                rec['security_group_names']],
        })
        if rec['status'] == 'ERROR' and rec.get('fault'):
            view['fault'] = dict(rec['fault'])
        if version >= (2, 3):
            view.update({
                'OS-EXT-SRV-ATTR:hostname': rec['name'],
                'OS-EXT-SRV-ATTR:reservation_id': 'r-%08x' % rec['seq'],
                'OS-EXT-SRV-ATTR:launch_index': 0,
                'OS-EXT-SRV-ATTR:kernel_id': '',
                'OS-EXT-SRV-ATTR:ramdisk_id': '',
                'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
                'OS-EXT-SRV-ATTR:user_data': rec.get('user_data')})
        if version >= (2, 9):
            view['locked'] = False
        if version >= (2, 16):
            view['host_status'] = 'UP' if rec.get('host') else ''
        if version >= (2, 19):
            view['description'] = rec.get('description')
        if version >= (2, 26):
            view['tags'] = list(rec['tags'])
        if version >= (2, 63):
            view['trusted_image_certificates'] = None
        if version >= (2, 71):
            view['server_groups'] = [g for g in [rec.get('group_id')] if g]
        if version >= (2, 73):
            view['locked_reason'] = None
        if version >= (2, 90):
            view['OS-EXT-SRV-ATTR:hostname'] = rec['name']
        if version >= (2, 96):
            view['pinned_availability_zone'] = None
        return view

    def _list(self, req, detailed):
        project = self.project_id(req)
        all_projects = (req.GET.get('all_tenants') or
                        req.GET.get('all_projects')) and self.is_admin(req)
        servers = sorted(self.cloud.store.values('servers'),
                         key=lambda s: s['seq'])
        name_re = None
        if 'name' in req.GET:
            try:
                name_re = re.compile(req.GET['name'])
            except re.error:
                raise wsgi.bad_request('Invalid regular expression: %s'
                                       % req.GET['name'])
        result = []
        for rec in servers:
            if rec['project_id'] != project and not all_projects:
                continue
            # as Nova: the name filter is a regular expression, searched
            if 'name' in req.GET and not name_re.search(rec['name']):
                continue
            if 'status' in req.GET and rec['status'] != \
                    req.GET['status'].upper():
                continue
            result.append(rec)
        marker = req.GET.get('marker')
        if marker:
            ids = [r['id'] for r in result]
            if marker not in ids:
                raise wsgi.bad_request('marker [%s] not found' % marker)
            result = result[ids.index(marker) + 1:]
        limit = req.GET.get('limit')
        if limit:
            result = result[:int(limit)]
        return {'servers': [self._server_view(req, r, detailed)
                            for r in result]}

    def list_servers(self, req):
        return self._list(req, False)

    def list_servers_detail(self, req):
        return self._list(req, True)

    def show_server(self, req, id):
        return {'server': self._server_view(req, self._server(req, id))}

    def update_server(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req, 'server')
        for key in ('name', 'description'):
            if key in body:
                rec[key] = body[key]
        rec['updated'] = wsgi.now()
        return {'server': self._server_view(req, rec)}

    # -- servers: create -
    def create_server(self, req):
        body = wsgi.json_body(req)
        spec = wsgi.json_body(req, 'server')
        version = self.microversion(req)
        project = self.project_id(req)
        user = self.user_id(req)
        store = self.cloud.store
        name = spec.get('name')
        if not name:
            raise wsgi.bad_request("Invalid input for field/attribute "
                                   "server. 'name' is a required property")
        flavor = self._flavor(str(spec.get('flavorRef', '')))
        image_ref = spec.get('imageRef')
        if not image_ref:
            for bdm in spec.get('block_device_mapping_v2') or []:
                if bdm.get('source_type') == 'image' and bdm.get('uuid'):
                    image_ref = bdm['uuid']
        if not image_ref:
            raise wsgi.bad_request('The simulator boots from images only: '
                                   'imageRef is required')
        image = self._image(image_ref)
        keypair = None
        if spec.get('key_name'):
            found = store.find('keypairs', name=spec['key_name'],
                               user_id=user)
            if not found:
                raise wsgi.bad_request('Invalid key_name provided.')
            keypair = found[0]
        hints = body.get('os:scheduler_hints') or \
            body.get('OS-SCH-HNT:scheduler_hints') or {}
        group = None
        if hints.get('group'):
            group = store.get('server_groups', hints['group'])
            if group is None:
                raise wsgi.bad_request('Invalid server group %s'
                                       % hints['group'])
        zone = spec.get('availability_zone') or \
            self.cloud.conf['availability_zone']
        if zone.split(':')[0] != self.cloud.conf['availability_zone']:
            raise wsgi.bad_request('The requested availability zone is not '
                                   'available')
        sg_names = [g.get('name') for g in spec.get('security_groups') or
                    [{'name': 'default'}]]
        networks = spec.get('networks')
        if networks is None and version >= (2, 37):
            raise wsgi.bad_request("Invalid input for field/attribute "
                                   "server. 'networks' is a required "
                                   "property")
        server_id = store.new_id()
        with store.lock:
            port_ids, created = self._plug(req, server_id, networks,
                                           sg_names)
            seq = store.next_seq()
            rec = store.add('servers', {
                'id': server_id, 'name': name, 'seq': seq,
                'project_id': project, 'user_id': user,
                'flavor_id': flavor['id'], 'image_id': image['id'],
                'key_name': keypair['name'] if keypair else None,
                'metadata': dict(spec.get('metadata') or {}),
                'user_data': spec.get('user_data'),
                'description': spec.get('description'),
                'tags': list(spec.get('tags') or []),
                'security_group_names': sg_names,
                'availability_zone': zone,
                'status': 'BUILD', 'vm_state': 'building',
                'task_state': 'scheduling', 'power_state': 0,
                'created': wsgi.now(), 'updated': wsgi.now(),
                'host': None, 'fault': None,
                'group_id': group['id'] if group else None,
                '_port_ids': port_ids, '_nova_ports': created,
                '_public_key': keypair['public_key'] if keypair else None,
                '_image': image, '_addresses': [],
            })
            if group is not None:
                group['members'].append(server_id)
            for bdm in spec.get('block_device_mapping_v2') or []:
                if bdm.get('source_type') == 'volume' and bdm.get('uuid'):
                    if self.cloud.faults.resource_fails('volume_attach',
                                                        name):
                        # Nova attaches a mapped volume during the build:
                        # the API accepts the server, the build aborts
                        rec['_build_abort'] = ('Failure prepping block '
                                               'device.')
                        continue
                    self.cloud.volume.attach(rec, bdm['uuid'],
                                             bdm.get('device_name'),
                                             immediate=True)
        self.cloud.boot(rec)
        lost = self.cloud.faults.resource_fails('server_create_lost', name)
        if lost is not None:
            raise lost
        view = {'id': server_id, 'links': self._link(req, 'servers',
                                                     server_id),
                'OS-DCF:diskConfig': 'MANUAL',
                'security_groups': [{'name': n} for n in sg_names]}
        if not spec.get('adminPass') and version < (2, 96):
            view['adminPass'] = 'sim-' + server_id[:8]
        return wsgi.Reply(202, {'server': view})

    def _plug(self, req, server_id, networks, sg_names):
        """Bind requested ports / create ports on requested networks."""
        store = self.cloud.store
        network = self.cloud.network
        project = self.project_id(req)
        if networks in (None, 'auto'):
            private = [n for n in store.values('networks')
                       if not n.get('router:external') and
                       (n.get('shared') or n['project_id'] == project)]
            if not private:
                raise wsgi.bad_request('No network available for the '
                                       'server')
            private.sort(key=lambda n: (not n.get('_preseeded'), n['name']))
            networks = [{'uuid': private[0]['id']}]
        elif networks == 'none':
            networks = []
        sg_ids = []
        for sg_name in sg_names:
            if sg_name == 'default':
                sg_ids.append(network.default_security_group(project)['id'])
                continue
            found = (store.find('security_groups', name=sg_name,
                                project_id=project) or
                     [g for g in [store.get('security_groups', sg_name)]
                      if g])
            if not found:
                raise wsgi.bad_request('Security group %s not found for '
                                       'project %s.' % (sg_name, project))
            sg_ids.append(found[0]['id'])
        port_ids, created = [], []
        try:
            for item in networks:
                if item.get('port'):
                    port = store.get('ports', item['port'])
                    if port is None:
                        raise wsgi.bad_request('Port id %s not found.'
                                               % item['port'])
                    if port['device_id']:
                        raise wsgi.conflict('Port %s is still in use.'
                                            % port['id'])
                else:
                    spec = {'security_groups': sg_ids}
                    if item.get('fixed_ip'):
                        spec['fixed_ips'] = [{'ip_address':
                                              item['fixed_ip']}]
                    try:
                        port = network.create_port(project,
                                                   item.get('uuid', ''),
                                                   spec)
                    except wsgi.HTTPError as exc:
                        raise wsgi.bad_request(exc.message)
                    created.append(port['id'])
                port.update(device_id=server_id,
                            device_owner='compute:%s' % (
                                self.cloud.conf['availability_zone']))
                port_ids.append(port['id'])
        except wsgi.HTTPError:
            for pid in port_ids:
                port = store.get('ports', pid)
                if pid in created:
                    network.delete_port(port)
                elif port:
                    port.update(device_id='', device_owner='')
            raise
        return port_ids, created

    # -- servers: delete -
    def delete_server(self, req, id):
        rec = self._server(req, id)
        self.cloud.delete_server(rec)
        return wsgi.Reply(204)

    # -- servers: actions -
    def server_action(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req)
        if not isinstance(body, dict) or len(body) != 1:
            raise wsgi.bad_request('One action per request')
        action, args = next(iter(body.items()))
        handler = {
            'os-stop': self._stop, 'os-start': self._start,
            'reboot': self._reboot, 'suspend': self._suspend,
            'resume': self._resume,
            'os-getConsoleOutput': self._console,
            'forceDelete': self._force_delete,
        }.get(action)
        if handler is None:
            raise wsgi.bad_request('Action %s is not supported by the '
                                   'simulator' % action)
        return handler(req, rec, args or {})

    def _require(self, rec, action, states):
        if rec['status'] not in states or rec['task_state']:
            raise wsgi.conflict("Cannot '%s' instance %s while it is in "
                                "vm_state %s" % (action, rec['id'],
                                                 rec['vm_state']))

    def _stop(self, req, rec, args):
        self._require(rec, 'stop', ('ACTIVE', 'ERROR'))
        self.cloud.power(rec, on=False, status='SHUTOFF')
        return wsgi.Reply(202)

    def _start(self, req, rec, args):
        self._require(rec, 'start', ('SHUTOFF',))
        self.cloud.power(rec, on=True)
        return wsgi.Reply(202)

    def _suspend(self, req, rec, args):
        self._require(rec, 'suspend', ('ACTIVE',))
        self.cloud.power(rec, on=False, status='SUSPENDED')
        return wsgi.Reply(202)

    def _resume(self, req, rec, args):
        self._require(rec, 'resume', ('SUSPENDED',))
        self.cloud.power(rec, on=True)
        return wsgi.Reply(202)

    def _reboot(self, req, rec, args):
        self._require(rec, 'reboot', ('ACTIVE', 'SHUTOFF'))
        self.cloud.power(rec, on=False, status='REBOOT')
        self.cloud.power(rec, on=True)
        return wsgi.Reply(202)

    def _force_delete(self, req, rec, args):
        self.cloud.delete_server(rec)
        return wsgi.Reply(202)

    def _console(self, req, rec, args):
        host = self.cloud.hosts.get(rec['id'])
        text = ''
        if host is not None:
            try:
                text = host.console_output() or ''
            except Exception:
                LOG.exception('console output of %s', rec['name'])
            delay = self.cloud.faults.host_keys_delay(rec['name'])
            if delay and time.monotonic() - rec.get(
                    '_active_at', time.monotonic()) < delay:
                text = _without_host_keys(text)
        length = args.get('length')
        if length is not None:
            length = int(length)
            lines = text.splitlines(True)
            text = ''.join(lines[-length:]) if length > 0 else ''
        return {'output': text}

    def server_ips(self, req, id):
        return {'addresses': self.addresses(self._server(req, id))}

    # -- metadata and tags -
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

    # -- interfaces -
    def _iface_view(self, port):
        return {'port_id': port['id'], 'net_id': port['network_id'],
                'mac_addr': port['mac_address'],
                'port_state': port['status'],
                'fixed_ips': [dict(ip) for ip in port['fixed_ips']]}

    def list_interfaces(self, req, id):
        rec = self._server(req, id)
        return {'interfaceAttachments': [self._iface_view(p) for p in
                                         self._ports_of(rec)]}

    def show_interface(self, req, id, port_id):
        rec = self._server(req, id)
        for port in self._ports_of(rec):
            if port['id'] == port_id:
                return {'interfaceAttachment': self._iface_view(port)}
        raise wsgi.not_found('Port', port_id)

    def attach_interface(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req, 'interfaceAttachment')
        item = {}
        if body.get('port_id'):
            item['port'] = body['port_id']
        else:
            item['uuid'] = body.get('net_id')
            ips = body.get('fixed_ips') or []
            if ips:
                item['fixed_ip'] = ips[0].get('ip_address')
        with self.cloud.store.lock:
            port_ids, created = self._plug(req, rec['id'], [item],
                                           rec['security_group_names'])
            rec['_port_ids'].extend(port_ids)
            rec['_nova_ports'].extend(created)
            port = self.cloud.store.get('ports', port_ids[0])
            if rec['status'] == 'ACTIVE':
                port['status'] = 'ACTIVE'
        return {'interfaceAttachment': self._iface_view(port)}

    def detach_interface(self, req, id, port_id):
        rec = self._server(req, id)
        store = self.cloud.store
        with store.lock:
            port = store.get('ports', port_id)
            if port is None or port['device_id'] != rec['id']:
                raise wsgi.not_found('Port', port_id)
            if port_id in rec['_nova_ports']:
                rec['_nova_ports'].remove(port_id)
                self.cloud.network.delete_port(port)
            else:
                port.update(device_id='', device_owner='', status='DOWN')
            rec['_port_ids'].remove(port_id)
        self.cloud.sync_forwarders()
        return wsgi.Reply(202)

    # -- volume attachments -
    def _attachment_view(self, req, att, created=False):
        """Nova's shape: from 2.89 show/list drop 'id' and add
        attachment_id/bdm_uuid; the attach response keeps 'id'."""
        version = self.microversion(req)
        view = {'id': att['volume_id'], 'serverId': att['server_id'],
                'volumeId': att['volume_id'], 'device': att['device']}
        if version >= (2, 70):
            view['tag'] = None
        if version >= (2, 79):
            view['delete_on_termination'] = False
        if version >= (2, 89) and not created:
            view['attachment_id'] = att['id']
            view['bdm_uuid'] = att['bdm_uuid']
            del view['id']
        return view

    def list_volume_attachments(self, req, id):
        rec = self._server(req, id)
        return {'volumeAttachments': [
            self._attachment_view(req, a) for a in
            self.cloud.store.find('attachments', server_id=rec['id'])]}

    def _attachment(self, rec, volume_id):
        found = self.cloud.store.find('attachments', server_id=rec['id'],
                                      volume_id=volume_id)
        if not found or found[0].get('_detaching'):
            raise wsgi.not_found('Volume attachment', volume_id)
        return found[0]

    def show_volume_attachment(self, req, id, volume_id):
        rec = self._server(req, id)
        return {'volumeAttachment': self._attachment_view(
            req, self._attachment(rec, volume_id))}

    def attach_volume(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req, 'volumeAttachment')
        if rec['status'] not in ('ACTIVE', 'SHUTOFF') or rec['task_state']:
            raise wsgi.conflict("Cannot 'attach_volume' instance %s while "
                                "it is in vm_state %s" % (rec['id'],
                                                          rec['vm_state']))
        fault = self.cloud.faults.resource_fails('volume_attach',
                                                 rec['name'])
        if fault is not None:
            raise fault
        att = self.cloud.volume.attach(rec, body.get('volumeId', ''),
                                       body.get('device'))
        return {'volumeAttachment': self._attachment_view(req, att,
                                                          created=True)}

    def detach_volume(self, req, id, volume_id):
        rec = self._server(req, id)
        att = self._attachment(rec, volume_id)
        self.cloud.volume.detach(att)
        return wsgi.Reply(202)


class Scheduler(object):
    """Places servers on simulated hypervisors, honouring server groups."""

    def __init__(self, store, hypervisors):
        self.store = store
        self.hypervisors = list(hypervisors)

    def place(self, server):
        """The chosen host name; raises LookupError(NO_VALID_HOST)."""
        with self.store.lock:
            load = {h: 0 for h in self.hypervisors}
            for other in self.store.values('servers'):
                if other.get('host') in load:
                    load[other['host']] += 1
            candidates = list(self.hypervisors)
            group = self.store.get('server_groups', server.get('group_id')
                                   or '')
            if group is not None:
                members = {}
                for mid in group['members']:
                    member = self.store.get('servers', mid)
                    if member and member['id'] != server['id'] and \
                            member.get('host'):
                        members[member['host']] = \
                            members.get(member['host'], 0) + 1
                policy = group['policy']
                if policy == 'anti-affinity':
                    limit = int(group['rules'].get('max_server_per_host',
                                                   1))
                    candidates = [h for h in candidates
                                  if members.get(h, 0) < limit]
                elif policy == 'affinity' and members:
                    candidates = [h for h in candidates if h in members]
                elif policy == 'soft-anti-affinity':
                    candidates.sort(key=lambda h: members.get(h, 0))
                    best = members.get(candidates[0], 0) if candidates \
                        else 0
                    candidates = [h for h in candidates
                                  if members.get(h, 0) == best]
                elif policy == 'soft-affinity' and members:
                    top = max(members.values())
                    candidates = [h for h in candidates
                                  if members.get(h, 0) == top]
            if not candidates:
                raise LookupError(NO_VALID_HOST)
            host = min(candidates, key=lambda h: (load[h],
                                                  self.hypervisors.index(h)))
            server['host'] = host
            return host


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


def host_workdir(state_dir, server_id):
    return os.path.join(state_dir, 'hosts', server_id)


def _without_host_keys(console):
    """The console as it reads before cloud-init printed the host keys."""
    lines = []
    for line in console.splitlines(True):
        if 'BEGIN SSH HOST KEY' in line:
            break
        lines.append(line)
    return ''.join(lines)
