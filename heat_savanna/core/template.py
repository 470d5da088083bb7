"""The nested stacks of a cluster, as HOT template dicts.

Two levels. The cluster's nested stack (:func:`generate`) holds what the
nodes share - ``management-keypair``, ``security-group`` (when a group
uses the auto security group), ``anti-affinity-group`` (when
anti_affinity is set) - and one ``OS::Savanna::NodeSet`` per node set of
the layout (see :mod:`heat_savanna.core.layout`). Each node set is a
child stack of its own (:func:`node_set_template`) with, per node:
``<node>`` (server), ``<node>-port``, ``<node>-fip`` when the group has
floating IPs, ``<node>-volume-<k>`` and ``<node>-attachment-<k>``.

Why two levels: Heat's convergence engine marks a stack FAILED at its
first failing resource and starts nothing more in it, and every check of
a resource loads its whole stack. One child stack per node set keeps a
failing volume that node's failure alone, and keeps each check's cost
that of a small stack. Never a ResourceGroup: node names are stable, an
update that drops ``workers-7`` deletes exactly ``workers-7``'s set, and
Horizon lists every node.

Nodes of a layout stored before node sets existed ("flat" nodes) keep
their resources in the cluster's nested stack itself, under the same
names, until they are removed: a cluster created by an older release is
updated and deleted without replacing a server.

Heat counts every resource of the tree, the node sets included, against
``max_resources_per_stack`` (1000 by default): :func:`resource_count`.

Pure: no Heat import, no I/O.
"""

import math

from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model

HOT_VERSION = '2021-04-16'

KEYPAIR = 'management-keypair'
SECURITY_GROUP = 'security-group'
SERVER_GROUP = 'anti-affinity-group'

NODE_SET_TYPE = 'OS::Savanna::NodeSet'

DEFAULT_SSH_CIDR = '0.0.0.0/0'

OUTPUT_PREFIX = 'node.'

#: the properties of an OS::Savanna::NodeSet (its resource schema in
#: heat_savanna.resources.node_set declares the same names)
NODE_SET_PROPERTIES = (
    NS_CLUSTER_NAME, NS_GROUP, NS_PROCESSES, NS_NODES, NS_IMAGE, NS_FLAVOR,
    NS_KEY_NAME, NS_NETWORK, NS_SECURITY_GROUPS, NS_SERVER_GROUP,
    NS_AVAILABILITY_ZONE, NS_FLOATING_IP_POOL, NS_VOLUMES, NS_TRANSPORT,
    NS_DEPLOYMENTS, NS_DEPLOYMENT_TIMEOUT,
) = (
    'cluster_name', 'group', 'node_processes', 'nodes', 'image', 'flavor',
    'key_name', 'network', 'security_groups', 'server_group',
    'availability_zone', 'floating_ip_pool', 'volumes', 'transport',
    'deployments', 'deployment_timeout',
)
#: one node's entry of a node set's ``deployments``: the script its agent
#: runs and the round (a counter) it belongs to
DEPLOYMENT_KEYS = (DEP_SCRIPT, DEP_ROUND) = ('script', 'round')

#: the Heat agent transport's choices for the servers and deployments:
#: both only need heat-api and Keystone (no heat-api-cfn, no Swift)
SOFTWARE_CONFIG_TRANSPORT = 'POLL_SERVER_HEAT'
SIGNAL_TRANSPORT = 'HEAT_SIGNAL'
#: the agent transport's name, for the node set's schema (declared once,
#: in the model)
AGENT = model.AGENT_TRANSPORT

#: server and volume metadata (and, as ``key=value`` words, port
#: descriptions: a port has no metadata) naming the node set's stack (the
#: cluster's nested stack) and the node a server, port or volume was made
#: for: what finds one made for a request whose answer never reached Heat
#: (see heat_savanna.core.build.strays)
OWNER_KEY = 'savanna_owner'
NODE_KEY = 'savanna_node'

NODE_SET_VOLUME_KEYS = (
    VOL_COUNT, VOL_SIZE, VOL_TYPE, VOL_AVAILABILITY_ZONE,
) = ('count', 'size', 'volume_type', 'availability_zone')


#: ``[savanna] max_concurrent_node_sets``'s default (0: no limit)
DEFAULT_MAX_CONCURRENT_NODE_SETS = 0


