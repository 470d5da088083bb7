"""Where an OS::Savanna::Cluster action starts, and what it shows.

Each ``handle_*`` of the resource starts an action here: the decision is
the pure core's (:mod:`heat_savanna.core.lifecycle`), the state is stored,
the nested stack is created or updated, and an
:class:`~heat_savanna.core.lifecycle.Action` is returned for Heat to hand
to every ``check_*_complete``, which steps through the phases
(:mod:`heat_savanna.resources.phases`). Signals, attributes and other
resources' access to the cluster read the cluster through a
:class:`~heat_savanna.resources.context.ClusterContext` too.
"""

import time
from urllib import parse

from oslo_config import cfg

from heat.common import exception
from heat.rpc import api as rpc_api

from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import autoheal
from heat_savanna.core import lifecycle
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import records
from heat_savanna.core import signals
from heat_savanna import plugins
from heat_savanna import remote
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import context as context_mod
from heat_savanna.resources import phases
from heat_savanna.resources import state as state_mod

CONF = cfg.CONF


class ClusterOperation(object):
    """The actions, signals and attributes of the cluster ``rsrc``."""

    def __init__(self, rsrc):
        self.rsrc = rsrc
        self.ctx = context_mod.ClusterContext(rsrc)

    def child_template(self):
        return self.ctx.child_template()

    def advance(self, action):
        return phases.advance(self.rsrc, action)

    # -- actions ---------------------------------------------------------
    def start_create(self):
        ctx = self.ctx
        ctx.use_state({})
        spec = ctx.spec
        public = None
        if not spec.uses_agent:
            # the engine's own key to the nodes; the agent transport has
            # none: nothing connects to a node
            private, public = remote.generate_keypair()
            state_mod.save_private_key(self.rsrc, private)
        layout = plan_mod.plan_create(spec, CONF.savanna.node_set_size)
        state = ctx.state
        state.update({'layout': layout.to_dict(), 'public_key': public,
                      'plugin_version': spec.plugin_version,
                      'transport': spec.transport,
                      'ssh_user': ctx.ssh_user(), 'nodes': {},
                      'summary': 'BUILDING: creating %d nodes'
                      % len(layout)})
        records.add_nodes(state, spec, layout, layout.names())
        ctx.save()
        self.rsrc.create_with_template(ctx.template(layout), {})
        return lifecycle.Action(kind=lifecycle.CREATE, phase='infra',
                                spec=spec, expect=self.rsrc.CREATE,
                                new=tuple(layout.names()))

    def start_update(self, new_props):
        """Decide what the update does (a signal's request included), store
        it and update the nested stack; refusals name the property."""
        ctx = self.ctx
        state = ctx.state
        old_template = ctx.template_spec()
        new_template = ctx.template_spec(new_props)
        stored = state.pop('signal', None)
        request = signals.Request(**stored) if stored else None
        if request is not None and request.action == signals.AUTO_HEAL:
            action = lifecycle.start_auto_heal(
                state, ctx.spec, request, old_template, new_template,
                time.time())
            ctx.save()
            self.rsrc.report_event(autoheal.started_text(action.heal.report))
            return action
        try:
            decision = lifecycle.decide_update(
                state, old_template, new_template,
                plugins.get_plugin(new_template.plugin_name),
                CONF.savanna.node_set_size, request)
        except (sv_exc.ValidationError, lifecycle.InvalidUpdate) as exc:
            if request is not None:
                # the signal's request is answered (refused), not kept
                ctx.save()
            if isinstance(exc, sv_exc.ValidationError):
                raise exception.StackValidationFailed(
                    message='%s refused: %s' % (request.describe(), exc))
            raise exception.StackValidationFailed(
                message='; '.join('Property %s' % e for e in exc.errors))
        return ctx.start_update(decision)

    def start_check(self):
        return lifecycle.Action(kind=lifecycle.CHECK, phase='probe',
                                spec=self.ctx.spec, label='checking')

    def start_resume(self):
        """After the nested stack resumed the servers, start the services
        again (a resumed server may have been powered off: the plugin's
        create steps are idempotent and restart what is not running)."""
        return lifecycle.Action(kind=lifecycle.RESUME, phase='resumed',
                                spec=self.ctx.spec,
                                label='restarting services')

    # -- signals ---------------------------------------------------------
    def signal_request(self, details):
        """The signals.Request of a signal's data, checked against the
        cluster as it is (a resize must stay within its group's bounds).

        :raises ValidationError: naming the key and what is valid.
        """
        spec = self.ctx.spec
        request = signals.parse(details, spec.alarm_action)
        if request.action == signals.RESIZE:
            signals.resize_target(spec, request)
        if request.action == signals.AUTO_HEAL:
            state = self.ctx.state
            refused = autoheal.refusal(
                spec.auto_heal, state.get('auto_heal'), time.time(),
                request.lost, records.failed_names(state))
            if refused:
                raise sv_exc.ValidationError('signal', refused)
        return request

    def busy(self):
        """What runs on the cluster or its stack now, or None."""
        rsrc = self.rsrc
        if rsrc.status == rsrc.IN_PROGRESS:
            return '%s of %s: %s' % (rsrc.action, rsrc.name,
                                     rsrc.status_reason)
        if rsrc.stack.status == rsrc.stack.IN_PROGRESS:
            return '%s of stack %s' % (rsrc.stack.action, rsrc.stack.name)
        pending = self.ctx.state.get('signal')
        if pending:
            return 'signal %s, not yet started' % signals.Request(
                **pending).describe()
        return None

    def start_signal(self, request):
        """Start what a signal asks, as an action of the cluster's own
        stack, so Heat's locking, events and states apply to it: a check
        is a stack check; heal and resize are a stack update with the
        existing template (the cluster's update applies the request)."""
        rsrc = self.rsrc
        ident = dict(rsrc.stack.identifier())
        if request.action == signals.CHECK:
            rsrc.rpc_client().stack_check(rsrc.context, ident)
            return 'check started'
        state = self.ctx.state
        state['signal'] = request.to_dict()
        self.ctx.save()
        try:
            rsrc.rpc_client().update_stack(
                rsrc.context, ident, None, {}, None,
                {rpc_api.PARAM_EXISTING: True})
        except Exception:
            state.pop('signal', None)
            self.ctx.save()
            raise
        return '%s started' % request.describe()

    def signal_url(self):
        """The Heat API URL of the cluster's signal (needs a token)."""
        rsrc = self.rsrc
        if rsrc.id is None:
            return None
        base = rsrc.client_plugin('heat').get_heat_url()
        return parse.urljoin(base, '%s/signal'
                             % rsrc.identifier().url_path())

    # -- for other resources and the operator ----------------------------
    def access(self):
        """A :class:`heat_savanna.resources.access.ClusterAccess`, or None
        before the cluster has any state."""
        ctx = self.ctx
        if not ctx.state:
            return None
        return access_mod.ClusterAccess(
            spec=ctx.spec, plugin=ctx.plugin, info=ctx.info(),
            status=ctx.evaluate().status,
            ssh_user=ctx.state.get('ssh_user'),
            private_key=state_mod.private_key(self.rsrc),
            host_keys={n: list(r.get('host_keys') or [])
                       for n, r in ctx.state['nodes'].items()})

    def attribute(self, name):
        if name == 'signal_url':
            return self.signal_url()
        ctx = self.ctx
        if not ctx.state:
            return None
        if name == 'nodes':
            return records.public_view(ctx.state)
        verdict = ctx.evaluate()
        if name in ('status', 'active_count', 'desired_count',
                    'failed_nodes'):
            return getattr(verdict, name)
        if name == 'info':
            return {'plugin': ctx.spec.plugin_name,
                    'version': ctx.spec.plugin_version,
                    'status': verdict.status, 'summary': verdict.summary,
                    'groups': verdict.groups}
        info = ctx.info()
        master = ctx.master(info)
        if name == 'master_address':
            return master.management_ip if master else None
        if name == 'master_server':
            return master.server_id if master else None
        if name == 'endpoints':
            return ctx.plugin.get_endpoints(info) if info.nodes else {}
        raise exception.InvalidTemplateAttribute(resource=self.rsrc.name,
                                                 key=name)
