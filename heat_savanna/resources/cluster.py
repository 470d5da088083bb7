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
from heat.engine.resources import signal_responder
from heat.engine.resources import stack_resource
from heat.engine import support

from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import images
from heat_savanna.core import model
from heat_savanna.core import records
from heat_savanna.core import template as template_mod
from heat_savanna.core import validation
from heat_savanna.resources import cluster_schema
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
        ALARM_ACTION, TRANSPORT, ACCESS_CIDRS, AUTO_HEAL, BOOTSTRAP,
    ) = model.CLUSTER_PROPERTIES

    ATTRIBUTES = (
        STATUS, NODES, ACTIVE_COUNT, DESIRED_COUNT, FAILED_NODES,
        MASTER_ADDRESS, MASTER_SERVER, ENDPOINTS, INFO, SIGNAL_URL,
        ALARM_URL,
    ) = cluster_schema.ATTRIBUTES

    properties_schema = cluster_schema.PROPERTIES_SCHEMA
    attributes_schema = cluster_schema.ATTRIBUTES_SCHEMA

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
        # numbers as written: Heat's schema would make 2.5 a 2, true a 1
        errors = validation.whole_number_errors(self.properties.resolve(
            self.properties.data.get(self.NODE_GROUPS)))
        if errors:
            raise exception.StackValidationFailed(
                message=_('%(res)s: %(err)s') % {
                    'res': self.name, 'err': '; '.join(
                        'Property %s' % e for e in errors)})
        try:
            # bounds before the nested template is generated below
            spec = self.cluster_spec(
                max_resources_per_stack=cfg.CONF.max_resources_per_stack,
                node_set_size=cfg.CONF.savanna.node_set_size)
            # an image made for something else, refused before any boot
            errors = images.image_errors(spec, self._image_properties(spec))
            if errors:
                raise sv_exc.InvalidCluster(errors)
        except sv_exc.InvalidCluster as exc:
            raise exception.StackValidationFailed(
                message=_('%(res)s: %(err)s') % {
                    'res': self.name, 'err': '; '.join(
                        'Property %s' % e for e in exc.errors)})
        if self.stack.nested_depth == 0 or not self.stack.strict_validate:
            self.validate_nested_stack()

    def _image_properties(self, spec):
        """``{image: properties}`` of the images the node groups boot, as
        Glance shows them (an image that cannot be read is left out: its
        constraint or the on-node check speaks for it)."""
        found = {}
        for name in {g.image for g in spec.node_groups}:
            try:
                image = self.client_plugin('glance').get_image(name)
            except Exception as exc:
                LOG.debug('%s: image %s not read: %s', self.name, name, exc)
                continue
            found[name] = {k: image.get(k) for k in images.IMAGE_PROPERTIES
                           if image.get(k)}
        return found

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
            return self.watchdog_url() if self.resource_id else None
        return self._operation().attribute(name)

    def watchdog_url(self):
        """The pre-signed URL (heat-api-cfn) that signals the cluster with
        no token: the alarm_url, and where the auto-heal watchdog posts."""
        url = self._get_ec2_signed_url(never_expire=True)
        return str(url) if url else None

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
