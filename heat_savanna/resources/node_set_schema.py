"""The property and attribute schemas of ``OS::Savanna::NodeSet``.

The property names are the pure :mod:`heat_savanna.core.template`'s, which
writes node sets into the cluster's nested template;
:class:`heat_savanna.resources.node_set.NodeSet` declares these.
"""

from heat.common.i18n import _
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties

from heat_savanna.core import model
from heat_savanna.core import template

ATTRIBUTES = (NODES_ATTR,) = ('nodes',)

# Image, flavor and networks carry no lookup constraint here: the
# cluster's own properties were checked against the cloud, and the
# servers and ports of the child stack check them again; a lookup per
# node set would be one more Glance/Nova/Neutron call per node, at
# every validation and create, for nothing.
PROPERTIES_SCHEMA = {
    template.NS_CLUSTER_NAME: properties.Schema(
        properties.Schema.STRING,
        _('Name of the cluster; servers are called '
          '"<cluster_name>-<node>".'),
        required=True,
        constraints=[constraints.Length(min=1, max=model.NAME_MAX)]),
    template.NS_GROUP: properties.Schema(
        properties.Schema.STRING,
        _('Node group the nodes belong to.'),
        required=True,
        constraints=[constraints.Length(min=1, max=model.NAME_MAX)]),
    template.NS_PROCESSES: properties.Schema(
        properties.Schema.LIST,
        _('Processes the nodes run (server metadata).'),
        required=True,
        schema=properties.Schema(properties.Schema.STRING)),
    template.NS_NODES: properties.Schema(
        properties.Schema.LIST,
        _('Stable names of the nodes of this set, e.g. workers-7. '
          'Nodes only ever leave a set.'),
        required=True,
        schema=properties.Schema(properties.Schema.STRING),
        update_allowed=True),
    template.NS_IMAGE: properties.Schema(
        properties.Schema.STRING,
        _('Image of the servers.'),
        required=True),
    template.NS_FLAVOR: properties.Schema(
        properties.Schema.STRING,
        _('Flavor of the servers.'),
        required=True),
    template.NS_KEY_NAME: properties.Schema(
        properties.Schema.STRING,
        _('Nova keypair injected into the servers (the cluster\'s '
          'management key; with the agent transport the operator\'s '
          'keypair, if any).')),
    template.NS_NETWORK: properties.Schema(
        properties.Schema.STRING,
        _('Network of the nodes\' ports.'),
        required=True),
    template.NS_SECURITY_GROUPS: properties.Schema(
        properties.Schema.LIST,
        _('Security groups of the nodes\' ports (updated in place: '
          'the ports take the new groups, no server is replaced).'),
        default=[],
        schema=properties.Schema(properties.Schema.STRING),
        update_allowed=True),
    template.NS_SERVER_GROUP: properties.Schema(
        properties.Schema.STRING,
        _('Server group (anti-affinity) the servers are scheduled in.')),
    template.NS_AVAILABILITY_ZONE: properties.Schema(
        properties.Schema.STRING,
        _('Availability zone of the servers.')),
    template.NS_FLOATING_IP_POOL: properties.Schema(
        properties.Schema.STRING,
        _('External network to give every node a floating IP from; '
          'none when unset.')),
    template.NS_VOLUMES: properties.Schema(
        properties.Schema.MAP,
        _('Cinder volumes of every node.'),
        default={},
        schema={
            template.VOL_COUNT: properties.Schema(
                properties.Schema.INTEGER,
                _('Volumes per node.'), default=0,
                constraints=[constraints.Range(
                    min=0, max=model.VOLUMES_PER_NODE_MAX)]),
            template.VOL_SIZE: properties.Schema(
                properties.Schema.INTEGER,
                _('Size of each volume in GB.'),
                default=model.DEFAULT_VOLUME_SIZE,
                constraints=[constraints.Range(min=model.VOLUME_SIZE_MIN)]),
            template.VOL_TYPE: properties.Schema(
                properties.Schema.STRING,
                _('Volume type.')),
            template.VOL_AVAILABILITY_ZONE: properties.Schema(
                properties.Schema.STRING,
                _('Availability zone of the volumes.')),
        }),
    template.NS_TRANSPORT: properties.Schema(
        properties.Schema.STRING,
        _('"heat-agent": the servers take software deployments '
          '(user_data_format SOFTWARE_CONFIG, polling Heat\'s API) '
          'and no SSH host key is awaited.'),
        constraints=[constraints.AllowedValues([model.AGENT_TRANSPORT])]),
    template.NS_DEPLOYMENTS: properties.Schema(
        properties.Schema.MAP,
        _('Per node: {script, round}, the script the node\'s agent runs '
          '(an OS::Heat::SoftwareConfig of group "script" and its '
          'OS::Heat::SoftwareDeployment) for the cluster\'s current '
          'round of configuration.'),
        default={},
        update_allowed=True),
    template.NS_DEPLOYMENT_TIMEOUT: properties.Schema(
        properties.Schema.INTEGER,
        _('Seconds the deployments may take before a node that has not '
          'signalled fails.'),
        constraints=[constraints.Range(min=60)],
        update_allowed=True),
}

ATTRIBUTES_SCHEMA = {
    NODES_ATTR: attributes.Schema(
        _('Per node: state (BUILT or FAILED), phase and reason of a '
          'failure, server id, fixed and floating address, SSH host '
          'keys.'),
        type=attributes.Schema.MAP),
}
