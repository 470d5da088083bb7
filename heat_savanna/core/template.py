"""The nested stack of a cluster, as a HOT template dict.

One set of resources per node, named after the stable node name (see
:mod:`heat_savanna.core.layout`), never a ResourceGroup: an update that
drops ``workers-7`` deletes exactly ``workers-7`` and its port, floating
IP, volumes and attachments, and Horizon lists every node.

Per node: ``<node>`` (server), ``<node>-port``, ``<node>-fip`` when the
group has floating IPs, ``<node>-volume-<k>`` and ``<node>-attachment-<k>``.
Shared: ``management-keypair``, ``security-group`` (when a group uses the
auto security group), ``anti-affinity-group`` (when anti_affinity is set).
Heat counts every nested resource against ``max_resources_per_stack``
(1000 by default), so nothing else is added per node.

Pure: no Heat import, no I/O.
"""

HOT_VERSION = '2021-04-16'

KEYPAIR = 'management-keypair'
SECURITY_GROUP = 'security-group'
SERVER_GROUP = 'anti-affinity-group'

DEFAULT_SSH_CIDR = '0.0.0.0/0'

OUTPUT_PREFIX = 'node.'


def server_name(cluster_name, node):
    """The Nova server name (and so the hostname cloud-init gives it) of a
    node: unique across clusters of a project, stable across updates."""
    return '%s-%s' % (cluster_name, node)


def port_name(node):
    return node + '-port'


def fip_name(node):
    return node + '-fip'


def volume_name(node, k):
    return '%s-volume-%d' % (node, k)


def attachment_name(node, k):
    return '%s-attachment-%d' % (node, k)


#: per-node resource name suffixes (see the *_name helpers above) and the
#: provisioning phase a failure of that resource is reported in.
_NODE_RESOURCE_PHASES = (('-port', 'network'), ('-fip', 'floating-ip'),
                         ('-volume-', 'volume'),
                         ('-attachment-', 'volume-attach'))


def node_of_resource(resource_name, node_names):
    """``(node, phase)`` for a nested resource generated for a node, or
    ``(None, None)`` for a shared one (keypair, security or server group).
    The server itself is named after its node and fails in phase 'boot'.
    """
    if resource_name in node_names:
        return resource_name, 'boot'
    for suffix, phase in _NODE_RESOURCE_PHASES:
        head, sep, _tail = resource_name.rpartition(suffix)
        if sep and head in node_names:
            return head, phase
    return None, None


def device_name(k):
    """Device of the k-th volume (the first one after the root disk)."""
    return '/dev/vd' + chr(ord('b') + k)


def _ref(name):
    return {'get_resource': name}


def uses_auto_security_group(spec):
    return any(g.auto_security_group for g in spec.node_groups)


def anti_affine(spec, group):
    """Whether the nodes of ``group`` join the anti-affinity server group."""
    return bool(spec.anti_affinity) and any(
        p in spec.anti_affinity for p in group.node_processes)


def per_node_resources(group):
    """Resources one node of ``group`` costs in the nested stack."""
    return 2 + (1 if group.floating_ip else 0) + \
        2 * max(group.volumes_per_node, 0)


def resource_count(spec, layout=None):
    """Resources of the nested stack for ``spec`` (or for ``layout``'s
    nodes, whose groups must be in ``spec``)."""
    total = 1                                   # management keypair
    if uses_auto_security_group(spec):
        total += 1
    if spec.anti_affinity:
        total += 1
    if layout is None:
        return total + sum(max(g.count, 0) * per_node_resources(g)
                           for g in spec.node_groups)
    groups = {g.name: g for g in spec.node_groups}
    return total + sum(per_node_resources(groups[group])
                       for group, _n in layout.nodes())


def _security_group(spec, ports, ssh_cidr):
    rules = [
        {'direction': 'ingress', 'protocol': 'tcp', 'port_range_min': 22,
         'port_range_max': 22, 'remote_mode': 'remote_ip_prefix',
         'remote_ip_prefix': ssh_cidr},
        {'direction': 'ingress', 'protocol': 'icmp',
         'remote_mode': 'remote_ip_prefix', 'remote_ip_prefix': '0.0.0.0/0'},
    ]
    seen = set()
    for rule in ports:
        high = rule.port_max if rule.port_max is not None else rule.port
        key = (rule.port, high, rule.protocol, bool(rule.public))
        if key in seen:
            continue
        seen.add(key)
        entry = {'direction': 'ingress', 'protocol': rule.protocol,
                 'port_range_min': rule.port, 'port_range_max': high}
        if rule.public:
            entry.update(remote_mode='remote_ip_prefix',
                         remote_ip_prefix='0.0.0.0/0')
        else:
            # no remote_group_id: Heat uses the security group itself,
            # i.e. only members of this cluster
            entry.update(remote_mode='remote_group_id')
        rules.append(entry)
    return {'type': 'OS::Neutron::SecurityGroup',
            'properties': {'name': '%s-security-group' % spec.name,
                           'description': 'heat-savanna cluster %s: SSH, '
                           'ICMP and the %s services' % (spec.name,
                                                         spec.plugin_name),
                           'rules': rules}}


