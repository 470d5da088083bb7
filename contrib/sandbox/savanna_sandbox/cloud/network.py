"""Simulated Neutron (v2.0): networks, subnets, ports, floating IPs,
security groups and rules, extensions, quotas.

Addresses come from loopback subnets so a port's fixed IP is a real
address on this machine: the server's sshd listens on it.
"""

from savanna_sandbox.cloud import store as store_mod
from savanna_sandbox.cloud import wsgi

#: Extension aliases Heat may look for (``has_extension``). Deliberately no
#: 'stateful-security-group' (Heat then omits the 'stateful' attribute).
EXTENSIONS = ('security-group', 'external-net', 'router', 'quotas',
              'port-security', 'binding', 'allowed-address-pairs',
              'extra_dhcp_opt', 'standard-attr-description',
              'standard-attr-tag', 'standard-attr-timestamp',
              'standard-attr-revisions', 'project-id', 'ext-gw-mode',
              'availability_zone', 'network_availability_zone', 'agent',
              'subnet_allocation', 'net-mtu')

LIST_PARAMS = ('fields', 'limit', 'marker', 'sort_key', 'sort_dir',
               'page_reverse', 'verbose')

PORT_UPDATABLE = ('name', 'description', 'admin_state_up', 'device_id',
                  'device_owner', 'security_groups', 'port_security_enabled',
                  'allowed_address_pairs', 'binding:host_id',
                  'binding:vnic_type', 'binding:profile', 'tags',
                  'extra_dhcp_opts', 'dns_name', 'qos_policy_id')


def _stamp(record):
    record.setdefault('created_at', wsgi.now())
    record['updated_at'] = wsgi.now()
    record['revision_number'] = record.get('revision_number', -1) + 1
    return record


