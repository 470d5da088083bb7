"""The property and attribute schemas of ``OS::Savanna::Cluster``.

The property names, limits and allowed values are the pure
:mod:`heat_savanna.core.model`'s, which ``heat-savanna validate`` checks
with too: the schema here and the model can never disagree.
:class:`heat_savanna.resources.cluster.SavannaCluster` declares these.
"""

from heat.common.i18n import _
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties

from heat_savanna.core import autoheal
from heat_savanna.core import bootstrap
from heat_savanna.core import model

ATTRIBUTES = (
    STATUS, NODES, ACTIVE_COUNT, DESIRED_COUNT, FAILED_NODES,
    MASTER_ADDRESS, MASTER_SERVER, ENDPOINTS, INFO, SIGNAL_URL,
    ALARM_URL,
) = (
    'status', 'nodes', 'active_count', 'desired_count', 'failed_nodes',
    'master_address', 'master_server', 'endpoints', 'info', 'signal_url',
    'alarm_url',
)


def _bootstrap(whose):
    """The schema of a ``bootstrap`` list (the cluster's or a group's)."""
    low, high = bootstrap.TIMEOUT_RANGE
    return properties.Schema(
        properties.Schema.LIST,
        _('Scripts run as root on each node %s, in order, before the '
          'plugin configures it (extra packages, mounts, agents). A failing '
          'script fails that node alone, in phase "bootstrap". They run on '
          'the nodes a create, heal or scale-up builds; a change applies '
          'to the nodes built from then on.') % whose,
        default=[],
        schema=properties.Schema(properties.Schema.MAP, schema={
            bootstrap.NAME: properties.Schema(
                properties.Schema.STRING,
                _('Name of the script, unique in its list.'),
                required=True,
                constraints=[
                    constraints.Length(min=1, max=bootstrap.NAME_MAX),
                    constraints.AllowedPattern(bootstrap.NAME_PATTERN)]),
            bootstrap.SCRIPT: properties.Schema(
                properties.Schema.STRING,
                _('The script (inline, or {get_file: ...}); without a '
                  '"#!" line it runs with /bin/sh.'),
                required=True),
            bootstrap.TIMEOUT: properties.Schema(
                properties.Schema.INTEGER,
                _('Seconds the script may run.'),
                default=bootstrap.DEFAULT_TIMEOUT,
                constraints=[constraints.Range(min=low, max=high)]),
        }),
        update_allowed=True)