def server_name(cluster_name, node):
    """The Nova server name (and so the hostname cloud-init gives it) of a
    node: unique across clusters of a project, stable across updates."""
    return '%s-%s' % (cluster_name, node)


def port_name(node):
    return node + '-port'


def port_marks_text(owner, node):
    """A port's description: the marks servers and volumes carry in their
    metadata, as ``key=value`` words. It goes in the create request itself
    (tags would come in a second call, after the answer that may be
    lost)."""
    return '%s=%s %s=%s' % (OWNER_KEY, owner, NODE_KEY, node)


def port_marks(text):
    """The marks in a port's description (see :func:`port_marks_text`):
    ``{key: value}``, empty for a port without them."""
    marks = {}
    for word in (text or '').split():
        key, sep, value = word.partition('=')
        if sep and key in (OWNER_KEY, NODE_KEY):
            marks[key] = value
    return marks


def fip_name(node):
    return node + '-fip'


def config_name(node):
    return node + '-config'


def deployment_name(node):
    return node + '-deployment'


def volume_name(node, k):
    return '%s-volume-%d' % (node, k)


def attachment_name(node, k):
    return '%s-attachment-%d' % (node, k)


#: per-node resource name suffixes (see the *_name helpers above) and the
#: provisioning phase a failure of that resource is reported in.
_NODE_RESOURCE_PHASES = (('-port', 'network'), ('-fip', 'floating-ip'),
                         ('-volume-', 'volume'),
                         ('-attachment-', 'volume-attach'),
                         ('-config', 'deploy'), ('-deployment', 'deploy'))

#: when several resources of one node failed, the one reported is the
#: earliest in this order (a port that failed explains the rest)
PHASE_ORDER = ('network', 'volume', 'boot', 'volume-attach', 'floating-ip',
               'deploy')


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


def per_node_resources(group, agent=False):
    """Resources one node of ``group`` costs inside its node set (with
    the agent transport, its software config and deployment too)."""
    return 2 + (1 if group.floating_ip else 0) + \
        2 * max(group.volumes_per_node, 0) + (2 if agent else 0)


def _agent(spec):
    return getattr(spec, 'transport', None) == model.AGENT_TRANSPORT


def shared_resources(spec):
    """Resources of the cluster's nested stack that no node owns."""
    # the management keypair (none with the agent: no SSH from the engine)
    total = 0 if _agent(spec) else 1
    if uses_auto_security_group(spec):
        total += 1
    if spec.anti_affinity:
        total += 1
    return total


def resource_count(spec, layout=None, set_size=layout_mod.DEFAULT_SET_SIZE):
    """Resources Heat counts for the cluster (every level, the node sets
    included) for ``spec``'s counts, or for ``layout``'s nodes (whose
    groups must be in ``spec``)."""
    groups = {g.name: g for g in spec.node_groups}
    total = shared_resources(spec)
    if layout is None:
        for g in spec.node_groups:
            count = max(g.count, 0)
            total += math.ceil(count / max(set_size, 1))
            total += count * per_node_resources(g, _agent(spec))
        return total
    total += len(layout.node_sets())
    return total + sum(per_node_resources(groups[group], _agent(spec))
                       for group, _n in layout.nodes())


def _security_group(spec, ports, ssh_cidr):
    rules = [
        {'direction': 'ingress', 'protocol': 'icmp',
         'remote_mode': 'remote_ip_prefix', 'remote_ip_prefix': '0.0.0.0/0'},
    ]
    if not _agent(spec):
        # the engine's SSH; with the agent nothing connects in
        rules.insert(0, {'direction': 'ingress', 'protocol': 'tcp',
                         'port_range_min': 22, 'port_range_max': 22,
                         'remote_mode': 'remote_ip_prefix',
                         'remote_ip_prefix': ssh_cidr})
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
                           'description': 'heat-savanna cluster %s: %sICMP '
                           'and the %s services' % (
                               spec.name, '' if _agent(spec) else 'SSH, ',
                               spec.plugin_name),
                           'rules': rules}}


