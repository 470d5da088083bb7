"""The simulator as one object: services, state, hosts, and their life cycle.

``CloudSimulator(conf).start()`` serves every API on its loopback port;
``stop()`` stops the servers' SSH hosts, the floating-IP forwarders and the
listeners. Server life cycle (boot, power, kill, delete) lives here because
it spans Nova, Neutron and Cinder state.
"""

import logging
import os
import threading
import time
import uuid

from savanna_sandbox.cloud import admin
from savanna_sandbox.cloud import compute
from savanna_sandbox.cloud import config
from savanna_sandbox.cloud import faults
from savanna_sandbox.cloud import forward
from savanna_sandbox.cloud import image
from savanna_sandbox.cloud import network
from savanna_sandbox.cloud import store as store_mod
from savanna_sandbox.cloud import volume
from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud import PATHS

LOG = logging.getLogger(__name__)

_NS = uuid.UUID('6c1a2b4e-5d3f-4e59-9a57-2f0b8a7c9d10')
SERVICE_OWNER = 'cloudsim-admin'


def default_host_factory(**kwargs):
    """Build the real SSH host (imported late: it needs sshd), or, for an
    image with the Heat agent, the agent host."""
    if kwargs.get('image_root'):
        from savanna_sandbox.agenthost import AgentHost
        return AgentHost(**kwargs)
    kwargs.pop('metadata_url', None)
    kwargs.pop('polling_interval', None)
    kwargs.pop('image_root', None)
    from savanna_sandbox.sshhost import SSHHost
    return SSHHost(**kwargs)


def keystone_auth_factory(auth):
    """Wrap an app in keystonemiddleware's auth_token (real token checks)."""
    from keystonemiddleware import auth_token
    local = {
        'auth_type': 'password',
        'auth_url': auth['auth_url'],
        'www_authenticate_uri': auth.get('www_authenticate_uri',
                                         auth['auth_url']),
        'username': auth['username'],
        'password': auth['password'],
        'project_name': auth.get('project_name', 'service'),
        'user_domain_name': auth.get('user_domain_name', 'Default'),
        'project_domain_name': auth.get('project_domain_name', 'Default'),
        'delay_auth_decision': 'false',
        'include_service_catalog': 'false',
        'log_name': 'cloudsim',
    }

    def factory(app):
        return auth_token.AuthProtocol(app, local)
    return factory


