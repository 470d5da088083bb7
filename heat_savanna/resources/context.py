"""One look at a cluster: its resource, stored state, spec and plugin.

Every phase of an action (:mod:`heat_savanna.resources.phases`), every
attribute and every other resource's access to the cluster goes through
a :class:`ClusterContext`: the state is read once per look and saved
explicitly, the plugin is looked up once, and the nested template is made
in one place.
"""

import functools

from oslo_config import cfg
from oslo_log import log as logging

from heat.common import exception

from heat_savanna.common import config as sv_config
from heat_savanna.core import lifecycle
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import records
from heat_savanna.core import signals
from heat_savanna import plugins
from heat_savanna.plugins import watch as watch_mod
from heat_savanna.resources import infra
from heat_savanna.resources import state as state_mod

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
sv_config.register_opts(CONF)


class ClusterContext(object):
    """The cluster ``rsrc`` as one action (``spec``: the cluster as that
    action means it) or one reader (the spec of the state) sees it."""

    def __init__(self, rsrc, spec=None):
        self.rsrc = rsrc
        self._spec = spec
        self._state = None

    # -- stored state ----------------------------------------------------
    @property
    def state(self):
        """The stored state ({} before the first action), read once."""
        if self._state is None:
            # (a resource not stored yet, e.g. while validating, has none)
            self._state = (state_mod.load(self.rsrc)
                           if self.rsrc.id is not None else {})
        return self._state

    def use_state(self, state):
        """Work on ``state`` (a new cluster's, not stored yet)."""
        self._state = state

    def save(self):
        state_mod.save(self.rsrc, self.state)

    @property
    def layout(self):
        return records.layout(self.state)

    # -- what the cluster is ---------------------------------------------
    def template_spec(self, props=None):
        """The spec of the template's properties (``props``, default the
        current ones), at the plugin version the cluster was built with
        unless the template names one."""
        named = (props if props is not None else
                 self.rsrc.properties).get('plugin_version')
        return lifecycle.template_spec(self.rsrc.cluster_spec(props),
                                       self.state.get('plugin_version'),
                                       named)

    @property
    def spec(self):
        """The cluster as it is meant to be now: the action's spec, else
        the template's with the counts signals set."""
        if self._spec is None:
            self._spec = signals.apply_overrides(self.template_spec(),
                                                 self.state.get('overrides'))
        return self._spec

    @functools.cached_property
    def plugin(self):
        return plugins.get_plugin(self.spec.plugin_name)

    def info(self):
        """The plugin's ClusterInfo of the live nodes, as the state is
        now."""
        return lifecycle.cluster_info(self.spec, self.state)

    def evaluate(self):
        return lifecycle.evaluate(self.spec, self.state, self.plugin)

    def master(self, info=None):
        return lifecycle.master(self.plugin, self.spec, info or self.info())

    # -- the nested stack ------------------------------------------------
    def template(self, layout, previous_spec=None, deployments=None,
                 deployment_timeout=None):
        """The nested template of ``layout`` (nodes taken out by a
        follow-up stay out). A node set keeps the deployments it has: an
        update that only adds nodes leaves the other sets alone."""
        if deployments is None and self.spec.uses_agent:
            deployments = self.current_deployments()
        return infra.generate(self.rsrc, self.spec, layout, self.state,
                              previous_spec=previous_spec,
                              exclude=records.removed(self.state),
                              deployments=deployments,
                              deployment_timeout=deployment_timeout)

    def current_deployments(self):
        """``{node: {script, round}}`` of the node sets' deployments in
        the cluster's nested stack now."""
        return infra.current_deployments(self.rsrc)

    def deploy_template(self, deployments, timeout):
        """The nested template now, with ``deployments`` (a round of the
        Heat agent transport, see :mod:`heat_savanna.resources.deploy`).
        Nodes kept until decommissioned may be of a dropped group: they
        are described by the template's spec before the update."""
        previous = None
        if (self.state.get('pending') or {}).get('leaving'):
            previous = self.template_spec()
        return self.template(self.layout, previous_spec=previous,
                             deployments=deployments,
                             deployment_timeout=timeout)

    def start_update(self, decision):
        """Store an update's decision (a :class:`lifecycle.UpdateDecision`),
        update the nested stack and say what the update does; its
        :class:`lifecycle.Action`."""
        action = lifecycle.apply_update(self.state, decision)
        ctx = ClusterContext(self.rsrc, decision.spec)
        ctx.use_state(self.state)
        ctx.save()
        self.rsrc.update_with_template(
            ctx.template(decision.plan.grow,
                         previous_spec=decision.old_spec), {})
        for event in decision.events:
            self.rsrc.report_event(event)
        return action

    def child_template(self):
        if self.state.get('layout'):
            layout = self.layout
        else:
            layout = plan_mod.plan_create(self.spec,
                                          CONF.savanna.node_set_size)
        return self.template(layout)

    # -- the auto-heal watchdog -------------------------------------------
    def watchers(self):
        """Names of the nodes the watchdog is meant to run on now."""
        if not self.spec.auto_heal.enabled:
            return set()
        return {n.name for n in watch_mod.watchers(
            self.plugin.watch(self.info()))}

    def watch_step(self):
        """The step starting (or re-setting) the watchdogs, and stopping
        those no longer meant to run; None when there is nothing to do."""
        info = self.info()
        before = set((self.state.get('auto_heal') or {}).get('watchers') or
                     ())
        stopping = [n for n in info.nodes if n.name in before]
        settings = self.spec.auto_heal
        watches = self.plugin.watch(info) if settings.enabled else []
        if not watches:
            return watch_mod.stop_step(stopping) if stopping else None
        return watch_mod.install_step(
            self.spec.name, watches, self.rsrc.watchdog_url(),
            settings.interval, settings.grace_period, settings.cooldown,
            stop_on=stopping)

    # -- what the operator sees ------------------------------------------
    def finish(self, verdict, note=None):
        """Store the verdict: summary, status_reason and metadata
        (``note``: what this action did, after the summary)."""
        summary = verdict.summary + (' (%s)' % note if note else '')
        self.state['summary'] = summary
        self.state['status'] = verdict.status
        self.save()
        self.rsrc.status_reason = summary
        try:
            self.rsrc.metadata_set(lifecycle.metadata(verdict))
        except exception.ResourceNotAvailable:
            pass

    # -- cloud look-ups --------------------------------------------------
    def operator_key(self):
        """The public key of the template's key_name, or None."""
        if not self.spec.key_name:
            return None
        return self.rsrc.client('nova').keypairs.get(
            self.spec.key_name).public_key

    def learn_flavors(self):
        """Read from Nova (once per flavor, kept in the state) the RAM,
        vCPUs and disk of each group's flavor: what the plugins size the
        daemons from. A flavor Nova does not show leaves its nodes at the
        plugin's defaults, and says so in the log."""
        known = self.state.setdefault('flavors', {})
        missing = sorted({g.flavor for g in self.spec.node_groups} -
                         set(known))
        for name in missing:
            try:
                flavor = self.rsrc.client_plugin('nova').get_flavor(name)
                known[name] = {'ram': flavor.ram, 'vcpus': flavor.vcpus,
                               'disk': flavor.disk}
            except Exception as exc:
                LOG.warning('%s: flavor %s unreadable, its nodes keep the '
                            'plugin\'s sizes: %s', self.rsrc.name, name,
                            exc)
        if missing:
            self.save()

    def ssh_user(self):
        """The template's ssh_user, else the image's os_admin_user, else
        "ubuntu"."""
        spec = self.spec
        if spec.ssh_user:
            return spec.ssh_user
        try:
            glance = self.rsrc.client_plugin('glance')
            image_id = glance.find_image_by_name_or_id(spec.image)
            image = self.rsrc.client('glance').images.get(image_id)
            user = image.get('os_admin_user')
            if user:
                return user
        except Exception as exc:
            LOG.warning('image %s has no readable os_admin_user: %s',
                        spec.image, exc)
        return 'ubuntu'