def node_set_properties(spec, group, nodes, key_name, security_group,
                        server_group, deployments=None,
                        deployment_timeout=None):
    """The properties of the OS::Savanna::NodeSet of ``nodes`` (all of
    ``group``). ``key_name``, ``security_group`` and ``server_group`` are
    values or intrinsic functions (get_resource of the shared resources;
    None when there is none). With the agent transport, ``deployments``
    (``{node: {script, round}}``) are the software deployments of the
    set's nodes, each allowed ``deployment_timeout`` seconds."""
    sgs = ([security_group] if group.auto_security_group and
           security_group is not None else []) + list(group.security_groups)
    props = {
        NS_CLUSTER_NAME: spec.name,
        NS_GROUP: group.name,
        NS_PROCESSES: list(group.node_processes),
        NS_NODES: list(nodes),
        NS_IMAGE: group.image,
        NS_FLAVOR: group.flavor,
        NS_KEY_NAME: key_name,
        NS_NETWORK: spec.management_network,
        NS_SECURITY_GROUPS: sgs,
        NS_VOLUMES: {VOL_COUNT: max(group.volumes_per_node, 0),
                     VOL_SIZE: group.volume_size},
    }
    if key_name is None:
        del props[NS_KEY_NAME]
    if _agent(spec):
        props[NS_TRANSPORT] = model.AGENT_TRANSPORT
        mine = {n: dict(d) for n, d in (deployments or {}).items()
                if n in nodes}
        if mine:
            props[NS_DEPLOYMENTS] = mine
            if deployment_timeout:
                props[NS_DEPLOYMENT_TIMEOUT] = int(deployment_timeout)
    if server_group is not None and anti_affine(spec, group):
        props[NS_SERVER_GROUP] = server_group
    if group.availability_zone:
        props[NS_AVAILABILITY_ZONE] = group.availability_zone
    if group.floating_ip:
        props[NS_FLOATING_IP_POOL] = spec.floating_ip_pool
    if group.volume_type:
        props[NS_VOLUMES][VOL_TYPE] = group.volume_type
    if group.volumes_availability_zone:
        props[NS_VOLUMES][VOL_AVAILABILITY_ZONE] = \
            group.volumes_availability_zone
    return props


def _node_resources(props, node, resources, outputs, owner=None):
    """One node's resources and output, from node-set properties."""
    # named like the server, so an operator (or a fault) finds a node's
    # port in Neutron by name
    port = {'name': '%s-%s' % (props[NS_CLUSTER_NAME], port_name(node)),
            'network': props[NS_NETWORK]}
    if props.get(NS_SECURITY_GROUPS):
        port['security_groups'] = list(props[NS_SECURITY_GROUPS])
    if owner:
        # (OS::Neutron::Port has no description property: value_specs
        # go into the create request as they are)
        port['value_specs'] = {'description': port_marks_text(owner, node)}
    resources[port_name(node)] = {'type': 'OS::Neutron::Port',
                                  'properties': port}

    server = {
        'name': server_name(props[NS_CLUSTER_NAME], node),
        'image': props[NS_IMAGE],
        'flavor': props[NS_FLAVOR],
        'networks': [{'port': _ref(port_name(node))}],
        'user_data_format': 'RAW',
        'metadata': {'savanna_cluster': props[NS_CLUSTER_NAME],
                     'savanna_group': props[NS_GROUP],
                     NODE_KEY: node,
                     'savanna_processes': ','.join(props[NS_PROCESSES]),
                     # exported by Ceilometer (only metering.* is), so an
                     # alarm can aggregate the cluster's servers
                     'metering.server_group': props[NS_CLUSTER_NAME]},
    }
    if owner:
        server['metadata'][OWNER_KEY] = owner
    if props.get(NS_KEY_NAME):
        server['key_name'] = props[NS_KEY_NAME]
    if props.get(NS_AVAILABILITY_ZONE):
        server['availability_zone'] = props[NS_AVAILABILITY_ZONE]
    if props.get(NS_SERVER_GROUP):
        server['scheduler_hints'] = {'group': props[NS_SERVER_GROUP]}
    if props.get(NS_TRANSPORT) == model.AGENT_TRANSPORT:
        # cloud-init hands the agent its first metadata (with the
        # credentials of the server's own stack user) from the user data;
        # then os-collect-config polls Heat's API for the deployments
        server['user_data_format'] = 'SOFTWARE_CONFIG'
        server['software_config_transport'] = SOFTWARE_CONFIG_TRANSPORT
    resources[node] = {'type': 'OS::Nova::Server', 'properties': server}
    deployment = (props.get(NS_DEPLOYMENTS) or {}).get(node)
    if deployment:
        resources[config_name(node)] = {
            'type': 'OS::Heat::SoftwareConfig',
            'properties': {'group': 'script',
                           'config': deployment[DEP_SCRIPT]}}
        resources[deployment_name(node)] = {
            'type': 'OS::Heat::SoftwareDeployment',
            'properties': {
                'config': _ref(config_name(node)),
                'server': _ref(node),
                'signal_transport': SIGNAL_TRANSPORT,
                'actions': ['CREATE', 'UPDATE'],
                # a new round re-runs the script even when it is the
                # same as the last one (e.g. start what is not running)
                'input_values': {'savanna_round': deployment[DEP_ROUND]}}}

    floating = None
    if props.get(NS_FLOATING_IP_POOL):
        resources[fip_name(node)] = {
            'type': 'OS::Neutron::FloatingIP',
            'properties': {'floating_network': props[NS_FLOATING_IP_POOL],
                           'port_id': _ref(port_name(node))}}
        floating = {'get_attr': [fip_name(node), 'floating_ip_address']}

    vols = props.get(NS_VOLUMES) or {}
    for k in range(max(vols.get(VOL_COUNT) or 0, 0)):
        volume = {'name': '%s-%s' % (props[NS_CLUSTER_NAME],
                                     volume_name(node, k)),
                  'size': vols[VOL_SIZE]}
        if owner:
            volume['metadata'] = {OWNER_KEY: owner, NODE_KEY: node}
        if vols.get(VOL_TYPE):
            volume['volume_type'] = vols[VOL_TYPE]
        if vols.get(VOL_AVAILABILITY_ZONE):
            volume['availability_zone'] = vols[VOL_AVAILABILITY_ZONE]
        resources[volume_name(node, k)] = {'type': 'OS::Cinder::Volume',
                                           'properties': volume}
        resources[attachment_name(node, k)] = {
            'type': 'OS::Cinder::VolumeAttachment',
            'properties': {'instance_uuid': _ref(node),
                           'volume_id': _ref(volume_name(node, k)),
                           'mountpoint': device_name(k)}}

    outputs[OUTPUT_PREFIX + node] = {
        'description': 'node %s of group %s' % (node, props[NS_GROUP]),
        'value': {'name': node, 'group': props[NS_GROUP],
                  'processes': list(props[NS_PROCESSES]),
                  'server_id': _ref(node),
                  'fixed_ip': {'get_attr': [port_name(node), 'fixed_ips', 0,
                                            'ip_address']},
                  'floating_ip': floating,
                  'volumes': max(vols.get(VOL_COUNT) or 0, 0)}}


