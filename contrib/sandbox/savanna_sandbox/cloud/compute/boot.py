"""The create of a server: validate the request, bind its ports, map its
volumes and hand it to the cloud's boot (scheduling, the real host)."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import ports


class Boot(ports.Ports):
    """POST /servers."""

    def _image(self, ident):
        store = self.cloud.store
        rec = store.get('images', ident)
        if rec is None:
            by_name = store.find('images', name=ident)
            if len(by_name) == 1:
                return by_name[0]
            raise wsgi.bad_request('Image %s could not be found.' % ident)
        return rec

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
