"""A server's interfaces (os-interface): list, show, attach, detach."""

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import ports


class Interfaces(ports.Ports):
    """/servers/{id}/os-interface."""

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