NODE_GROUP_SCHEMA = {
    model.NG_NAME: properties.Schema(
        properties.Schema.STRING,
        _('Name of the node group; node names are "<name>-<index>". '
          'Letters, digits and "-" only, starting with a letter.'),
        required=True,
        constraints=[
            constraints.Length(min=1, max=model.NAME_MAX),
            constraints.AllowedPattern(
                model.NAME_PATTERN,
                _('must start with a letter and contain only letters, '
                  'digits and "-"')),
        ]),
    model.NG_COUNT: properties.Schema(
        properties.Schema.INTEGER,
        _('Number of nodes in the group. Changing it resizes the group '
          'in place (scale-down decommissions first).'),
        required=True,
        constraints=[constraints.Range(min=0)],
        update_allowed=True),
    model.NG_MIN_ACTIVE: properties.Schema(
        properties.Schema.STRING,
        _('Least number of active nodes for the cluster to be usable, as '
          'a number (e.g. "9") or a percentage of count rounded up '
          '(e.g. "90%"). Defaults to count: every node must be active.'),
        constraints=[constraints.AllowedPattern(
            model.MIN_ACTIVE_PATTERN,
            _('a whole number or a percentage like 90%'))],
        update_allowed=True),
    model.NG_FLAVOR: properties.Schema(
        properties.Schema.STRING,
        _('Flavor of the group\'s servers; defaults to the cluster '
          'flavor.'),
        constraints=[constraints.CustomConstraint('nova.flavor')]),
    model.NG_IMAGE: properties.Schema(
        properties.Schema.STRING,
        _('Image of the group\'s servers; defaults to the cluster '
          'image.'),
        constraints=[constraints.CustomConstraint('glance.image')]),
    model.NG_NODE_PROCESSES: properties.Schema(
        properties.Schema.LIST,
        _('Processes every node of the group runs, e.g. [master] for '
          'spark or [datanode, nodemanager] for vanilla.'),
        required=True,
        constraints=[constraints.Length(min=1)],
        schema=properties.Schema(properties.Schema.STRING)),
    model.NG_VOLUMES_PER_NODE: properties.Schema(
        properties.Schema.INTEGER,
        _('Number of Cinder volumes attached to each node.'),
        default=0,
        constraints=[constraints.Range(
            min=0, max=model.VOLUMES_PER_NODE_MAX)]),
    model.NG_VOLUME_SIZE: properties.Schema(
        properties.Schema.INTEGER,
        _('Size of each volume in GB.'),
        default=model.DEFAULT_VOLUME_SIZE,
        constraints=[constraints.Range(min=model.VOLUME_SIZE_MIN)]),
    model.NG_VOLUME_TYPE: properties.Schema(
        properties.Schema.STRING,
        _('Cinder volume type of the volumes.'),
        constraints=[constraints.CustomConstraint('cinder.vtype')]),
    model.NG_VOLUMES_AZ: properties.Schema(
        properties.Schema.STRING,
        _('Availability zone of the volumes.')),
    model.NG_AZ: properties.Schema(
        properties.Schema.STRING,
        _('Availability zone of the group\'s servers.')),
    model.NG_FLOATING_IP: properties.Schema(
        properties.Schema.BOOLEAN,
        _('Give every node a floating IP from floating_ip_pool.'),
        default=False),
    model.NG_SECURITY_GROUPS: properties.Schema(
        properties.Schema.LIST,
        _('Extra security groups for the group\'s ports.'),
        default=[],
        schema=properties.Schema(properties.Schema.STRING)),
    model.NG_AUTO_SECURITY_GROUP: properties.Schema(
        properties.Schema.BOOLEAN,
        _('Put the group\'s ports in the cluster\'s generated security '
          'group (SSH from access_cidrs.ssh, service ports within the '
          'cluster, web UIs from access_cidrs.web_ui).'),
        default=True),
    model.NG_NODE_CONFIGS: properties.Schema(
        properties.Schema.MAP,
        _('Per-group service configuration, {section: {key: value}}, '
          'merged over cluster_configs.'),
        default={},
        update_allowed=True),
    model.NG_MIN_COUNT: properties.Schema(
        properties.Schema.INTEGER,
        _('Fewest nodes a resize by signal may leave in the group; '
          'defaults to min_active.'),
        constraints=[constraints.Range(min=0)],
        update_allowed=True),
    model.NG_MAX_COUNT: properties.Schema(
        properties.Schema.INTEGER,
        _('Most nodes a resize by signal may give the group; defaults '
          'to count (no growth by signal unless set).'),
        constraints=[constraints.Range(min=0)],
        update_allowed=True),
    model.NG_BOOTSTRAP: _bootstrap(_('of the group, after the cluster\'s '
                                     'own')),
}

ACCESS_CIDRS_SCHEMA = {
    model.ACCESS_SSH: properties.Schema(
        properties.Schema.LIST,
        _('CIDRs (IPv4 or IPv6) that may reach SSH (port 22). Left out: '
          'the cloud operator\'s [savanna] ssh_cidr. With transport ssh '
          'heat-engine connects to the nodes from its own network, which '
          'must be among them (the list may not be empty); with transport '
          'heat-agent no SSH port is opened (leave it out).'),
        constraints=[constraints.Length(max=model.ACCESS_CIDRS_MAX)],
        schema=properties.Schema(properties.Schema.STRING)),
    model.ACCESS_WEB_UI: properties.Schema(
        properties.Schema.LIST,
        _('CIDRs (IPv4 or IPv6) that may reach the web UIs the plugin '
          'opens (Spark master, worker, application and history UIs; '
          'HDFS namenode, YARN resourcemanager and MapReduce history '
          'UIs). Empty, the default: no web UI is reachable from outside '
          'the cluster. 0.0.0.0/0 or ::/0 is refused when a web UI port '
          'runs code for anyone who reaches it (YARN\'s resourcemanager '
          'REST API): give a narrower CIDR.'),
        default=[],
        constraints=[constraints.Length(max=model.ACCESS_CIDRS_MAX)],
        schema=properties.Schema(properties.Schema.STRING)),
}


def _number(key, text):
    """An integer of auto_heal, its default and bounds the core's."""
    low, high = autoheal.BOUNDS[key]
    return properties.Schema(
        properties.Schema.INTEGER, text,
        default=getattr(autoheal.AutoHeal(), key),
        constraints=[constraints.Range(min=low, max=high)])


