"""The nested stacks of a cluster, as HOT template dicts.

Two levels. The cluster's nested stack (:func:`generate`) holds what the
nodes share - ``management-keypair``, ``security-group`` (when a group
uses the auto security group), ``anti-affinity-group`` (when
anti_affinity is set) - and one ``OS::Savanna::NodeSet`` per node set of
the layout (see :mod:`heat_savanna.core.layout`), whose properties
:func:`node_set_properties` fills. Each node set is a child stack of its
own (:mod:`heat_savanna.core.node_set_template`) with every resource of
its nodes (named by :mod:`heat_savanna.core.names`).

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

from heat_savanna.core import exposure
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core.node_set_template import node_resources
from heat_savanna.core.node_set_template import ref
# The node set's template and the resource names have their own modules;
# callers outside the core still know them as template.X.
from heat_savanna.core.names import (  # noqa: F401
    NODE_KEY, OWNER_KEY, PHASE_ORDER, deployment_name, device_name,
    node_of_resource, port_marks, port_marks_text, port_name, server_name,
    volume_name)
from heat_savanna.core.node_set_template import (  # noqa: F401
    DEP_ROUND, DEP_SCRIPT, DEPLOYMENT_KEYS, HOT_VERSION, NODE_SET_PROPERTIES,
    NODE_SET_VOLUME_KEYS, NS_AVAILABILITY_ZONE, NS_CLUSTER_NAME,
    NS_DEPLOYMENT_TIMEOUT, NS_DEPLOYMENTS, NS_FLAVOR, NS_FLOATING_IP_POOL,
    NS_GROUP, NS_IMAGE, NS_KEY_NAME, NS_NETWORK, NS_NODES, NS_PROCESSES,
    NS_SECURITY_GROUPS, NS_SERVER_GROUP, NS_TRANSPORT, NS_VOLUMES,
    OUTPUT_PREFIX, node_set_template, VOL_AVAILABILITY_ZONE, VOL_COUNT,
    VOL_SIZE, VOL_TYPE)

KEYPAIR = 'management-keypair'
SECURITY_GROUP = 'security-group'
SERVER_GROUP = 'anti-affinity-group'

NODE_SET_TYPE = 'OS::Savanna::NodeSet'

DEFAULT_SSH_CIDR = '0.0.0.0/0'

#: the agent transport's name, for the node set's schema (declared once,
#: in the model)
AGENT = model.AGENT_TRANSPORT

#: ``[savanna] max_concurrent_node_sets``'s default (0: no limit)
DEFAULT_MAX_CONCURRENT_NODE_SETS = 0


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


def _cidr_rule(cidr, protocol, low, high):
    """An ingress rule from ``cidr`` (written as Neutron wants it: the
    network with its prefix, and IPv6's ethertype)."""
    rule = {'direction': 'ingress', 'protocol': protocol,
            'port_range_min': low, 'port_range_max': high,
            'remote_mode': 'remote_ip_prefix', 'remote_ip_prefix': cidr}
    try:
        net = exposure.network(cidr)
    except ValueError:
        return rule         # validation refuses it first
    rule['remote_ip_prefix'] = str(net)
    if net.version == 6:
        rule['ethertype'] = 'IPv6'
    return rule


def ssh_cidrs(spec, default=DEFAULT_SSH_CIDR):
    """Who may reach port 22: ``access_cidrs.ssh``, else ``default`` (the
    operator's ``[savanna] ssh_cidr``); nobody with the agent transport,
    where nothing connects to a node."""
    if _agent(spec):
        return []
    ssh = spec.access_cidrs.ssh
    return list(ssh) if ssh is not None else [default]


def _security_group(spec, ports, ssh_cidr):
    rules = [_cidr_rule(cidr, 'tcp', 22, 22)
             for cidr in ssh_cidrs(spec, ssh_cidr)]
    rules.append({'direction': 'ingress', 'protocol': 'icmp',
                  'remote_mode': 'remote_ip_prefix',
                  'remote_ip_prefix': '0.0.0.0/0'})
    web_ui = list(spec.access_cidrs.web_ui)
    for rule in ports:
        high = rule.port_max if rule.port_max is not None else rule.port
        # every port between members (no remote_group_id: Heat uses the
        # security group itself, i.e. only members of this cluster); the
        # nodes read the web UIs too (e.g. the Spark master's status page)
        rules.append({'direction': 'ingress', 'protocol': rule.protocol,
                      'port_range_min': rule.port, 'port_range_max': high,
                      'remote_mode': 'remote_group_id'})
        if rule.public:
            # the web UIs from outside: access_cidrs.web_ui only (none by
            # default: closed)
            rules += [_cidr_rule(cidr, rule.protocol, rule.port, high)
                      for cidr in web_ui]
    # Neutron refuses a rule the group already has: one of each
    unique = []
    for rule in rules:
        if rule not in unique:
            unique.append(rule)
    return {'type': 'OS::Neutron::SecurityGroup',
            'properties': {'name': '%s-security-group' % spec.name,
                           'description': _description(spec, web_ui,
                                                       ssh_cidr),
                           'rules': unique}}


def _description(spec, web_ui, ssh_cidr):
    """What the group lets in, in words (Horizon shows it; Neutron takes
    at most 255 characters)."""
    ssh = ssh_cidrs(spec, ssh_cidr)
    parts = ['SSH from %s' % _cidrs_text(ssh)] if ssh else []
    parts += ['ICMP', 'the %s services between members' % spec.plugin_name,
              'web UIs from %s' % _cidrs_text(web_ui) if web_ui
              else 'no web UI from outside']
    return 'heat-savanna cluster %s: %s' % (spec.name, ', '.join(parts))


def _cidrs_text(cidrs):
    return cidrs[0] if len(cidrs) == 1 else '%d CIDRs' % len(cidrs)


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
    :param options: ``ssh_cidr`` (who may SSH in when the spec's
        ``access_cidrs`` has no ``ssh``, default 0.0.0.0/0);
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
    key_name = ref(KEYPAIR)
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
        security_group = ref(SECURITY_GROUP)
    server_group = None
    if spec.anti_affinity:
        server_group = ref(SERVER_GROUP)
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
        node_resources(props, name, resources, outputs)
    return {'heat_template_version': HOT_VERSION,
            'description': 'heat-savanna cluster %s (%s %s): %d nodes'
            % (spec.name, spec.plugin_name, spec.plugin_version, len(nodes)),
            'resources': resources,
            'outputs': outputs}