def _node_resources(spec, group, node, resources, outputs, server_group):
    port = {'network': spec.management_network}
    sgs = ([_ref(SECURITY_GROUP)] if group.auto_security_group else []) + \
        list(group.security_groups)
    if sgs:
        port['security_groups'] = sgs
    resources[port_name(node)] = {'type': 'OS::Neutron::Port',
                                  'properties': port}

    server = {
        'name': server_name(spec.name, node),
        'image': group.image,
        'flavor': group.flavor,
        'key_name': _ref(KEYPAIR),
        'networks': [{'port': _ref(port_name(node))}],
        'user_data_format': 'RAW',
        'metadata': {'savanna_cluster': spec.name,
                     'savanna_group': group.name,
                     'savanna_node': node,
                     'savanna_processes': ','.join(group.node_processes)},
    }
    if group.availability_zone:
        server['availability_zone'] = group.availability_zone
    if server_group and anti_affine(spec, group):
        server['scheduler_hints'] = {'group': _ref(server_group)}
    resources[node] = {'type': 'OS::Nova::Server', 'properties': server}

    floating = None
    if group.floating_ip:
        resources[fip_name(node)] = {
            'type': 'OS::Neutron::FloatingIP',
            'properties': {'floating_network': spec.floating_ip_pool,
                           'port_id': _ref(port_name(node))}}
        floating = {'get_attr': [fip_name(node), 'floating_ip_address']}

    for k in range(max(group.volumes_per_node, 0)):
        volume = {'name': '%s-%s' % (spec.name, volume_name(node, k)),
                  'size': group.volume_size}
        if group.volume_type:
            volume['volume_type'] = group.volume_type
        if group.volumes_availability_zone:
            volume['availability_zone'] = group.volumes_availability_zone
        resources[volume_name(node, k)] = {'type': 'OS::Cinder::Volume',
                                           'properties': volume}
        resources[attachment_name(node, k)] = {
            'type': 'OS::Cinder::VolumeAttachment',
            'properties': {'instance_uuid': _ref(node),
                           'volume_id': _ref(volume_name(node, k)),
                           'mountpoint': device_name(k)}}

    outputs[OUTPUT_PREFIX + node] = {
        'description': 'node %s of group %s' % (node, group.name),
        'value': {'name': node, 'group': group.name,
                  'processes': list(group.node_processes),
                  'server_id': _ref(node),
                  'fixed_ip': {'get_attr': [port_name(node), 'fixed_ips', 0,
                                            'ip_address']},
                  'floating_ip': floating,
                  'volumes': max(group.volumes_per_node, 0)}}


def generate(spec, layout, ports, keypair_name, public_key, options=None):
    """The nested stack template for ``layout``'s nodes.

    :param ports: the plugin's PortRules for the auto security group.
    :param keypair_name: Nova name of the management keypair.
    :param public_key: its OpenSSH public key (the private half never
        comes here).
    :param options: ``ssh_cidr`` (who may SSH in, default 0.0.0.0/0);
        ``previous_spec``: a ClusterSpec to take group definitions from for
        layout nodes whose group is no longer in ``spec`` (nodes kept until
        decommissioned). Other keys are ignored.
    :raises KeyError: a layout node whose group is in neither spec.
    """
    options = options or {}
    groups = {g.name: g for g in spec.node_groups}
    previous = options.get('previous_spec')
    if previous is not None:
        for g in previous.node_groups:
            groups.setdefault(g.name, g)
    nodes = [(groups[group], name) for group, name in layout.nodes()]

    resources = {KEYPAIR: {'type': 'OS::Nova::KeyPair',
                           'properties': {'name': keypair_name,
                                          'public_key': public_key}}}
    if any(g.auto_security_group for g, _n in nodes) or \
            uses_auto_security_group(spec):
        resources[SECURITY_GROUP] = _security_group(
            spec, ports, options.get('ssh_cidr') or DEFAULT_SSH_CIDR)
    server_group = None
    if spec.anti_affinity:
        server_group = SERVER_GROUP
        resources[SERVER_GROUP] = {
            'type': 'OS::Nova::ServerGroup',
            'properties': {'name': '%s-anti-affinity' % spec.name,
                           'policies': [spec.anti_affinity_policy]}}
    outputs = {}
    for group, name in nodes:
        _node_resources(spec, group, name, resources, outputs, server_group)
    return {'heat_template_version': HOT_VERSION,
            'description': 'heat-savanna cluster %s (%s %s): %d nodes'
            % (spec.name, spec.plugin_name, spec.plugin_version, len(nodes)),
            'resources': resources,
            'outputs': outputs}