AUTO_HEAL_SCHEMA = {
    autoheal.ENABLED: properties.Schema(
        properties.Schema.BOOLEAN,
        _('Run the watchdog inside the cluster (on the master, watching '
          'the workers with the plugin\'s health rules, and on one '
          'worker, watching the master) and rebuild a node it reports '
          'lost, with no alarm service and no operator. The engine '
          're-checks every node before it rebuilds anything.'),
        default=False),
    autoheal.GRACE_PERIOD: _number(
        autoheal.GRACE_PERIOD,
        _('Seconds a node must stay lost before the watchdog reports it '
          '(a node back within it is not rebuilt).')),
    autoheal.COOLDOWN: _number(
        autoheal.COOLDOWN,
        _('Seconds after an automatic heal starts before the next report '
          'is accepted.')),
    autoheal.MAX_REBUILDS_PER_HOUR: _number(
        autoheal.MAX_REBUILDS_PER_HOUR,
        _('Nodes rebuilt automatically in any hour, at most; past it the '
          'lost nodes stay failed (PARTIALLY_ACTIVE) until healed by '
          'hand: no heal storms.')),
    autoheal.INTERVAL: _number(
        autoheal.INTERVAL,
        _('Seconds between two looks of the watchdog.')),
}

PROPERTIES_SCHEMA = {
    model.NAME: properties.Schema(
        properties.Schema.STRING,
        _('Cluster name, used in server names; defaults to the '
          'resource name.'),
        constraints=[
            constraints.Length(min=1, max=model.NAME_MAX),
            constraints.AllowedPattern(
                model.NAME_PATTERN,
                _('must start with a letter and contain only letters, '
                  'digits and "-"')),
        ]),
    model.PLUGIN_NAME: properties.Schema(
        properties.Schema.STRING,
        _('Provisioning plugin: "spark" (Spark standalone) or "vanilla" '
          '(Apache Hadoop 3: HDFS, YARN, MapReduce history).'),
        required=True),
    model.PLUGIN_VERSION: properties.Schema(
        properties.Schema.STRING,
        _('Version of the framework the plugin deploys, e.g. "4.3.0" '
          'for spark or "3.4.1" for vanilla. Defaults to the plugin\'s '
          'default (newest) version; the version chosen shows in the '
          'info attribute.')),
    model.IMAGE: properties.Schema(
        properties.Schema.STRING,
        _('Default image of the cluster\'s servers; it must carry the '
          'framework (Java and Spark or Hadoop on the path).'),
        required=True,
        constraints=[constraints.CustomConstraint('glance.image')]),
    model.FLAVOR: properties.Schema(
        properties.Schema.STRING,
        _('Default flavor of the cluster\'s servers.'),
        required=True,
        constraints=[constraints.CustomConstraint('nova.flavor')]),
    model.KEY_NAME: properties.Schema(
        properties.Schema.STRING,
        _('Optional keypair of the operator, authorised on every node '
          'beside the cluster\'s own management key.'),
        constraints=[constraints.CustomConstraint('nova.keypair')]),
    model.SSH_USER: properties.Schema(
        properties.Schema.STRING,
        _('Login user of the image. Defaults to the image property '
          'os_admin_user, else "ubuntu".'),
        constraints=[constraints.Length(min=1,
                                        max=model.SSH_USER_MAX)]),
    model.MANAGEMENT_NETWORK: properties.Schema(
        properties.Schema.STRING,
        _('Neutron network the nodes are plugged into; the engine must '
          'reach it over SSH (or use floating IPs).'),
        required=True,
        constraints=[constraints.CustomConstraint('neutron.network')]),
    model.FLOATING_IP_POOL: properties.Schema(
        properties.Schema.STRING,
        _('External network floating IPs come from; required when a '
          'node group sets floating_ip.'),
        constraints=[constraints.CustomConstraint('neutron.network')]),
    model.NODE_GROUPS: properties.Schema(
        properties.Schema.LIST,
        _('Node groups of the cluster. Counts, min_active and '
          'node_configs update in place; adding or removing a group '
          'updates in place too.'),
        required=True,
        constraints=[constraints.Length(min=1)],
        schema=properties.Schema(properties.Schema.MAP,
                                 schema=NODE_GROUP_SCHEMA),
        update_allowed=True),
    model.ANTI_AFFINITY: properties.Schema(
        properties.Schema.LIST,
        _('Node processes whose nodes must land on different hosts '
          '(one server group with anti_affinity_policy holds them).'),
        default=[],
        schema=properties.Schema(properties.Schema.STRING)),
    model.ANTI_AFFINITY_POLICY: properties.Schema(
        properties.Schema.STRING,
        _('Server group policy of the anti-affinity group: hard '
          '"anti-affinity" fails a boot when no host is left, '
          '"soft-anti-affinity" spreads as well as it can.'),
        default=model.HARD_ANTI_AFFINITY,
        constraints=[constraints.AllowedValues(
            list(model.ANTI_AFFINITY_POLICIES))]),
    model.CLUSTER_CONFIGS: properties.Schema(
        properties.Schema.MAP,
        _('Service configuration, {section: {key: value}}; sections '
          'are the plugin\'s (e.g. HDFS, YARN, spark-defaults). A '
          'change is applied in place: files rewritten, only the '
          'services it concerns restarted, node by node.'),
        default={},
        update_allowed=True),
    model.REMOVAL_CANDIDATES: properties.Schema(
        properties.Schema.LIST,
        _('Node names to remove first when a group scales down (after '
          'failed nodes, before the newest).'),
        default=[],
        schema=properties.Schema(properties.Schema.STRING),
        update_allowed=True),
    model.ALARM_ACTION: properties.Schema(
        properties.Schema.MAP,
        _('What a signal without an "action" does (an alarm posting '
          'its own body to alarm_url): {action: heal}, {action: '
          'check}, or {action: resize, group: <name>, count: <n> or '
          'adjustment: <+/-n>}.'),
        update_allowed=True),
    model.TRANSPORT: properties.Schema(
        properties.Schema.STRING,
        _('How the nodes are configured: "ssh", the engine connects '
          'to every node over SSH (it must reach the management '
          'network or floating IPs); "heat-agent", every node\'s Heat '
          'agent (os-collect-config with the heat-config script hook '
          'on the image) pulls software deployments from Heat and '
          'signals their outcome back, and the engine never connects '
          'to a node. Cannot change on a running cluster.'),
        default=model.SSH_TRANSPORT,
        constraints=[constraints.AllowedValues(list(model.TRANSPORTS))],
        update_allowed=True),
    model.ACCESS_CIDRS: properties.Schema(
        properties.Schema.MAP,
        _('Who may reach the nodes from outside the cluster, per kind of '
          'access: {ssh: [CIDR, ...], web_ui: [CIDR, ...]}. The cluster\'s '
          'own service ports are open between its members only. A change '
          'updates the rules of the cluster\'s security group in place '
          '(no server is replaced).'),
        schema=ACCESS_CIDRS_SCHEMA,
        update_allowed=True),
    model.BOOTSTRAP: _bootstrap(_('of the cluster')),
    model.AUTO_HEAL: properties.Schema(
        properties.Schema.MAP,
        _('Automatic rebuild of lost nodes: {enabled: true} is enough. '
          'A change applies in place: the watchdog is started, re-set or '
          'stopped with the next update.'),
        schema=AUTO_HEAL_SCHEMA,
        update_allowed=True),
}