def node_set_template(props, nodes=None, owner=None):
    """The child stack of an OS::Savanna::NodeSet from its properties:
    every per-node resource of ``nodes`` (default: the set's nodes).
    ``owner`` (the id of the stack the set is in) goes into the servers'
    and volumes' metadata and the ports' descriptions."""
    resources, outputs = {}, {}
    nodes = props[NS_NODES] if nodes is None else nodes
    for node in nodes:
        _node_resources(props, node, resources, outputs, owner)
    return {'heat_template_version': HOT_VERSION,
            'description': 'heat-savanna cluster %s, node set of group %s: '
            '%s' % (props[NS_CLUSTER_NAME], props[NS_GROUP],
                    ', '.join(nodes) or 'no nodes'),
            'resources': resources,
            'outputs': outputs}


def validation_template(tmpl):
    """``tmpl`` (a cluster's nested template) with one node set of each
    shape: what Heat's validation of the whole tree needs to see.

    Node sets whose properties differ only in their nodes (and the
    per-node scripts of their deployments) expand into child stacks that
    differ only in names, so validating one of them validates them all,
    as ResourceGroup validates one member; a 200-node cluster then costs
    a validation of a few child stacks, not of 200. A node set that
    another resource names is kept whatever its shape. The sets' pacing
    (their ``depends_on``, see ``max_concurrent_node_sets``) is left out:
    it orders the sets and is no part of what is validated.
    """
    resources = {}
    for name, rsrc in (tmpl.get('resources') or {}).items():
        if rsrc.get('type') == NODE_SET_TYPE and 'depends_on' in rsrc:
            rsrc = {k: v for k, v in rsrc.items() if k != 'depends_on'}
        resources[name] = rsrc
    seen, dropped = set(), []
    for name in sorted(resources, key=_natural):
        rsrc = resources[name]
        if rsrc.get('type') != NODE_SET_TYPE:
            continue
        shape = repr(sorted(
            (k, v) for k, v in (rsrc.get('properties') or {}).items()
            if k not in (NS_NODES, NS_DEPLOYMENTS)))
        if shape in seen:
            dropped.append(name)
        seen.add(shape)
    kept = {n: r for n, r in resources.items() if n not in dropped}
    rest = repr(kept) + repr(tmpl.get('outputs') or {})
    named = {n for n in dropped if repr(n) in rest}
    out = dict(tmpl)
    out['resources'] = {n: r for n, r in resources.items()
                        if n not in dropped or n in named}
    return out


