"""A server's ports: binding them at boot or on an interface attach, and
reading them back as the server's addresses."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base


class Ports(base.ComputeBase):
    """The port plumbing the server areas share."""

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