ATTRIBUTES_SCHEMA = {
    STATUS: attributes.Schema(
        _('ACTIVE, PARTIALLY_ACTIVE (usable, some nodes to rebuild) or '
          'FAILED.'),
        type=attributes.Schema.STRING),
    NODES: attributes.Schema(
        _('Every node: name, group, processes, address (floating if '
          'any), internal address, server id, state, and the phase and '
          'reason of a failure.'),
        type=attributes.Schema.LIST),
    ACTIVE_COUNT: attributes.Schema(
        _('Number of active nodes.'),
        type=attributes.Schema.INTEGER),
    DESIRED_COUNT: attributes.Schema(
        _('Number of nodes the node groups ask for.'),
        type=attributes.Schema.INTEGER),
    FAILED_NODES: attributes.Schema(
        _('Failed nodes with the phase and reason; the next stack update '
          'rebuilds them.'),
        type=attributes.Schema.LIST),
    MASTER_ADDRESS: attributes.Schema(
        _('Address of the master node (spark master or namenode).'),
        type=attributes.Schema.STRING),
    MASTER_SERVER: attributes.Schema(
        _('Nova server id of the master node: where software '
          'deployments (an OS::Savanna::Job\'s, or your own '
          'OS::Heat::SoftwareDeployment) run on a cluster with '
          'transport heat-agent.'),
        type=attributes.Schema.STRING),
    ENDPOINTS: attributes.Schema(
        _('Web UIs and service URLs of the cluster.'),
        type=attributes.Schema.MAP),
    INFO: attributes.Schema(
        _('Summary: plugin, version, per-group counts, status line.'),
        type=attributes.Schema.MAP),
    SIGNAL_URL: attributes.Schema(
        _('Heat API URL that signals the cluster (POST with a token; '
          'body e.g. {"action": "heal"}).'),
        type=attributes.Schema.STRING),
    ALARM_URL: attributes.Schema(
        _('Pre-signed URL that signals the cluster without a token, '
          'for an alarm\'s alarm_actions (as OS::Heat::ScalingPolicy\'s '
          'alarm_url): a POST without an "action" does alarm_action. '
          'Served by heat-api-cfn; made (a stack domain user and its '
          'EC2 keypair) when first read.'),
        type=attributes.Schema.STRING),
}
