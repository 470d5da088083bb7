"""OS::Savanna::Cluster: a whole data-processing cluster as one resource.

This module is deliberately thin: the property schema, and handlers that hand
the work to the pure core (model, validation, layout, nested template,
health) and to the provisioning driver (plugin steps over SSH). Node-level
state lives in the resource's data (JSON), the management private key in
Heat's encrypted resource data (``redact=True``) and nowhere else.
"""

from oslo_config import cfg
from oslo_log import log as logging

from heat.common import exception
from heat.common.i18n import _
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from heat.engine.resources import signal_responder
from heat.engine.resources import stack_resource
from heat.engine import support

from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import model
from heat_savanna.core import records
from heat_savanna.core import template as template_mod
from heat_savanna.core import validation
from heat_savanna.resources import operation
from heat_savanna.resources import progress
from heat_savanna.resources import state as state_mod

LOG = logging.getLogger(__name__)


class SavannaCluster(progress.ProgressMixin,
                     signal_responder.SignalResponder,
                     stack_resource.StackResource):
    """A Spark or Hadoop cluster built, configured, scaled and healed by Heat.

    The resource expands into a nested stack with one server (and its port,
    optional floating IP, volumes and attachments) per node, a management
    keypair, an auto security group and an anti-affinity server group; then
    it configures and starts the data-processing services over SSH through
    the chosen provisioning plugin. When some nodes fail but every node
    group keeps ``min_active`` nodes and every mandatory process is up, the
    cluster is PARTIALLY_ACTIVE (the resource completes, says so in its
    status reason, metadata and attributes), and the next stack update
    rebuilds the failed nodes.
    """

    support_status = support.SupportStatus(
        version='27.0.0',
        message=_('Provided by the heat-savanna plugin.'))

    default_client_name = 'nova'

    # A CHECK that found the cluster FAILED (e.g. the master died) must not
    # make the next update replace, so delete, the whole cluster: the
    # update rebuilds the failed nodes in place instead.
    always_replace_on_check_failed = False

    # The names come from the pure core, so the schema here and the model
    # the CLI validates can never disagree.
    PROPERTIES = (
        NAME, PLUGIN_NAME, PLUGIN_VERSION, IMAGE, FLAVOR, KEY_NAME, SSH_USER,
        MANAGEMENT_NETWORK, FLOATING_IP_POOL, NODE_GROUPS, ANTI_AFFINITY,
        ANTI_AFFINITY_POLICY, CLUSTER_CONFIGS, REMOVAL_CANDIDATES,
        ALARM_ACTION, TRANSPORT,
    ) = model.CLUSTER_PROPERTIES

    _NODE_GROUP_KEYS = (
        NG_NAME, NG_COUNT, NG_MIN_ACTIVE, NG_FLAVOR, NG_IMAGE,
        NG_NODE_PROCESSES, NG_VOLUMES_PER_NODE, NG_VOLUME_SIZE,
        NG_VOLUME_TYPE, NG_VOLUMES_AZ, NG_AZ, NG_FLOATING_IP,
        NG_SECURITY_GROUPS, NG_AUTO_SECURITY_GROUP, NG_NODE_CONFIGS,
        NG_MIN_COUNT, NG_MAX_COUNT,
    ) = model.NODE_GROUP_KEYS

    ATTRIBUTES = (
        STATUS, NODES, ACTIVE_COUNT, DESIRED_COUNT, FAILED_NODES,
        MASTER_ADDRESS, MASTER_SERVER, ENDPOINTS, INFO, SIGNAL_URL,
        ALARM_URL,
    ) = (
        'status', 'nodes', 'active_count', 'desired_count', 'failed_nodes',
        'master_address', 'master_server', 'endpoints', 'info', 'signal_url',
        'alarm_url',
    )

    _node_group_schema = {
        NG_NAME: properties.Schema(
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
        NG_COUNT: properties.Schema(
            properties.Schema.INTEGER,
            _('Number of nodes in the group. Changing it resizes the group '
              'in place (scale-down decommissions first).'),
            required=True,
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
        NG_MIN_ACTIVE: properties.Schema(
            properties.Schema.STRING,
            _('Least number of active nodes for the cluster to be usable, as '
              'a number (e.g. "9") or a percentage of count rounded up '
              '(e.g. "90%"). Defaults to count: every node must be active.'),
            constraints=[constraints.AllowedPattern(
                model.MIN_ACTIVE_PATTERN,
                _('a whole number or a percentage like 90%'))],
            update_allowed=True),
        NG_FLAVOR: properties.Schema(
            properties.Schema.STRING,
            _('Flavor of the group\'s servers; defaults to the cluster '
              'flavor.'),
            constraints=[constraints.CustomConstraint('nova.flavor')]),
        NG_IMAGE: properties.Schema(
            properties.Schema.STRING,
            _('Image of the group\'s servers; defaults to the cluster '
              'image.'),
            constraints=[constraints.CustomConstraint('glance.image')]),
        NG_NODE_PROCESSES: properties.Schema(
            properties.Schema.LIST,
            _('Processes every node of the group runs, e.g. [master] for '
              'spark or [datanode, nodemanager] for vanilla.'),
            required=True,
            constraints=[constraints.Length(min=1)],
            schema=properties.Schema(properties.Schema.STRING)),
        NG_VOLUMES_PER_NODE: properties.Schema(
            properties.Schema.INTEGER,
            _('Number of Cinder volumes attached to each node.'),
            default=0,
            constraints=[constraints.Range(
                min=0, max=model.VOLUMES_PER_NODE_MAX)]),
        NG_VOLUME_SIZE: properties.Schema(
            properties.Schema.INTEGER,
            _('Size of each volume in GB.'),
            default=model.DEFAULT_VOLUME_SIZE,
            constraints=[constraints.Range(min=model.VOLUME_SIZE_MIN)]),
        NG_VOLUME_TYPE: properties.Schema(
            properties.Schema.STRING,
            _('Cinder volume type of the volumes.'),
            constraints=[constraints.CustomConstraint('cinder.vtype')]),
        NG_VOLUMES_AZ: properties.Schema(
            properties.Schema.STRING,
            _('Availability zone of the volumes.')),
        NG_AZ: properties.Schema(
            properties.Schema.STRING,
            _('Availability zone of the group\'s servers.')),
        NG_FLOATING_IP: properties.Schema(
            properties.Schema.BOOLEAN,
            _('Give every node a floating IP from floating_ip_pool.'),
            default=False),
        NG_SECURITY_GROUPS: properties.Schema(
            properties.Schema.LIST,
            _('Extra security groups for the group\'s ports.'),
            default=[],
            schema=properties.Schema(properties.Schema.STRING)),
        NG_AUTO_SECURITY_GROUP: properties.Schema(
            properties.Schema.BOOLEAN,
            _('Put the group\'s ports in the cluster\'s generated security '
              'group (SSH from the engine side, service ports within the '
              'cluster, web UIs).'),
            default=True),
        NG_NODE_CONFIGS: properties.Schema(
            properties.Schema.MAP,
            _('Per-group service configuration, {section: {key: value}}, '
              'merged over cluster_configs.'),
            default={},
            update_allowed=True),
        NG_MIN_COUNT: properties.Schema(
            properties.Schema.INTEGER,
            _('Fewest nodes a resize by signal may leave in the group; '
              'defaults to min_active.'),
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
        NG_MAX_COUNT: properties.Schema(
            properties.Schema.INTEGER,
            _('Most nodes a resize by signal may give the group; defaults '
              'to count (no growth by signal unless set).'),
            constraints=[constraints.Range(min=0)],
            update_allowed=True),
    }

    properties_schema = {
        NAME: properties.Schema(
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
        PLUGIN_NAME: properties.Schema(
            properties.Schema.STRING,
            _('Provisioning plugin: "spark" (Spark standalone) or "vanilla" '
              '(Apache Hadoop 3: HDFS, YARN, MapReduce history).'),
            required=True),
        PLUGIN_VERSION: properties.Schema(
            properties.Schema.STRING,
            _('Version of the framework the plugin deploys, e.g. "4.3.0" '
              'for spark or "3.4.1" for vanilla. Defaults to the plugin\'s '
              'default (newest) version; the version chosen shows in the '
              'info attribute.')),
        IMAGE: properties.Schema(
            properties.Schema.STRING,
            _('Default image of the cluster\'s servers; it must carry the '
              'framework (Java and Spark or Hadoop on the path).'),
            required=True,
            constraints=[constraints.CustomConstraint('glance.image')]),
        FLAVOR: properties.Schema(
            properties.Schema.STRING,
            _('Default flavor of the cluster\'s servers.'),
            required=True,
            constraints=[constraints.CustomConstraint('nova.flavor')]),
        KEY_NAME: properties.Schema(
            properties.Schema.STRING,
            _('Optional keypair of the operator, authorised on every node '
              'beside the cluster\'s own management key.'),
            constraints=[constraints.CustomConstraint('nova.keypair')]),
        SSH_USER: properties.Schema(
            properties.Schema.STRING,
            _('Login user of the image. Defaults to the image property '
              'os_admin_user, else "ubuntu".'),
            constraints=[constraints.Length(min=1,
                                            max=model.SSH_USER_MAX)]),
        MANAGEMENT_NETWORK: properties.Schema(
            properties.Schema.STRING,
            _('Neutron network the nodes are plugged into; the engine must '
              'reach it over SSH (or use floating IPs).'),
            required=True,
            constraints=[constraints.CustomConstraint('neutron.network')]),
        FLOATING_IP_POOL: properties.Schema(
            properties.Schema.STRING,
            _('External network floating IPs come from; required when a '
              'node group sets floating_ip.'),
            constraints=[constraints.CustomConstraint('neutron.network')]),
        NODE_GROUPS: properties.Schema(
            properties.Schema.LIST,
            _('Node groups of the cluster. Counts, min_active and '
              'node_configs update in place; adding or removing a group '
              'updates in place too.'),
            required=True,
            constraints=[constraints.Length(min=1)],
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=_node_group_schema),
            update_allowed=True),
        ANTI_AFFINITY: properties.Schema(
            properties.Schema.LIST,
            _('Node processes whose nodes must land on different hosts '
              '(one server group with anti_affinity_policy holds them).'),
            default=[],
            schema=properties.Schema(properties.Schema.STRING)),
        ANTI_AFFINITY_POLICY: properties.Schema(
            properties.Schema.STRING,
            _('Server group policy of the anti-affinity group: hard '
              '"anti-affinity" fails a boot when no host is left, '
              '"soft-anti-affinity" spreads as well as it can.'),
            default=model.HARD_ANTI_AFFINITY,
            constraints=[constraints.AllowedValues(
                list(model.ANTI_AFFINITY_POLICIES))]),
        CLUSTER_CONFIGS: properties.Schema(
            properties.Schema.MAP,
            _('Service configuration, {section: {key: value}}; sections '
              'are the plugin\'s (e.g. HDFS, YARN, spark-defaults). A '
              'change is applied in place: files rewritten, only the '
              'services it concerns restarted, node by node.'),
            default={},
            update_allowed=True),
        REMOVAL_CANDIDATES: properties.Schema(
            properties.Schema.LIST,
            _('Node names to remove first when a group scales down (after '
              'failed nodes, before the newest).'),
            default=[],
            schema=properties.Schema(properties.Schema.STRING),
            update_allowed=True),
        ALARM_ACTION: properties.Schema(
            properties.Schema.MAP,
            _('What a signal without an "action" does (an alarm posting '
              'its own body to alarm_url): {action: heal}, {action: '
              'check}, or {action: resize, group: <name>, count: <n> or '
              'adjustment: <+/-n>}.'),
            update_allowed=True),
        TRANSPORT: properties.Schema(
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
    }

    attributes_schema = {
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
            _('Nova server id of the master node: where an '
              'OS::Heat::SoftwareDeployment runs a job on a cluster with '
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

    # -- helpers -----------------------------------------------------------
    def cluster_spec(self, props=None, **limits):
        """The core's ClusterSpec of ``props`` (default the current
        properties), checked like ``heat-savanna validate`` checks it."""
        props = props if props is not None else self.properties
        values = {k: props[k] for k in self.PROPERTIES}
        return validation.check(values, default_name=self.name, **limits)

    def _operation(self):
        return operation.ClusterOperation(self)

    # -- validation --------------------------------------------------------
    def validate(self):
        # Heat checks the types and constraints of every property first
        # (its errors name the property path; reading a property of the
        # wrong type before that raises a bare ValueError that names
        # none); the cluster rules (topology, processes, configs) are ours,
        # the same code `heat-savanna validate` runs; the generated nested
        # stack is validated last, as StackResource.validate would.
        super(stack_resource.StackResource, self).validate()
        if not cfg.CONF.convergence_engine:
            # (not self.stack.convergence: a template-validate request
            # builds its stack without convergence on any engine)
            raise exception.StackValidationFailed(message=_(
                "%s: OS::Savanna::Cluster needs Heat's convergence engine "
                "(set [DEFAULT] convergence_engine = true in heat.conf, "
                "Heat's default): on the legacy engine one node's failure "
                "stops the others and a failed cluster cannot be healed "
                "(Heat refuses stack update --existing of a FAILED stack)")
                % self.name)
        try:
            # bounds before the nested template is generated below
            self.cluster_spec(
                max_resources_per_stack=cfg.CONF.max_resources_per_stack,
                node_set_size=cfg.CONF.savanna.node_set_size)
        except sv_exc.InvalidCluster as exc:
            raise exception.StackValidationFailed(
                message=_('%(res)s: %(err)s') % {
                    'res': self.name, 'err': '; '.join(
                        'Property %s' % e for e in exc.errors)})
        if self.stack.nested_depth == 0 or not self.stack.strict_validate:
            self.validate_nested_stack()

    def child_template(self):
        return self._operation().child_template()

    def validate_nested_stack(self):
        # Heat validates a stack's whole tree before creating it; the
        # node sets of one shape differ only in names, so one of each
        # stands for all (as ResourceGroup validates one member).
        try:
            name = '%s-%s' % (self.stack.name, self.name)
            nested = self._parse_nested_stack(
                name, template_mod.validation_template(
                    self.child_template()), self.child_params())
            nested.strict_validate = False
            nested.validate()
        except AssertionError:
            raise
        except Exception as ex:
            raise exception.StackValidationFailed(
                error=ex, path=[self.stack.t.RESOURCES,
                                '%s<%s>' % (self.name, self.template_url)])

    def child_params(self):
        return {}

    # -- lifecycle ---------------------------------------------------------
    def handle_create(self):
        return self._operation().start_create()

    def check_create_complete(self, cookie=None):
        return self._operation().advance(cookie)

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        new_props = json_snippet.properties(self.properties_schema,
                                            self.context)
        return self._operation().start_update(new_props)

    def check_update_complete(self, cookie=None):
        return self._operation().advance(cookie)

    def handle_check(self):
        return self._operation().start_check()

    def check_check_complete(self, cookie=None):
        return self._operation().advance(cookie)

    def handle_suspend(self):
        # the nested stack's servers (StackUser's own handle_suspend would
        # only disable the signal user, and does not chain)
        cookie = stack_resource.StackResource.handle_suspend(self)
        if self._get_user_id() is not None:
            signal_responder.SignalResponder.handle_suspend(self)
        return cookie

    def handle_resume(self):
        stack_resource.StackResource.handle_resume(self)
        if self._get_user_id() is not None:
            signal_responder.SignalResponder.handle_resume(self)
        return self._operation().start_resume()

    def check_resume_complete(self, cookie=None):
        return self._operation().advance(cookie)

    def needs_replace_failed(self):
        # A failed create/update leaves the nested stack and the healthy
        # nodes in place: the next update heals in place instead of
        # replacing (and so deleting) the whole cluster.
        return self.resource_id is None

    # -- signals -------------------------------------------------------------
    def _signal_request(self, details):
        try:
            return self._operation().signal_request(details)
        except sv_exc.ValidationError as exc:
            raise exception.StackValidationFailed(
                message=_('%(res)s: %(err)s') % {'res': self.name,
                                                 'err': exc})

    def _signal_check_hook(self, details):
        # Runs in the API request, before the signal is accepted: bad data
        # is refused there (HTTP 400), not in a thread nobody watches.
        super(SavannaCluster, self)._signal_check_hook(details)
        if not (details and 'unset_hook' in details):
            self._signal_request(details)

    def _signal_check_action(self):
        # Signals are refused, not queued, while anything runs on the
        # cluster or its stack (HTTP 409 with what is running).
        super(SavannaCluster, self)._signal_check_action()
        busy = self._operation().busy()
        if busy:
            raise exception.ActionInProgress(stack_name=self.stack.name,
                                             action=busy)

    def handle_signal(self, details=None):
        return self._operation().start_signal(self._signal_request(details))

    def _needs_update(self, after, before, after_props, before_props,
                      prev_resource, check_init_complete=True):
        if self.resource_id is not None and self.status == self.FAILED:
            return True
        # an update a signal asked for (heal, resize)
        pending = self.resource_id is not None and \
            state_mod.load(self).get('signal')
        if pending:
            return True
        # A PARTIALLY_ACTIVE cluster (nodes failed at create, or found
        # dead by a stack check) completed, so Heat would skip it on an
        # update with nothing changed: that update is how it heals.
        if self.resource_id is not None and self._has_failed_nodes():
            return True
        return super(SavannaCluster, self)._needs_update(
            after, before, after_props, before_props, prev_resource,
            check_init_complete)

    def state_set(self, action, status, reason='state changed',
                  lock=stack_resource.StackResource.LOCK_NONE):
        # Heat ends an action with the generic "state changed": say what
        # the cluster's state is instead (Horizon shows status_reason).
        if status == self.COMPLETE and reason == 'state changed':
            summary = self._stored_summary()
            if summary:
                reason = summary
        return super(SavannaCluster, self).state_set(action, status, reason,
                                                     lock=lock)

    def _has_failed_nodes(self):
        return records.has_failed_nodes(state_mod.load(self))

    def _stored_summary(self):
        return state_mod.load(self).get('summary')

    # -- for resources acting on the cluster -------------------------------
    def access(self):
        """What another resource needs to reach this cluster's nodes
        (:class:`heat_savanna.resources.access.ClusterAccess`), or None
        before the cluster has nodes."""
        return self._operation().access()

    # -- attributes --------------------------------------------------------
    def _resolve_attribute(self, name):
        if name == self.ALARM_URL:
            if self.resource_id is None:
                return None
            url = self._get_ec2_signed_url(never_expire=True)
            return str(url) if url else None
        return self._operation().attribute(name)

    def get_reference_id(self):
        return self.resource_id

    def _show_resource(self):
        # Heat's 'show' attribute reads one cloud object, and a cluster is
        # many: none, so a resource show lists every attribute of the
        # schema (a 'show' mapping would stand in for them).
        return None

    def parse_live_resource_data(self, resource_properties, resource_data):
        return {}


def resource_mapping():
    return {'OS::Savanna::Cluster': SavannaCluster}