def _natural(name):
    """Sort key: worker-2 before worker-10."""
    head, _, tail = name.rpartition('-')
    return (head, int(tail)) if tail.isdigit() else (name, -1)


def generate(spec, layout, ports, keypair_name, public_key, options=None):
    """The cluster's nested stack template for ``layout``'s nodes.

    :param ports: the plugin's PortRules for the auto security group.
    :param keypair_name: Nova name of the management keypair.
    :param public_key: its OpenSSH public key (the private half never
        comes here).
    :param options: ``ssh_cidr`` (who may SSH in, default 0.0.0.0/0);
        ``previous_spec``: a ClusterSpec to take group definitions from for
        layout nodes whose group is no longer in ``spec`` (nodes kept until
        decommissioned); ``exclude``: node names whose resources are left
        out (failed nodes whose resources were removed); with the agent
        transport, ``deployments`` (``{node: {script, round}}``) and
        ``deployment_timeout`` (seconds); ``max_concurrent_node_sets``
        (``[savanna]``'s option; 0 or None: no limit): each node set
        ``depends_on`` the set that many before it, in the order the sets
        were made, so Heat builds (and deletes) at most that many at once.
        Other keys are ignored.
    :raises KeyError: a layout node whose group is in neither spec.
    """
    options = options or {}
    exclude = set(options.get('exclude') or ())
    groups = {g.name: g for g in spec.node_groups}
    previous = options.get('previous_spec')
    if previous is not None:
        for g in previous.node_groups:
            groups.setdefault(g.name, g)
    nodes = [(groups[group], name) for group, name in layout.nodes()
             if name not in exclude]

    resources = {}
    key_name = _ref(KEYPAIR)
    if _agent(spec):
        # nothing connects to the nodes: only the operator's own key, if
        # any, is injected
        key_name = spec.key_name or None
    else:
        resources[KEYPAIR] = {'type': 'OS::Nova::KeyPair',
                              'properties': {'name': keypair_name,
                                             'public_key': public_key}}
    deployments = options.get('deployments') or {}
    timeout = options.get('deployment_timeout')
    security_group = None
    if any(g.auto_security_group for g, _n in nodes) or \
            uses_auto_security_group(spec):
        resources[SECURITY_GROUP] = _security_group(
            spec, ports, options.get('ssh_cidr') or DEFAULT_SSH_CIDR)
        security_group = _ref(SECURITY_GROUP)
    server_group = None
    if spec.anti_affinity:
        server_group = _ref(SERVER_GROUP)
        resources[SERVER_GROUP] = {
            'type': 'OS::Nova::ServerGroup',
            'properties': {'name': '%s-anti-affinity' % spec.name,
                           'policies': [spec.anti_affinity_policy]}}
    outputs = {}
    at_once = options.get('max_concurrent_node_sets') or 0
    made = []
    for node_set in layout.node_sets():
        members = [n for n in node_set.nodes if n not in exclude]
        if not members:
            continue
        resources[node_set.name] = {
            'type': NODE_SET_TYPE,
            'properties': node_set_properties(
                spec, groups[node_set.group], members, key_name,
                security_group, server_group, deployments, timeout)}
        if at_once and len(made) >= at_once:
            resources[node_set.name]['depends_on'] = [made[-at_once]]
        made.append(node_set.name)
    for group_name, name in layout.flat_nodes():
        if name in exclude:
            continue
        props = node_set_properties(spec, groups[group_name], [name],
                                    key_name, security_group,
                                    server_group)
        _node_resources(props, name, resources, outputs)
    return {'heat_template_version': HOT_VERSION,
            'description': 'heat-savanna cluster %s (%s %s): %d nodes'
            % (spec.name, spec.plugin_name, spec.plugin_version, len(nodes)),
            'resources': resources,
            'outputs': outputs}