class NetworkApp(wsgi.ServiceApp):
    service = 'network'
    error_style = 'neutron'

    def setup_routes(self):
        r = self.route
        r('GET', '/', self.versions, public=True)
        r('GET', '/v2.0', self.version, public=True)
        r('GET', '/v2.0/extensions', self.extensions)
        r('GET', '/v2.0/extensions/{alias}', self.extension)
        for kind in ('networks', 'subnets', 'ports', 'floatingips',
                     'security-groups', 'security-group-rules'):
            table = kind.replace('-', '_')
            r('GET', '/v2.0/%s' % kind, self._lister(table))
            r('GET', '/v2.0/%s/{id}' % kind, self._shower(table))
            r('DELETE', '/v2.0/%s/{id}' % kind, self._deleter(table))
        r('POST', '/v2.0/networks', self.create_network)
        r('PUT', '/v2.0/networks/{id}', self.update_network)
        r('POST', '/v2.0/subnets', self.create_subnet)
        r('POST', '/v2.0/ports', self.create_port_api)
        r('PUT', '/v2.0/ports/{id}', self.update_port)
        r('POST', '/v2.0/floatingips', self.create_floatingip)
        r('PUT', '/v2.0/floatingips/{id}', self.update_floatingip)
        r('POST', '/v2.0/security-groups', self.create_security_group)
        r('PUT', '/v2.0/security-groups/{id}', self.update_security_group)
        r('POST', '/v2.0/security-group-rules', self.create_rules)
        r('GET', '/v2.0/quotas/{project}', self.quotas)
        r('GET', '/v2.0/quotas/{project}/details', self.quotas)

    # -- documents -------------------------------------------------------
    def versions(self, req):
        url = req.host_url
        return {'versions': [{'id': 'v2.0', 'status': 'CURRENT', 'links': [
            {'rel': 'self', 'href': url + '/v2.0/'}]}]}

    def version(self, req):
        url = req.host_url + '/v2.0/'
        return {'resources': [
            {'name': n, 'collection': n + 's',
             'links': [{'rel': 'self', 'href': url + n + 's'}]}
            for n in ('network', 'subnet', 'port')]}

    def _ext(self, alias):
        return {'alias': alias, 'name': alias, 'description': alias,
                'updated': '2013-01-01T00:00:00-00:00', 'links': []}

    def extensions(self, req):
        return {'extensions': [self._ext(a) for a in EXTENSIONS]}

    def extension(self, req, alias):
        if alias not in EXTENSIONS:
            raise wsgi.not_found('Extension', alias, 'ExtensionNotFound')
        return {'extension': self._ext(alias)}

    def quotas(self, req, project):
        limits = {'network': 100, 'subnet': 100, 'port': 1000,
                  'floatingip': 250, 'security_group': 100,
                  'security_group_rule': 1000, 'router': 10}
        return {'quota': limits}

    # -- generic list/show/delete ----------------------------------------
    _SINGULAR = {'networks': 'network', 'subnets': 'subnet',
                 'ports': 'port', 'floatingips': 'floatingip',
                 'security_groups': 'security_group',
                 'security_group_rules': 'security_group_rule'}
    _NOT_FOUND = {'networks': 'NetworkNotFound',
                  'subnets': 'SubnetNotFound', 'ports': 'PortNotFound',
                  'floatingips': 'FloatingIPNotFound',
                  'security_groups': 'SecurityGroupNotFound',
                  'security_group_rules': 'SecurityGroupRuleNotFound'}

    def _visible(self, req, table, record):
        if self.is_admin(req):
            return True
        if table == 'networks' and (record.get('shared') or
                                    record.get('router:external')):
            return True
        return record.get('project_id') == self.project_id(req)

    def _view(self, table, record):
        if table == 'security_groups':
            rules = self.cloud.store.find('security_group_rules',
                                          security_group_id=record['id'])
            record = dict(record, security_group_rules=[
                store_mod.public(r) for r in rules])
        return store_mod.public(record)

    def _load(self, req, table, ident):
        record = self.cloud.store.get(table, ident)
        if record is None or not self._visible(req, table, record):
            raise wsgi.not_found(self._SINGULAR[table].replace('_', ' '),
                                 ident, self._NOT_FOUND[table])
        return record

    def _lister(self, table):
        def handler(req):
            if table == 'security_groups':
                self.default_security_group(self.project_id(req))
            filters = {}
            for key in req.GET.keys():
                if key not in LIST_PARAMS:
                    filters[key] = req.GET.getall(key)
            fields = req.GET.getall('fields')
            items = []
            for record in self.cloud.store.values(table):
                if not self._visible(req, table, record):
                    continue
                if not all(self._filter_ok(record, k, v)
                           for k, v in filters.items()):
                    continue
                view = self._view(table, record)
                if fields:
                    view = {k: v for k, v in view.items() if k in fields}
                items.append(view)
            return {table: items}
        return handler

    @staticmethod
    def _filter_ok(record, key, wanted):
        value = record.get(key)
        if isinstance(value, list):
            return any(w in value for w in wanted)
        if isinstance(value, bool):
            return str(value).lower() in [w.lower() for w in wanted]
        return str(value) in wanted

    def _shower(self, table):
        def handler(req, id):
            view = self._view(table, self._load(req, table, id))
            fields = req.GET.getall('fields')
            if fields:
                view = {k: v for k, v in view.items() if k in fields}
            return {self._SINGULAR[table]: view}
        return handler

    def _deleter(self, table):
        def handler(req, id):
            record = self._load(req, table, id)
            getattr(self, 'delete_' + self._SINGULAR[table])(record)
            return wsgi.Reply(204)
        return handler

    # -- networks and subnets --------------------------------------------
    def add_network(self, name, project_id, external=False, shared=False,
                    preseeded=False):
        net = _stamp({'name': name, 'status': 'ACTIVE',
                      'admin_state_up': True, 'shared': shared,
                      'router:external': external, 'subnets': [],
                      'tenant_id': project_id, 'project_id': project_id,
                      'mtu': 1500, 'port_security_enabled': True,
                      'availability_zones': ['nova'],
                      'availability_zone_hints': [], 'description': '',
                      'tags': [], 'ipv4_address_scope': None,
                      'ipv6_address_scope': None, 'is_default': False})
        return self.cloud.store.add('networks', net, preseeded)

    def add_subnet(self, network, cidr, name, project_id, preseeded=False):
        pool = store_mod.AddressPool(cidr)
        sub = _stamp({'name': name, 'network_id': network['id'],
                      'cidr': str(pool.network), 'ip_version': 4,
                      'gateway_ip': pool.gateway,
                      'allocation_pools': [{'start': pool.first,
                                            'end': pool.last}],
                      'enable_dhcp': True, 'dns_nameservers': [],
                      'host_routes': [], 'tenant_id': project_id,
                      'project_id': project_id, 'description': '',
                      'tags': [], 'subnetpool_id': None,
                      'ipv6_ra_mode': None, 'ipv6_address_mode': None,
                      'service_types': []})
        with self.cloud.store.lock:
            self.cloud.store.add('subnets', sub, preseeded)
            self.cloud.store.pools[sub['id']] = pool
            network['subnets'].append(sub['id'])
        return sub

    def _allowed_network(self, cidr):
        import ipaddress
        net = ipaddress.ip_network(cidr, strict=False)
        return net.subnet_of(ipaddress.ip_network('127.0.0.0/8'))

    def create_network(self, req):
        body = wsgi.json_body(req, 'network')
        project = body.get('project_id') or body.get('tenant_id') or \
            self.project_id(req)
        net = self.add_network(body.get('name', ''), project,
                               external=bool(body.get('router:external')),
                               shared=bool(body.get('shared')))
        for key in ('admin_state_up', 'description', 'mtu',
                    'port_security_enabled'):
            if key in body:
                net[key] = body[key]
        return wsgi.Reply(201, {'network': self._view('networks', net)})

    def update_network(self, req, id):
        net = self._load(req, 'networks', id)
        body = wsgi.json_body(req, 'network')
        for key in ('name', 'description', 'admin_state_up', 'mtu',
                    'port_security_enabled', 'shared', 'tags'):
            if key in body:
                net[key] = body[key]
        _stamp(net)
        return {'network': self._view('networks', net)}

    def delete_network(self, net):
        store = self.cloud.store
        with store.lock:
            if store.find('ports', network_id=net['id']):
                raise wsgi.conflict('Unable to complete operation on '
                                    'network %s. There are one or more '
                                    'ports still in use on the network.'
                                    % net['id'], 'NetworkInUse')
            for sid in list(net['subnets']):
                store.remove('subnets', sid)
                store.pools.pop(sid, None)
            store.remove('networks', net['id'])

    def create_subnet(self, req):
        body = wsgi.json_body(req, 'subnet')
        net = self._load(req, 'networks', body.get('network_id', ''))
        cidr = body.get('cidr')
        if not cidr or not self._allowed_network(cidr):
            raise wsgi.bad_request('the simulator only serves loopback '
                                   'subnets (inside 127.0.0.0/8)',
                                   'InvalidInput')
        sub = self.add_subnet(net, cidr, body.get('name', ''),
                              self.project_id(req))
        return wsgi.Reply(201, {'subnet': self._view('subnets', sub)})

    def delete_subnet(self, sub):
        store = self.cloud.store
        with store.lock:
            for port in store.values('ports'):
                if any(ip['subnet_id'] == sub['id']
                       for ip in port['fixed_ips']):
                    raise wsgi.conflict('Subnet %s has ports in use'
                                        % sub['id'], 'SubnetInUse')
            store.remove('subnets', sub['id'])
            store.pools.pop(sub['id'], None)
            net = store.get('networks', sub['network_id'])
            if net and sub['id'] in net['subnets']:
                net['subnets'].remove(sub['id'])

    # -- security groups -------------------------------------------------
    def default_security_group(self, project_id):
        """Neutron's per-project 'default' group (created on first use)."""
        store = self.cloud.store
        with store.lock:
            found = store.find('security_groups', name='default',
                               project_id=project_id)
            if found:
                return found[0]
            sg = self._add_group('default', 'Default security group',
                                 project_id, preseeded=True)
            self._add_rule(sg, {'direction': 'ingress',
                                'remote_group_id': sg['id']},
                           preseeded=True)
            return sg

    def _add_group(self, name, description, project_id, preseeded=False):
        sg = self.cloud.store.add('security_groups', _stamp({
            'name': name, 'description': description or '',
            'tenant_id': project_id, 'project_id': project_id,
            'tags': []}), preseeded)
        for ethertype in ('IPv4', 'IPv6'):
            self._add_rule(sg, {'direction': 'egress',
                                'ethertype': ethertype},
                           preseeded=preseeded)
        return sg

    def _add_rule(self, sg, spec, preseeded=False):
        rule = {'security_group_id': sg['id'],
                'direction': spec.get('direction', 'ingress'),
                'ethertype': spec.get('ethertype') or 'IPv4',
                'protocol': spec.get('protocol'),
                'port_range_min': spec.get('port_range_min'),
                'port_range_max': spec.get('port_range_max'),
                'remote_ip_prefix': spec.get('remote_ip_prefix'),
                'remote_group_id': spec.get('remote_group_id'),
                'remote_address_group_id': None,
                'description': spec.get('description') or '',
                'tenant_id': sg['project_id'],
                'project_id': sg['project_id'], 'tags': []}
        for key in ('port_range_min', 'port_range_max'):
            if rule[key] is not None:
                try:
                    rule[key] = int(rule[key])
                except (TypeError, ValueError):
                    raise wsgi.bad_request('Invalid value for %s' % key,
                                           'InvalidInput')
        if rule['protocol'] is not None:
            rule['protocol'] = str(rule['protocol'])
        if rule['direction'] not in ('ingress', 'egress'):
            raise wsgi.bad_request('direction must be ingress or egress',
                                   'InvalidInput')
        key = ('direction', 'ethertype', 'protocol', 'port_range_min',
               'port_range_max', 'remote_ip_prefix', 'remote_group_id')
        with self.cloud.store.lock:
            for other in self.cloud.store.find('security_group_rules',
                                               security_group_id=sg['id']):
                if all(other[k] == rule[k] for k in key):
                    raise wsgi.conflict(
                        'Security group rule already exists. Rule id is '
                        '%s.' % other['id'], 'SecurityGroupRuleExists')
            return self.cloud.store.add('security_group_rules',
                                        _stamp(rule), preseeded)

    def create_security_group(self, req):
        body = wsgi.json_body(req, 'security_group')
        project = self.project_id(req)
        if body.get('name') == 'default':
            raise wsgi.bad_request('Default security group already '
                                   'exists.', 'SecurityGroupDefaultAlready'
                                   'Exists')
        sg = self._add_group(body.get('name', ''),
                             body.get('description'), project)
        return wsgi.Reply(201, {'security_group':
                                self._view('security_groups', sg)})

    def update_security_group(self, req, id):
        sg = self._load(req, 'security_groups', id)
        body = wsgi.json_body(req, 'security_group')
        for key in ('name', 'description', 'tags'):
            if key in body:
                sg[key] = body[key]
        _stamp(sg)
        return {'security_group': self._view('security_groups', sg)}

    def delete_security_group(self, sg):
        store = self.cloud.store
        with store.lock:
            for port in store.values('ports'):
                if sg['id'] in port['security_groups']:
                    raise wsgi.conflict(
                        'Security Group %s in use.' % sg['id'],
                        'SecurityGroupInUse')
            for rule in store.find('security_group_rules',
                                   security_group_id=sg['id']):
                store.remove('security_group_rules', rule['id'])
            store.remove('security_groups', sg['id'])

    def create_rules(self, req):
        body = wsgi.json_body(req)
        if 'security_group_rules' in body:
            specs, bulk = body['security_group_rules'], True
        else:
            specs, bulk = [wsgi.json_body(req, 'security_group_rule')], \
                False
        created = []
        try:
            for spec in specs:
                sg = self._load(req, 'security_groups',
                                spec.get('security_group_id', ''))
                created.append(self._add_rule(sg, spec))
        except wsgi.HTTPError:
            for rule in created:        # bulk create is all or nothing
                self.cloud.store.remove('security_group_rules', rule['id'])
            raise
        views = [store_mod.public(r) for r in created]
        if bulk:
            return wsgi.Reply(201, {'security_group_rules': views})
        return wsgi.Reply(201, {'security_group_rule': views[0]})

    def delete_security_group_rule(self, rule):
        self.cloud.store.remove('security_group_rules', rule['id'])

    # -- ports -------------------------------------------------------------
    def create_port(self, project_id, network_id, spec=None):
        """Create a port; used by the API and by Nova's 'networks: uuid'."""
        spec = dict(spec or {})
        store = self.cloud.store
        with store.lock:
            net = store.get('networks', network_id)
            if net is None:
                raise wsgi.not_found('Network', network_id,
                                     'NetworkNotFound')
            fixed_ips = []
            wanted = spec.get('fixed_ips') or [{}]
            try:
                for item in wanted:
                    fixed_ips.append(self._allocate(net, item))
            except wsgi.HTTPError:
                self._release(fixed_ips)
                raise
            security = spec.get('port_security_enabled', True)
            groups = spec.get('security_groups')
            if groups is None:
                groups = ([self.default_security_group(project_id)['id']]
                          if security else [])
            for gid in groups:
                if store.get('security_groups', gid) is None:
                    self._release(fixed_ips)
                    raise wsgi.not_found('Security group', gid,
                                         'SecurityGroupNotFound')
            port = _stamp({
                'name': spec.get('name', ''), 'network_id': network_id,
                'tenant_id': project_id, 'project_id': project_id,
                'mac_address': spec.get('mac_address') or store.new_mac(),
                'fixed_ips': fixed_ips, 'status': 'DOWN',
                'admin_state_up': spec.get('admin_state_up', True),
                'device_id': spec.get('device_id', ''),
                'device_owner': spec.get('device_owner', ''),
                'security_groups': list(groups),
                'port_security_enabled': security,
                'allowed_address_pairs': spec.get('allowed_address_pairs',
                                                  []),
                'extra_dhcp_opts': spec.get('extra_dhcp_opts', []),
                'binding:vnic_type': spec.get('binding:vnic_type',
                                              'normal'),
                'binding:host_id': '', 'binding:profile': {},
                'binding:vif_type': 'unbound', 'binding:vif_details': {},
                'description': spec.get('description', ''),
                'tags': [], 'qos_policy_id': None, 'dns_name': '',
                'dns_assignment': [], 'ip_allocation': 'immediate'})
            return store.add('ports', port)

    def _allocate(self, net, item):
        store = self.cloud.store
        subnet_id = item.get('subnet_id') or item.get('subnet')
        if subnet_id is None:
            if not net['subnets']:
                raise wsgi.bad_request('Network %s has no subnet'
                                       % net['id'], 'InvalidInput')
            subnet_id = net['subnets'][0]
        if subnet_id not in net['subnets']:
            raise wsgi.bad_request('Subnet %s is not on network %s' % (
                subnet_id, net['id']), 'InvalidInput')
        pool = store.pools[subnet_id]
        address = pool.allocate(item.get('ip_address'))
        if address is None:
            if item.get('ip_address'):
                raise wsgi.conflict('IP address %s already allocated in '
                                    'subnet %s' % (item['ip_address'],
                                                   subnet_id),
                                    'IpAddressAlreadyAllocated')
            raise wsgi.conflict('No more IP addresses available on '
                                'network %s.' % net['id'],
                                'IpAddressGenerationFailure')
        return {'subnet_id': subnet_id, 'ip_address': address}

    def _release(self, fixed_ips):
        for ip in fixed_ips:
            pool = self.cloud.store.pools.get(ip['subnet_id'])
            if pool:
                pool.release(ip['ip_address'])

    def create_port_api(self, req):
        body = wsgi.json_body(req)
        if 'ports' in body:
            specs, bulk = body['ports'], True
        else:
            specs, bulk = [wsgi.json_body(req, 'port')], False
        created = []
        try:
            for spec in specs:
                fault = self.cloud.faults.resource_fails(
                    'port_create', spec.get('name'), spec.get('description'))
                if fault is not None:
                    raise fault
                net = self._load(req, 'networks',
                                 spec.get('network_id', ''))
                if not spec.get('port_security_enabled', True) and \
                        spec.get('security_groups'):
                    raise wsgi.conflict('Port has security group '
                                        'associated', 'PortSecurity'
                                        'AndIPRequiredForSecurityGroups')
                created.append(self.create_port(
                    spec.get('project_id') or self.project_id(req),
                    net['id'], spec))
        except wsgi.HTTPError:
            for port in created:
                self.delete_port(port)
            raise
        for port in created:
            # made, but the answer never reaches the client
            lost = self.cloud.faults.resource_fails('port_create_lost',
                                                    port['name'])
            if lost is not None:
                raise lost
        views = [store_mod.public(p) for p in created]
        if bulk:
            return wsgi.Reply(201, {'ports': views})
        return wsgi.Reply(201, {'port': views[0]})

    def update_port(self, req, id):
        port = self._load(req, 'ports', id)
        body = wsgi.json_body(req, 'port')
        with self.cloud.store.lock:
            if 'fixed_ips' in body:
                net = self.cloud.store.get('networks', port['network_id'])
                old = port['fixed_ips']
                self._release(old)
                try:
                    port['fixed_ips'] = [self._allocate(net, item)
                                         for item in body['fixed_ips']]
                except wsgi.HTTPError:
                    for ip in old:
                        self.cloud.store.pools[ip['subnet_id']].allocate(
                            ip['ip_address'])
                    raise
            for key in PORT_UPDATABLE:
                if key in body:
                    port[key] = body[key]
            _stamp(port)
        self.cloud.sync_forwarders()
        return {'port': self._view('ports', port)}

    def delete_port(self, port):
        store = self.cloud.store
        with store.lock:
            for fip in store.find('floatingips', port_id=port['id']):
                self._associate(fip, None, None)
            self._release(port['fixed_ips'])
            store.remove('ports', port['id'])
        self.cloud.sync_forwarders()

    # -- floating IPs ------------------------------------------------------
    def _associate(self, fip, port_id, fixed_ip):
        store = self.cloud.store
        if port_id is None:
            fip.update(port_id=None, fixed_ip_address=None, router_id=None,
                       status='DOWN')
            return
        port = store.get('ports', port_id)
        if port is None:
            raise wsgi.not_found('Port', port_id, 'PortNotFound')
        addresses = [ip['ip_address'] for ip in port['fixed_ips']]
        if not addresses:
            raise wsgi.bad_request('Port %s has no fixed IP' % port_id,
                                   'BadRequest')
        fixed_ip = fixed_ip or addresses[0]
        if fixed_ip not in addresses:
            raise wsgi.bad_request('Port %s does not have fixed ip %s' % (
                port_id, fixed_ip), 'BadRequest')
        for other in store.find('floatingips', port_id=port_id,
                                fixed_ip_address=fixed_ip):
            if other['id'] != fip['id']:
                raise wsgi.conflict(
                    'Cannot associate floating IP %s with port %s using '
                    'fixed IP %s, as that fixed IP already has a floating '
                    'IP on external network.' % (
                        fip['floating_ip_address'], port_id, fixed_ip),
                    'FloatingIPPortAlreadyAssociated')
        fip.update(port_id=port_id, fixed_ip_address=fixed_ip,
                   router_id='sim-router', status='ACTIVE')

    def create_floatingip(self, req):
        body = wsgi.json_body(req, 'floatingip')
        store = self.cloud.store
        net = self._load(req, 'networks',
                         body.get('floating_network_id', ''))
        if not net.get('router:external'):
            raise wsgi.bad_request('Network %s is not a valid external '
                                   'network' % net['id'], 'BadRequest')
        project = self.project_id(req)
        if body.get('port_id'):
            port = store.get('ports', body['port_id'])
            fault = self.cloud.faults.resource_fails(
                'floating_ip_create', (port or {}).get('name'))
            if fault is not None:
                raise fault
        with store.lock:
            wanted = body.get('floating_ip_address')
            item = {'ip_address': wanted} if wanted else {}
            if body.get('subnet_id'):
                item['subnet_id'] = body['subnet_id']
            ip = self._allocate(net, item)
            fip = _stamp({
                'floating_ip_address': ip['ip_address'],
                'floating_network_id': net['id'], '_subnet_id':
                ip['subnet_id'], 'port_id': None,
                'fixed_ip_address': None, 'router_id': None,
                'status': 'DOWN', 'tenant_id': project,
                'project_id': project,
                'description': body.get('description', ''), 'tags': [],
                'port_details': None, 'dns_name': '', 'dns_domain': ''})
            try:
                if body.get('port_id'):
                    self._associate(fip, body['port_id'],
                                    body.get('fixed_ip_address'))
            except wsgi.HTTPError:
                self._release([ip])
                raise
            store.add('floatingips', fip)
        self.cloud.sync_forwarders()
        return wsgi.Reply(201, {'floatingip':
                                self._view('floatingips', fip)})

    def update_floatingip(self, req, id):
        fip = self._load(req, 'floatingips', id)
        body = wsgi.json_body(req, 'floatingip')
        with self.cloud.store.lock:
            if 'port_id' in body:
                self._associate(fip, body['port_id'],
                                body.get('fixed_ip_address'))
            if 'description' in body:
                fip['description'] = body['description']
            _stamp(fip)
        self.cloud.sync_forwarders()
        return {'floatingip': self._view('floatingips', fip)}

    def delete_floatingip(self, fip):
        with self.cloud.store.lock:
            self._release([{'subnet_id': fip['_subnet_id'],
                            'ip_address': fip['floating_ip_address']}])
            self.cloud.store.remove('floatingips', fip['id'])
        self.cloud.sync_forwarders()