class CloudSimulator(object):
    """Every simulated service over one shared state."""

    def __init__(self, conf=None, host_factory=None, auth_factory=None):
        self.conf = conf or config.defaults()
        self.noauth = self.conf['auth'].get('strategy') == 'noauth'
        seed = int(self.conf.get('seed', 0))
        self.store = store_mod.Store(seed)
        self.faults = faults.Faults(seed)
        self.stats = faults.Stats()
        self.hypervisors = config.hypervisor_names(self.conf)
        self.scheduler = compute.Scheduler(self.store, self.hypervisors)
        self.host_factory = host_factory or default_host_factory
        self.hosts = {}          # server id -> SSH host
        self.boots = {}          # server id -> boot thread
        self.forwarders = {}     # floating address -> (target, Forwarder)
        self._fwd_lock = threading.Lock()
        if auth_factory is None and not self.noauth:
            auth_factory = keystone_auth_factory(self.conf['auth'])
        self.compute = compute.ComputeApp(self, auth_factory)
        self.volume = volume.VolumeApp(self, auth_factory)
        self.network = network.NetworkApp(self, auth_factory)
        self.image = image.ImageApp(self, auth_factory)
        self.admin = admin.AdminApp(self)
        self.apps = {'compute': self.compute, 'volumev3': self.volume,
                     'network': self.network, 'image': self.image,
                     'admin': self.admin}
        self.listeners = {}
        self._preseed()

    # -- set-up --------------------------------------------------------------
    def _preseed(self):
        store = self.store
        for name, spec in self.conf['flavors'].items():
            store.add('flavors', {'id': str(spec.get('id', name)),
                                  'name': name, 'vcpus': spec['vcpus'],
                                  'ram': spec['ram'], 'disk': spec['disk']},
                      preseeded=True)
        for name, spec in self.conf['images'].items():
            rec = image.make_image(name, spec, SERVICE_OWNER)
            rec.setdefault('id', str(uuid.uuid5(_NS, 'image:' + name)))
            store.add('images', rec, preseeded=True)
        for name in self.conf['volume_types']:
            store.add('volume_types', {
                'id': str(uuid.uuid5(_NS, 'volume_type:' + name)),
                'name': name, 'description': None}, preseeded=True)
        for name, spec in self.conf['networks'].items():
            net = self.network.add_network(
                name, SERVICE_OWNER, external=bool(spec.get('external')),
                shared=not spec.get('external'), preseeded=True)
            self.network.add_subnet(net, spec['cidr'], name + '-subnet',
                                    SERVICE_OWNER, preseeded=True)

    def start(self):
        host = self.conf['bind_host']
        for service, app in self.apps.items():
            port = int(self.conf['ports'][service])
            listener = wsgi.Listener(service, host, port, app)
            listener.start()
            self.listeners[service] = listener
        LOG.info('cloud simulator serving %s', self.urls())
        return self

    def urls(self):
        """service type -> endpoint URL (as registered in Keystone)."""
        return {service: 'http://%s:%d%s' % (lst.host, lst.port,
                                             PATHS[service])
                for service, lst in self.listeners.items()}

    def stop(self):
        for listener in self.listeners.values():
            listener.stop()
        self.listeners = {}
        for rec in self.store.values('servers'):
            rec.setdefault('_cancel', threading.Event()).set()
        for thread in list(self.boots.values()):
            thread.join(10)
        for server_id in list(self.hosts):
            self._stop_host(server_id)
        with self._fwd_lock:
            for _, fwd in self.forwarders.values():
                fwd.stop()
            self.forwarders = {}

    # -- boot -
    def boot(self, rec):
        rec['_cancel'] = threading.Event()
        thread = threading.Thread(target=self._boot, args=(rec,),
                                  name='boot-%s' % rec['name'], daemon=True)
        self.boots[rec['id']] = thread
        thread.start()

    def _fail(self, rec, message, code=500, details=''):
        with self.store.lock:
            rec.update(status='ERROR', vm_state='error', task_state=None,
                       power_state=0, updated=wsgi.now(),
                       fault={'code': code, 'message': message,
                              'details': details, 'created': wsgi.now()})
        LOG.info('server %s ERROR: %s', rec['name'], message)

    def _boot(self, rec):
        cancel = rec['_cancel']
        try:
            latency = self.faults.boot_latency()
            if latency and cancel.wait(latency):
                return
            if cancel.is_set():
                return
            try:
                host_name = self.scheduler.place(rec)
            except LookupError as exc:
                group = self.store.get('server_groups',
                                       rec.get('group_id') or '')
                details = ''
                if group is not None:
                    details = ('server group %s (%s) policy %s: %d '
                               'hypervisors' % (group['name'], group['id'],
                                                group['policy'],
                                                len(self.hypervisors)))
                self._fail(rec, str(exc), 500, details)
                return
            rec.update(task_state='block_device_mapping',
                       updated=wsgi.now())
            if rec.get('_build_abort'):
                rec['host'] = None
                self._fail(rec, 'Build of instance %s aborted: %s' % (
                    rec['id'], rec['_build_abort']), 500,
                    'injected volume attach failure')
                return
            rec.update(task_state='spawning', updated=wsgi.now())
            message = self.faults.boot_fails(rec['name'])
            if message:
                rec['host'] = None
                self._fail(rec, message, 500, 'injected boot failure')
                return
            with self.store.lock:
                ports = self.compute._ports_of(rec)
                addresses = [ip['ip_address'] for p in ports
                             for ip in p['fixed_ips']]
                rec['_addresses'] = addresses
                for port in ports:
                    port['binding:host_id'] = host_name
                    port['binding:vif_type'] = 'ovs'
            if not addresses:
                self._fail(rec, 'Build of instance %s aborted: the server '
                           'has no network port' % rec['id'])
                return
            img = rec['_image']
            keys = [rec['_public_key']] if rec['_public_key'] else []
            workdir = compute.host_workdir(config.state_dir(self.conf),
                                           rec['id'])
            binds = dict(img['_binds'])
            if self.faults.service_fails(rec['name']):
                binds = broken_image(binds, workdir)
            extra = {}
            if img.get('_agent'):
                extra = {'image_root': self.agent_image(),
                         'metadata_url': self.metadata_url(rec['id']),
                         'polling_interval': int(
                             self.conf.get('agent_polling_interval') or 10)}
            host = self.host_factory(
                name=rec['name'], address=addresses[0], workdir=workdir,
                authorized_keys=keys, user=img['_user'],
                binds=binds or None, **extra)
            self.hosts[rec['id']] = host
            if cancel.is_set():
                return
            if extra:
                # no sshd: booted once the agent has its user data
                host.start(float(self.conf['boot_timeout']))
                ready = True
            else:
                host.start()
                ready = compute.wait_for_port(
                    addresses[0], 22, float(self.conf['boot_timeout']))
            if cancel.is_set():
                return
            if not ready:
                self._fail(rec, 'Build of instance %s aborted: sshd did '
                           'not answer on %s:22' % (rec['id'],
                                                    addresses[0]))
                return
            if self.faults.ssh_refused(rec['name']):
                host.refuse()
            with self.store.lock:
                rec.update(status='ACTIVE', vm_state='active',
                           task_state=None, power_state=1,
                           launched_at=wsgi.now(), updated=wsgi.now(),
                           _active_at=time.monotonic())
                for port in self.compute._ports_of(rec):
                    port['status'] = 'ACTIVE'
            self.sync_forwarders()
            LOG.info('server %s ACTIVE on %s at %s', rec['name'], host_name,
                     addresses[0])
        except Exception as exc:
            LOG.exception('boot of %s failed', rec['name'])
            self._fail(rec, 'Build of instance %s aborted: %s' % (
                rec['id'], exc.__class__.__name__))

    def agent_image(self):
        """The agent image's directory (built by the platform)."""
        from savanna_sandbox import agentimage
        return self.conf.get('agent_image') or agentimage.image_dir(
            config.state_dir(self.conf))

    def metadata_url(self, server_id):
        """The metadata service as server ``server_id`` sees it. A real
        cloud answers at 169.254.169.254 and tells instances apart by
        their address; the simulator, on loopback, by the path."""
        listener = self.listeners.get('compute')
        host = listener.host if listener else self.conf['bind_host']
        port = listener.port if listener else self.conf['ports']['compute']
        return 'http://%s:%d/metadata/%s' % (host, port, server_id)

    def _stop_host(self, server_id):
        host = self.hosts.pop(server_id, None)
        if host is not None:
            try:
                host.stop()
            except Exception:
                LOG.exception('stopping host of %s', server_id)

    # -- power -
    def power(self, rec, on, status='ACTIVE'):
        """Stop (synchronously) or start (in a thread) a server's sshd."""
        host = self.hosts.get(rec['id'])
        if not on:
            if host is not None:
                host.stop()
            with self.store.lock:
                rec.update(status=status, power_state=4, updated=wsgi.now(),
                           vm_state={'SUSPENDED': 'suspended',
                                     'REBOOT': 'active'}.get(status,
                                                             'stopped'))
            self.sync_forwarders()
            return
        rec['task_state'] = 'powering-on'

        def run():
            ok = True
            if host is not None:
                ok = self._power_on(host, rec['_addresses'][0])
            if ok:
                with self.store.lock:
                    rec.update(status='ACTIVE', vm_state='active',
                               task_state=None, power_state=1,
                               updated=wsgi.now())
                self.sync_forwarders()
            else:
                self._fail(rec, 'sshd did not answer after start'
                           if host.has_sshd else 'the agent did not boot '
                           'after start')
        threading.Thread(target=run, daemon=True).start()

    def _power_on(self, host, address):
        """Start ``host``; True once it is up: its sshd answering, or,
        on the agent image (no sshd), its agent booted again."""
        timeout = float(self.conf['boot_timeout'])
        if not host.has_sshd:
            try:
                host.start(timeout)
            except RuntimeError as exc:
                LOG.warning('%s did not start: %s', host.name, exc)
                return False
            return True
        host.start()
        return compute.wait_for_port(address, 22, timeout)

    def kill(self, rec, status=None):
        """The node dies: its sshd stops; Nova may not notice (status)."""
        host = self.hosts.get(rec['id'])
        if host is not None:
            host.stop()
        if status:
            with self.store.lock:
                rec.update(status=status, updated=wsgi.now(),
                           power_state=4 if status != 'ACTIVE' else 1,
                           vm_state={'SHUTOFF': 'stopped',
                                     'ERROR': 'error'}.get(status,
                                                           'active'))
                if status == 'ERROR':
                    rec['fault'] = {'code': 500, 'message': 'Host died '
                                    '(injected fault)', 'details': '',
                                    'created': wsgi.now()}
        self.sync_forwarders()

    # -- delete -
    def delete_server(self, rec):
        with self.store.lock:
            if rec.get('_deleting'):
                return
            rec['_deleting'] = True
            rec['task_state'] = 'deleting'
        rec.setdefault('_cancel', threading.Event()).set()
        threading.Thread(target=self._teardown, args=(rec,),
                         name='delete-%s' % rec['name'],
                         daemon=True).start()

    def _teardown(self, rec):
        thread = self.boots.pop(rec['id'], None)
        if thread is not None:
            thread.join(float(self.conf['boot_timeout']) + 5)
        self._stop_host(rec['id'])
        compute.remove_tree(compute.host_workdir(self.conf['state_dir'],
                                                 rec['id']))
        store = self.store
        with store.lock:
            for att in store.find('attachments', server_id=rec['id']):
                self.volume.detach(att, immediate=True)
            for pid in rec['_port_ids']:
                port = store.get('ports', pid)
                if port is None or port['device_id'] != rec['id']:
                    continue
                if pid in rec['_nova_ports']:
                    self.network.delete_port(port)
                else:
                    port.update(device_id='', device_owner='',
                                status='DOWN', **{'binding:host_id': '',
                                                  'binding:vif_type':
                                                  'unbound'})
            group = store.get('server_groups', rec.get('group_id') or '')
            if group is not None and rec['id'] in group['members']:
                group['members'].remove(rec['id'])
            store.remove('servers', rec['id'])
        self.sync_forwarders()

    # -- faults that act on hosts -
    def apply_ssh_faults(self):
        """Make every host's refuse/allow state match the ssh_refuse globs."""
        for server_id, host in list(self.hosts.items()):
            rec = self.store.get('servers', server_id)
            if rec is None or rec['status'] != 'ACTIVE':
                continue
            if self.faults.ssh_refused(rec['name']):
                host.refuse()
            else:
                host.allow()

    # -- floating IPs -
    def sync_forwarders(self):
        """Start/stop forwarders so every associated floating IP of an
        ACTIVE server reaches its fixed IP."""
        store = self.store
        desired = {}
        with store.lock:
            for fip in store.values('floatingips'):
                if not fip.get('port_id'):
                    continue
                port = store.get('ports', fip['port_id'])
                server = port and store.get('servers', port['device_id'])
                if server and server['status'] == 'ACTIVE' and \
                        server['id'] in self.hosts:
                    desired[fip['floating_ip_address']] = \
                        fip['fixed_ip_address']
        with self._fwd_lock:
            for address, (target, fwd) in list(self.forwarders.items()):
                if desired.get(address) != target:
                    fwd.stop()
                    del self.forwarders[address]
            for address, target in desired.items():
                if address not in self.forwarders:
                    fwd = forward.Forwarder(address, target,
                                            self.conf['forward_ports'])
                    fwd.start()
                    self.forwarders[address] = (target, fwd)

    def wait_idle(self, timeout=30):
        """Wait until no server is building or deleting (for tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = [s for s in self.store.values('servers')
                    if s['status'] == 'BUILD' or s.get('_deleting')]
            if not busy:
                return True
            time.sleep(0.05)
        return False


BROKEN_SCRIPT = ('#!/bin/sh\necho "$0: cannot start (injected '
                 'service_fail fault)" >&2\nexit 1\n')


def broken_image(binds, workdir):
    """Binds whose image directories have failing ``bin/`` and ``sbin/``
    scripts (named like the real ones) and everything else of the real
    image (jars, libraries): an image that passes a check of what it
    holds, whose services cannot start. The service_fail fault."""
    broken = {}
    for k, (real, src) in enumerate(sorted(binds.items())):
        root = os.path.join(workdir, 'broken-image-%d' % k)
        os.makedirs(root, exist_ok=True)
        try:
            entries = os.listdir(src)
        except OSError:
            entries = []
        for entry in entries:
            link = os.path.join(root, entry)
            if entry not in ('bin', 'sbin') and not os.path.lexists(link):
                os.symlink(os.path.join(src, entry), link)
        for sub in ('bin', 'sbin'):
            os.makedirs(os.path.join(root, sub), exist_ok=True)
            try:
                names = os.listdir(os.path.join(src, sub))
            except OSError:
                names = []
            for name in names:
                path = os.path.join(root, sub, name)
                with open(path, 'w') as f:
                    f.write(BROKEN_SCRIPT)
                os.chmod(path, 0o755)
        os.chmod(root, 0o755)
        broken[real] = root
    return broken
