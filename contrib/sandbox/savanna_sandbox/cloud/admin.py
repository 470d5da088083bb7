"""The simulator's admin API (loopback only, no Keystone): the test hooks.

    GET  /health                       {"ok": true}
    GET  /inventory                    live resources per kind (see Store)
    GET  /stats                        request counts per service/route
    POST /stats/reset                  zero the counters
    GET  /faults                       the current fault document and how
                                       often each fault fired
    POST /faults                       merge a fault document (faults.py)
    DELETE /faults | POST /reset       clear every fault, allow all SSH
    GET  /servers                      every server with its host details,
                                       attached volumes and /volumes mounts
    POST /servers/{name_or_id}/kill    {"status": "SHUTOFF"} optional:
                                       stop the server's sshd (node died)
    POST /servers/{name_or_id}/refuse  sshd refuses connections
    POST /servers/{name_or_id}/allow   sshd accepts again
    GET  /hypervisors                  hypervisors and their servers
"""

import os

from savanna_sandbox.cloud import compute
from savanna_sandbox.cloud import config
from savanna_sandbox.cloud import wsgi


class AdminApp(wsgi.ServiceApp):
    service = 'admin'

    def setup_routes(self):
        r = self.route
        for method, path, handler in (
                ('GET', '/', self.health), ('GET', '/health', self.health),
                ('GET', '/inventory', self.inventory),
                ('GET', '/stats', self.stats),
                ('POST', '/stats/reset', self.reset_stats),
                ('GET', '/faults', self.get_faults),
                ('POST', '/faults', self.set_faults),
                ('DELETE', '/faults', self.reset),
                ('POST', '/reset', self.reset),
                ('GET', '/servers', self.servers),
                ('POST', '/servers/{ident}/kill', self.kill),
                ('POST', '/servers/{ident}/refuse', self.refuse),
                ('POST', '/servers/{ident}/allow', self.allow),
                ('GET', '/hypervisors', self.hypervisors)):
            r(method, path, handler, public=True)

    def health(self, req):
        return {'ok': True, 'endpoints': self.cloud.urls()}

    def inventory(self, req):
        return self.cloud.store.inventory()

    def stats(self, req):
        return self.cloud.stats.snapshot()

    def reset_stats(self, req):
        self.cloud.stats.reset()
        return {'ok': True}

    def get_faults(self, req):
        return {'faults': self.cloud.faults.get(),
                'fired': self.cloud.faults.fired_counts()}

    def set_faults(self, req):
        self.cloud.faults.set(wsgi.json_body(req))
        self.cloud.apply_ssh_faults()
        return {'faults': self.cloud.faults.get()}

    def reset(self, req):
        self.cloud.faults.reset()
        self.cloud.apply_ssh_faults()
        return {'faults': {}}

    def _find(self, ident):
        store = self.cloud.store
        rec = store.get('servers', ident)
        if rec is None:
            found = store.find('servers', name=ident)
            if len(found) != 1:
                raise wsgi.not_found('Server', ident)
            rec = found[0]
        return rec

    def servers(self, req):
        result = []
        for rec in sorted(self.cloud.store.values('servers'),
                          key=lambda r: r['seq']):
            host = self.cloud.hosts.get(rec['id'])
            result.append({
                'id': rec['id'], 'name': rec['name'],
                'status': rec['status'], 'hypervisor': rec.get('host'),
                'addresses': rec.get('_addresses', []),
                'project_id': rec['project_id'],
                'ssh_running': bool(host and host.running),
                'fault': rec.get('fault'),
                'volumes': self._volumes_of(rec),
                'mounts': self._mounts_of(rec)})
        return {'servers': result}

    def _volumes_of(self, rec):
        """The server's attachments: device, volume name and status."""
        store = self.cloud.store
        out = []
        for att in store.find('attachments', server_id=rec['id']):
            vol = store.get('volumes', att['volume_id']) or {}
            out.append({'device': att['device'], 'name': vol.get('name'),
                        'status': vol.get('status')})
        return sorted(out, key=lambda a: a['device'])

    def _mounts_of(self, rec):
        """What the host has under /volumes (where the plugins mount the
        volumes; in the sandbox the directories stand for the mounts)."""
        root = os.path.join(compute.host_workdir(
            config.state_dir(self.cloud.conf), rec['id']), 'fs', 'volumes')
        try:
            return sorted(os.listdir(root))
        except OSError:
            return []

    def kill(self, req, ident):
        rec = self._find(ident)
        body = wsgi.json_body(req) if req.body else {}
        status = body.get('status') if isinstance(body, dict) else None
        if status not in (None, 'ACTIVE', 'SHUTOFF', 'ERROR'):
            raise wsgi.bad_request('status must be ACTIVE, SHUTOFF or '
                                   'ERROR')
        self.cloud.kill(rec, status)
        return {'killed': rec['name'], 'status': rec['status']}

    def refuse(self, req, ident):
        return self._ssh(ident, refuse=True)

    def allow(self, req, ident):
        return self._ssh(ident, refuse=False)

    def _ssh(self, ident, refuse):
        rec = self._find(ident)
        host = self.cloud.hosts.get(rec['id'])
        if host is None:
            raise wsgi.conflict('Server %s has no running host' % ident)
        if refuse:
            host.refuse()
        else:
            host.allow()
        return {'server': rec['name'], 'refusing': refuse}

    def hypervisors(self, req):
        return {'hypervisors': [
            {'name': name, 'servers': sorted(
                s['name'] for s in self.cloud.store.values('servers')
                if s.get('host') == name)}
            for name in self.cloud.hypervisors]}
