"""The child stack of an OS::Savanna::NodeSet: every node's resources.

Per node: ``<node>`` (server), ``<node>-port``, ``<node>-fip`` when the
group has floating IPs, ``<node>-volume-<k>`` and ``<node>-attachment-<k>``,
and with the agent transport ``<node>-config`` and ``<node>-deployment``
(names: :mod:`heat_savanna.core.names`). Made from the node set's
properties alone (:data:`NODE_SET_PROPERTIES`), which the cluster's
template (:mod:`heat_savanna.core.template`) fills. Pure: no Heat import,
no I/O.
"""

from heat_savanna.core import model
from heat_savanna.core.names import attachment_name
from heat_savanna.core.names import config_name
from heat_savanna.core.names import deployment_name
from heat_savanna.core.names import device_name
from heat_savanna.core.names import fip_name
from heat_savanna.core.names import NODE_KEY
from heat_savanna.core.names import OWNER_KEY
from heat_savanna.core.names import port_marks_text
from heat_savanna.core.names import port_name
from heat_savanna.core.names import server_name
from heat_savanna.core.names import volume_name

HOT_VERSION = '2021-04-16'

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
#: the deployment input carrying its round (a new round re-runs it)
ROUND_INPUT = 'savanna_round'

#: the Heat agent transport's choices for the servers and deployments:
#: both only need heat-api and Keystone (no heat-api-cfn, no Swift)
SOFTWARE_CONFIG_TRANSPORT = 'POLL_SERVER_HEAT'
SIGNAL_TRANSPORT = 'HEAT_SIGNAL'

NODE_SET_VOLUME_KEYS = (
    VOL_COUNT, VOL_SIZE, VOL_TYPE, VOL_AVAILABILITY_ZONE,
) = ('count', 'size', 'volume_type', 'availability_zone')


def ref(name):
    """``get_resource`` of ``name``: an intrinsic function."""
    return {'get_resource': name}


def node_resources(props, node, resources, outputs, owner=None):
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
        'networks': [{'port': ref(port_name(node))}],
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
                'config': ref(config_name(node)),
                'server': ref(node),
                'signal_transport': SIGNAL_TRANSPORT,
                'actions': ['CREATE', 'UPDATE'],
                # a new round re-runs the script even when it is the
                # same as the last one (e.g. start what is not running)
                'input_values': {ROUND_INPUT: deployment[DEP_ROUND]}}}

    floating = None
    if props.get(NS_FLOATING_IP_POOL):
        resources[fip_name(node)] = {
            'type': 'OS::Neutron::FloatingIP',
            'properties': {'floating_network': props[NS_FLOATING_IP_POOL],
                           'port_id': ref(port_name(node))}}
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
            'properties': {'instance_uuid': ref(node),
                           'volume_id': ref(volume_name(node, k)),
                           'mountpoint': device_name(k)}}

    outputs[OUTPUT_PREFIX + node] = {
        'description': 'node %s of group %s' % (node, props[NS_GROUP]),
        'value': {'name': node, 'group': props[NS_GROUP],
                  'processes': list(props[NS_PROCESSES]),
                  'server_id': ref(node),
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
        node_resources(props, node, resources, outputs, owner)
    return {'heat_template_version': HOT_VERSION,
            'description': 'heat-savanna cluster %s, node set of group %s: '
            '%s' % (props[NS_CLUSTER_NAME], props[NS_GROUP],
                    ', '.join(nodes) or 'no nodes'),
            'resources': resources,
            'outputs': outputs}
