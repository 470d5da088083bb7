"""Simulated Cinder (v3 with microversions): volumes, types, limits.

Volumes hold no data; they exist so Heat's volume and attachment resources
go through their real state machines: creating -> available -> attaching
-> in-use -> detaching -> available -> deleting -> gone. Each transition
takes ``volume_delay`` seconds so clients really poll.
"""

import ast
import threading

from savanna_sandbox.cloud import store as store_mod
from savanna_sandbox.cloud import wsgi

MIN_VERSION = (3, 0)
MAX_VERSION = (3, 71)

EXTENSIONS = ('os-types-manage', 'os-types-extra-specs', 'os-quota-sets',
              'os-availability-zone', 'os-extended-snapshot-attributes',
              'os-vol-host-attr', 'os-vol-tenant-attr', 'os-volume-actions',
              'os-vol-image-meta', 'qos-specs', 'encryption',
              'os-used-limits', 'backups', 'scheduler-hints')


class VolumeApp(wsgi.ServiceApp):
    service = 'volumev3'
    error_style = 'cinder'

    def setup_routes(self):
        r = self.route
        r('GET', '/', self.versions, public=True)
        r('GET', '/v3', self.version, public=True)
        p = '/v3/{project}'
        r('GET', p + '/volumes', self.list_volumes)
        r('GET', p + '/volumes/detail', self.list_volumes_detail)
        r('POST', p + '/volumes', self.create_volume)
        r('GET', p + '/volumes/{id}', self.show_volume)
        r('PUT', p + '/volumes/{id}', self.update_volume)
        r('DELETE', p + '/volumes/{id}', self.delete_volume)
        r('POST', p + '/volumes/{id}/action', self.volume_action)
        r('GET', p + '/volumes/{id}/metadata', self.get_metadata)
        r('POST', p + '/volumes/{id}/metadata', self.set_metadata)
        r('PUT', p + '/volumes/{id}/metadata', self.replace_metadata)
        r('DELETE', p + '/volumes/{id}/metadata/{key}',
          self.delete_metadata)
        r('GET', p + '/types', self.list_types)
        r('GET', p + '/types/default', self.default_type)
        r('GET', p + '/types/{id}', self.show_type)
        r('GET', p + '/types/{id}/extra_specs', self.type_specs)
        r('GET', p + '/extensions', self.extensions)
        r('GET', p + '/limits', self.limits)
        r('GET', p + '/os-availability-zone', self.zones)
        r('GET', p + '/os-quota-sets/{target}', self.quotas)

    # -- microversions ------------------------------------------------------
    def microversion(self, req):
        value = req.headers.get('OpenStack-API-Version', '')
        if not value.lower().startswith('volume '):
            return MIN_VERSION
        text = value.split(None, 1)[1].strip()
        if text == 'latest':
            return MAX_VERSION
        try:
            major, _, minor = text.partition('.')
            version = (int(major), int(minor))
        except ValueError:
            raise wsgi.HTTPError(400, 'Invalid API version %s' % text)
        return wsgi.supported(text, version, MIN_VERSION, MAX_VERSION)

    def decorate(self, req, resp):
        try:
            version = self.microversion(req)
        except wsgi.HTTPError:
            version = MIN_VERSION
        resp.headers['OpenStack-API-Version'] = ('volume ' +
                                                 wsgi.version_str(version))
        resp.headers['Vary'] = 'OpenStack-API-Version'

    def _version_doc(self, req):
        return wsgi.version_doc(
            'v3.0', MIN_VERSION, MAX_VERSION, '2023-08-31T00:00:00Z',
            req.host_url + '/v3/',
            'application/vnd.openstack.volume+json;version=3')

    def versions(self, req):
        return {'versions': [self._version_doc(req)]}

    def version(self, req):
        return {'versions': [self._version_doc(req)]}

    # -- helpers ------------------------------------------------------------
    def _volume(self, req, ident):
        return self.owned(req, 'volumes', ident, 'Volume')

    def _attachments_of(self, vol):
        result = []
        for att in self.cloud.store.find('attachments', volume_id=vol['id']):
            server = self.cloud.store.get('servers', att['server_id'])
            result.append({'id': vol['id'], 'attachment_id': att['id'],
                           'volume_id': vol['id'],
                           'server_id': att['server_id'],
                           'host_name': server.get('host') if server
                           else None,
                           'device': att['device'],
                           'attached_at': att['attached_at']})
        return result

    def _view(self, req, vol, detailed=True):
        href = '%s/v3/%s/volumes/%s' % (req.host_url, vol['project_id'],
                                        vol['id'])
        view = {'id': vol['id'], 'name': vol['name'],
                'links': [{'rel': 'self', 'href': href},
                          {'rel': 'bookmark', 'href': href}]}
        if not detailed:
            return view
        version = self.microversion(req)
        vtype = self.cloud.store.get('volume_types', vol['volume_type_id'])
        view.update({
            'status': vol['status'], 'size': vol['size'],
            'availability_zone': vol['availability_zone'],
            'created_at': vol['created_at'],
            'updated_at': vol['updated_at'],
            'attachments': self._attachments_of(vol),
            'description': vol['description'],
            'volume_type': vtype['name'] if vtype else None,
            'snapshot_id': None, 'source_volid': None,
            'metadata': dict(vol['metadata']), 'user_id': vol['user_id'],
            'bootable': 'false', 'encrypted': False,
            'replication_status': None, 'consistencygroup_id': None,
            'multiattach': False, 'migration_status': None,
            'os-vol-tenant-attr:tenant_id': vol['project_id'],
            'os-vol-host-attr:host': 'sim-cinder@lvm#lvm',
            'os-vol-mig-status-attr:migstat': None,
            'os-vol-mig-status-attr:name_id': None})
        if version >= (3, 13):
            view['group_id'] = None
        if version >= (3, 21):
            view['provider_id'] = None
        if version >= (3, 48):
            view['service_uuid'] = 'sim-cinder-volume'
            view['shared_targets'] = False
        if version >= (3, 61):
            view['cluster_name'] = None
        if version >= (3, 63):
            view['volume_type_id'] = vol['volume_type_id']
        if version >= (3, 65):
            view['consumes_quota'] = True
        return view

    def _later(self, fn):
        """Run ``fn`` after the configured volume delay, in a thread."""
        timer = threading.Timer(self.cloud.conf['volume_delay'], fn)
        timer.daemon = True
        timer.start()

    def _set_status(self, vol_id, status, expect=None):
        with self.cloud.store.lock:
            vol = self.cloud.store.get('volumes', vol_id)
            if vol is not None and (expect is None or
                                    vol['status'] == expect):
                vol['status'] = status
                vol['updated_at'] = wsgi.now()

    # -- volumes ----------------------------------------------------------
    def _list(self, req, detailed):
        project = self.project_id(req)
        all_projects = req.GET.get('all_tenants') and self.is_admin(req)
        vols = [v for v in self.cloud.store.values('volumes')
                if v['project_id'] == project or all_projects]
        for key in ('name', 'status'):
            if key in req.GET:
                vols = [v for v in vols if v[key] == req.GET[key]]
        if 'metadata' in req.GET:
            # as Cinder: a Python literal of a dict, every pair must match
            # (what cinderclient sends for search_opts={'metadata': {...}})
            try:
                wanted = ast.literal_eval(req.GET['metadata'])
            except (ValueError, SyntaxError):
                wanted = None
            if not isinstance(wanted, dict):
                raise wsgi.bad_request('Invalid filter metadata: %s'
                                       % req.GET['metadata'])
            vols = [v for v in vols if all(
                v['metadata'].get(k) == val for k, val in wanted.items())]
        vols.sort(key=lambda v: v['created_at'])
        marker = req.GET.get('marker')
        if marker:
            ids = [v['id'] for v in vols]
            vols = vols[ids.index(marker) + 1:] if marker in ids else []
        if req.GET.get('limit'):
            vols = vols[:int(req.GET['limit'])]
        return {'volumes': [self._view(req, v, detailed) for v in vols]}

    def list_volumes(self, req, project):
        return self._list(req, False)

    def list_volumes_detail(self, req, project):
        return self._list(req, True)

    def _type(self, ident):
        store = self.cloud.store
        if ident is None:
            return store.values('volume_types')[0]
        rec = store.get('volume_types', ident)
        if rec is None:
            found = store.find('volume_types', name=ident)
            if not found:
                raise wsgi.not_found('Volume type', ident)
            rec = found[0]
        return rec

    def create_volume(self, req, project):
        body = wsgi.json_body(req, 'volume')
        try:
            size = int(body.get('size'))
        except (TypeError, ValueError):
            raise wsgi.bad_request('Invalid input received: size must be '
                                   'an integer')
        if size < 1:
            raise wsgi.bad_request('Invalid input received: Volume size '
                                   "'%s' must be an integer and greater "
                                   'than 0' % size)
        zone = body.get('availability_zone') or \
            self.cloud.conf['availability_zone']
        if zone != self.cloud.conf['availability_zone']:
            raise wsgi.bad_request('Invalid input received: Availability '
                                   'zone \'%s\' is invalid.' % zone)
        vtype = self._type(body.get('volume_type'))
        fault = self.cloud.faults.resource_fails('volume_create',
                                                 body.get('name'))
        if fault is not None:
            raise fault
        vol = self.cloud.store.add('volumes', {
            'name': body.get('name'), 'description': body.get('description'),
            'size': size, 'status': 'creating', 'availability_zone': zone,
            'volume_type_id': vtype['id'],
            'metadata': dict(body.get('metadata') or {}),
            'project_id': self.project_id(req), 'user_id': self.user_id(req),
            'created_at': wsgi.now(), 'updated_at': wsgi.now()})
        self._later(lambda: self._set_status(vol['id'], 'available',
                                             'creating'))
        lost = self.cloud.faults.resource_fails('volume_create_lost',
                                                body.get('name'))
        if lost is not None:
            raise lost
        return wsgi.Reply(202, {'volume': self._view(req, vol)})

    def show_volume(self, req, project, id):
        return {'volume': self._view(req, self._volume(req, id))}

    def update_volume(self, req, project, id):
        vol = self._volume(req, id)
        body = wsgi.json_body(req, 'volume')
        for key in ('name', 'description'):
            if key in body:
                vol[key] = body[key]
        if 'metadata' in body:
            vol['metadata'] = dict(body['metadata'] or {})
        vol['updated_at'] = wsgi.now()
        return {'volume': self._view(req, vol)}

    def delete_volume(self, req, project, id):
        vol = self._volume(req, id)
        with self.cloud.store.lock:
            if vol['status'] not in ('available', 'error', 'error_restoring',
                                     'error_extending', 'error_managing'):
                raise wsgi.bad_request(
                    'Invalid volume: Volume status must be available or '
                    'error or error_restoring or error_extending or '
                    'error_managing and must not be migrating, attached, '
                    'belong to a group, have snapshots or be disassociated '
                    'from snapshots after volume transfer.', 'badRequest')
            vol['status'] = 'deleting'

        def gone():
            self.cloud.store.remove('volumes', vol['id'])
        self._later(gone)
        return wsgi.Reply(202)

    def volume_action(self, req, project, id):
        vol = self._volume(req, id)
        body = wsgi.json_body(req)
        if not isinstance(body, dict) or len(body) != 1:
            raise wsgi.bad_request('One action per request')
        action, args = next(iter(body.items()))
        args = args or {}
        if action == 'os-extend':
            new_size = int(args.get('new_size', 0))
            if vol['status'] != 'available' and \
                    self.microversion(req) < (3, 42):
                raise wsgi.bad_request('Invalid volume: Volume status must '
                                       'be available to extend.')
            if new_size <= vol['size']:
                raise wsgi.bad_request('Invalid input received: New size '
                                       'for extend must be greater than '
                                       'current size.')
            vol['size'] = new_size
        elif action in ('os-update_readonly_flag', 'os-set_bootable',
                        'os-update_volume_image_metadata'):
            pass
        elif action == 'os-reset_status':
            if not self.is_admin(req):
                raise wsgi.HTTPError(403, 'Policy does not allow reset')
            vol['status'] = args.get('status', vol['status'])
        else:
            raise wsgi.bad_request('Action %s is not supported by the '
                                   'simulator' % action)
        return wsgi.Reply(202)

    def get_metadata(self, req, project, id):
        return {'metadata': dict(self._volume(req, id)['metadata'])}

    def set_metadata(self, req, project, id):
        vol = self._volume(req, id)
        vol['metadata'].update(wsgi.json_body(req).get('metadata') or {})
        return {'metadata': dict(vol['metadata'])}

    def replace_metadata(self, req, project, id):
        vol = self._volume(req, id)
        vol['metadata'] = dict(wsgi.json_body(req).get('metadata') or {})
        return {'metadata': dict(vol['metadata'])}

    def delete_metadata(self, req, project, id, key):
        vol = self._volume(req, id)
        if vol['metadata'].pop(key, None) is None:
            raise wsgi.not_found('Metadata item', key)
        return wsgi.Reply(200)

    # -- attachments (driven by Nova's os-volume_attachments) --------------
    def attach(self, server, volume_id, device=None, immediate=False):
        """Attach ``volume_id`` to ``server``; the Nova side calls this."""
        store = self.cloud.store
        with store.lock:
            vol = store.get('volumes', volume_id)
            if vol is None or vol['project_id'] != server['project_id']:
                raise wsgi.not_found('Volume', volume_id)
            if vol['status'] != 'available':
                raise wsgi.bad_request('Invalid volume: volume %s status '
                                       'must be available, but current '
                                       'status is: %s.' % (volume_id,
                                                           vol['status']))
            used = {a['device'] for a in
                    store.find('attachments', server_id=server['id'])}
            if not device or device in used:
                for letter in 'bcdefghijklmnopqrstuvwxyz':
                    device = '/dev/vd' + letter
                    if device not in used:
                        break
            att = store.add('attachments', {
                'server_id': server['id'], 'volume_id': volume_id,
                'device': device, 'attached_at': wsgi.now(),
                'bdm_uuid': store.new_id(),
                'project_id': server['project_id']})
            vol['status'] = 'in-use' if immediate else 'attaching'
        if not immediate:
            self._later(lambda: self._set_status(volume_id, 'in-use',
                                                 'attaching'))
        return att

    def detach(self, att, immediate=False):
        """Detach an attachment record (Nova side or server delete)."""
        store = self.cloud.store
        with store.lock:
            att['_detaching'] = True
            vol = store.get('volumes', att['volume_id'])
            if vol is not None:
                vol['status'] = 'detaching'

        def done():
            with store.lock:
                store.remove('attachments', att['id'])
                left = store.find('attachments',
                                  volume_id=att['volume_id'])
                if not left:
                    self._set_status(att['volume_id'], 'available')
        if immediate:
            done()
        else:
            self._later(done)

    # -- types, limits, misc ----------------------------------------------
    def _type_view(self, rec):
        return {'id': rec['id'], 'name': rec['name'],
                'description': rec.get('description'), 'is_public': True,
                'extra_specs': {}, 'qos_specs_id': None,
                'os-volume-type-access:is_public': True}

    def list_types(self, req, project):
        return {'volume_types': [self._type_view(t) for t in
                                 self.cloud.store.values('volume_types')]}

    def default_type(self, req, project):
        return {'volume_type': self._type_view(self._type(None))}

    def show_type(self, req, project, id):
        return {'volume_type': self._type_view(self._type(id))}

    def type_specs(self, req, project, id):
        self._type(id)
        return {'extra_specs': {}}

    def extensions(self, req, project):
        return {'extensions': [{'alias': a, 'name': a, 'description': a,
                                'updated': '2013-01-01T00:00:00+00:00',
                                'links': [], 'namespace': ''}
                               for a in EXTENSIONS]}

    def limits(self, req, project):
        used = [v for v in self.cloud.store.values('volumes')
                if v['project_id'] == self.project_id(req)]
        return {'limits': {'rate': [], 'absolute': {
            'maxTotalVolumes': 1000, 'maxTotalSnapshots': 1000,
            'maxTotalVolumeGigabytes': 100000, 'maxTotalBackups': 100,
            'maxTotalBackupGigabytes': 1000,
            'totalVolumesUsed': len(used),
            'totalGigabytesUsed': sum(v['size'] for v in used),
            'totalSnapshotsUsed': 0, 'totalBackupsUsed': 0,
            'totalBackupGigabytesUsed': 0}}}

    def zones(self, req, project):
        return {'availabilityZoneInfo': [{
            'zoneName': self.cloud.conf['availability_zone'],
            'zoneState': {'available': True}}]}

    def quotas(self, req, project, target):
        return {'quota_set': {'id': target, 'volumes': 1000,
                              'snapshots': 1000, 'gigabytes': 100000,
                              'backups': 100, 'backup_gigabytes': 1000,
                              'per_volume_gigabytes': -1, 'groups': 10}}


def public(record):
    return store_mod.public(record)
