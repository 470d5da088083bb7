"""The servers API: the server view at each microversion, list, show,
update and delete."""

import hashlib
import re

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import ports


class Servers(ports.Ports):
    """GET/PUT/DELETE of servers, and their views."""

    def _server_view(self, req, rec, detailed=True):
        view = self._ref(req, 'servers', rec)
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

    def delete_server(self, req, id):
        rec = self._server(req, id)
        self.cloud.delete_server(rec)
        return wsgi.Reply(204)

    def server_ips(self, req, id):
        return {'addresses': self.addresses(self._server(req, id))}
