"""The Heat-side execution of one OS::Savanna::Cluster action.

The decisions are the pure core's: :mod:`heat_savanna.core.plan` says
which nodes an update adds, drops, decommissions and configures;
:mod:`heat_savanna.core.health` says whether the cluster is usable. This
module only executes them, as a small state machine advanced from the
resource's ``check_*_complete`` so that no call holds the engine for long:

create:  infra (nested stack) -> collect -> configure [-> members] -> finish
update:  infra (grow) -> collect -> configure [-> members]
         [-> reconfigure] [-> decommission -> shrink] -> finish
check:   probe servers and services -> finish
resume:  resumed -> restart services -> finish

``infra`` waits for the cluster's nested stack; ``collect`` reads what it
built per node (:mod:`heat_savanna.resources.infra`); nodes another
node's failure left unfinished are finished by a follow-up update first.
``configure`` runs the plugin's steps and stops at once when the cluster
can no longer be usable; ``members`` rewrites the member lists of the
surviving nodes when some failed on the way; ``reconfigure`` applies a
configuration change to the running nodes in rolling batches. The state
kept between actions is in :mod:`heat_savanna.resources.state`.
"""

import dataclasses
import shlex
import time
from urllib import parse

from oslo_config import cfg
from oslo_log import log as logging

from heat.common import exception
from heat.objects import resource as resource_objects
from heat.rpc import api as rpc_api

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import build
from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import signals
from heat_savanna.core import template as template_mod
from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import driver
from heat_savanna import remote
from heat_savanna.resources import access as access_mod
from heat_savanna.resources import deploy
from heat_savanna.resources import discovery
from heat_savanna.resources import infra
from heat_savanna.resources import nested
from heat_savanna.resources import state as state_mod

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
sv_config.register_opts(CONF)

REPORT_INTERVAL = 3.0
SETTLE_POLLS = 2
#: follow-up nested updates that finish nodes left unfinished
MAX_FOLLOW_UPS = 2
ACTIVE, BUILDING, CONFIGURING, FAILED = (
    health.ACTIVE, health.BUILDING, health.CONFIGURING, health.FAILED)


class ClusterOperation(object):

    def __init__(self, rsrc):
        self.rsrc = rsrc

    # -- persistent state -----------------------------------------------------
    def load_state(self):
        return state_mod.load(self.rsrc)

    def save_state(self, state):
        state_mod.save(self.rsrc, state)

    def spec(self, state=None, props=None):
        """The cluster as it is meant to be now: the template's spec with
        the counts signals set (see :mod:`heat_savanna.core.signals`)."""
        state = self.load_state() if state is None else state
        return signals.apply_overrides(self.template_spec(state, props),
                                       state.get('overrides'))

    def template_spec(self, state, props=None):
        """The spec of the template's properties (``props``, default the
        current ones)."""
        spec = self.rsrc._spec(props)
        kept = state.get('plugin_version')
        named = (props if props is not None else
                 self.rsrc.properties).get('plugin_version')
        if kept and not named and spec.plugin_version != kept:
            # the template names no version: the cluster keeps the one it
            # was built with, even after the plugin's default moved on
            spec = dataclasses.replace(spec, plugin_version=kept)
        return spec

    def _template(self, spec, layout, state, previous_spec=None,
                  deployments=None, deployment_timeout=None):
        removed = [n for n, r in state.get('nodes', {}).items()
                   if r.get('removed')]
        if deployments is None and spec.uses_agent:
            # a node set keeps the deployments it has: an update that only
            # adds nodes leaves the other sets alone
            deployments = self.current_deployments()
        return infra.generate(self.rsrc, spec, layout, state,
                              previous_spec=previous_spec, exclude=removed,
                              deployments=deployments,
                              deployment_timeout=deployment_timeout)

    def current_deployments(self):
        """``{node: {script, round}}`` of the node sets' deployments in
        the cluster's nested stack now."""
        return infra.current_deployments(self.rsrc)

    def deploy_template(self, state, deployments, timeout, spec=None):
        """The nested template of the cluster now (``spec``: the cluster
        as the running action means it), with ``deployments`` (the Heat
        agent transport's round, see :mod:`heat_savanna.resources.deploy`).
        """
        spec = spec if spec is not None else self.spec(state)
        pending = state.get('pending') or {}
        layout = state_mod.layout(state)
        previous = None
        if pending.get('leaving'):
            # nodes kept until decommissioned may be of a dropped group
            previous = self.template_spec(state)
        return self._template(spec, layout, state, previous_spec=previous,
                              deployments=deployments,
                              deployment_timeout=timeout)

    def child_template(self):
        state = self.load_state() if self.rsrc.id else {}
        spec = self.spec(state)
        if state.get('layout'):
            layout = state_mod.layout(state)
        else:
            layout = plan_mod.plan_create(spec, CONF.savanna.node_set_size)
        return self._template(spec, layout, state)

    def signal_url(self):
        """The Heat API URL of the cluster's signal (needs a token)."""
        rsrc = self.rsrc
        if rsrc.id is None:
            return None
        base = rsrc.client_plugin('heat').get_heat_url()
        return parse.urljoin(base, '%s/signal'
                             % rsrc.identifier().url_path())

    # -- progress reporting ---------------------------------------------------
    def report_event(self, reason):
        """An event with the resource's current state and ``reason``."""
        rsrc = self.rsrc
        if rsrc.id is not None:
            rsrc._add_event(rsrc.action, rsrc.status, reason)

    def report(self, cookie, reason, force=False):
        """Move status_reason and add an event while IN_PROGRESS."""
        now = time.monotonic()
        if not force and (reason == cookie.get('reported') or
                          now - cookie.get('reported_at', 0) <
                          REPORT_INTERVAL):
            return
        cookie['reported'] = reason
        cookie['reported_at'] = now
        rsrc = self.rsrc
        rsrc.status_reason = reason
        if rsrc.id is not None:
            resource_objects.Resource.update_by_id(
                rsrc.context, rsrc.id, {'status_reason': reason})
            rsrc._add_event(rsrc.action, rsrc.IN_PROGRESS, reason)

    # -- entry points ---------------------------------------------------------
    @staticmethod
    def _cookie(action, phase, spec, **extra):
        cookie = {'action': action, 'phase': phase, 'spec': spec,
                  'follow_ups': 0, 'boot_done': 0}
        cookie.update(extra)
        return cookie

    def start_create(self):
        spec = self.rsrc._spec()
        public = None
        if not spec.uses_agent:
            # the engine's own key to the nodes; the agent transport has
            # none: nothing connects to a node
            private, public = remote.generate_keypair()
            state_mod.save_private_key(self.rsrc, private)
        layout = plan_mod.plan_create(spec, CONF.savanna.node_set_size)
        state = {'layout': layout.to_dict(), 'public_key': public,
                 'plugin_version': spec.plugin_version,
                 'transport': spec.transport,
                 'ssh_user': self._ssh_user(spec),
                 'nodes': {name: state_mod.new_record(spec, group)
                           for group, name in layout.nodes()},
                 'summary': 'BUILDING: creating %d nodes' % len(layout)}
        self.save_state(state)
        self.rsrc.create_with_template(self._template(spec, layout, state),
                                       {})
        return self._cookie('create', 'infra', spec,
                            expect=self.rsrc.CREATE, new=layout.names())

    def start_update(self, new_props):
        state = self.load_state()
        old_template = self.template_spec(state)
        new_template = self.template_spec(state, new_props)
        old_spec = signals.apply_overrides(old_template,
                                           state.get('overrides'))
        # a count a signal set stays unless this update changes the
        # group's count in the template
        overrides = signals.carry_overrides(state.get('overrides'),
                                            old_template, new_template)
        request = state.pop('signal', None)
        if request and request['action'] == signals.RESIZE:
            req = signals.Request(**request)
            try:
                overrides[req.group] = signals.resize_target(
                    signals.apply_overrides(new_template, overrides), req)
            except sv_exc.ValidationError as exc:
                self.save_state(state)
                raise exception.StackValidationFailed(
                    message='%s refused: %s' % (req.describe(), exc))
        state['overrides'] = overrides
        spec = signals.apply_overrides(new_template, overrides)
        if spec.transport != old_spec.transport:
            raise exception.StackValidationFailed(
                message='Property transport: a running cluster cannot '
                'change from %s to %s (its nodes were built for %s); '
                'create a new cluster instead'
                % (old_spec.transport, spec.transport, old_spec.transport))
        layout = state_mod.layout(state)
        plugin = plugins.get_plugin(spec.plugin_name)
        errors = plan_mod.fixed_group_changes(old_spec, spec)
        errors += plugin.validate_scaling(
            spec, {g.name: g.count for g in spec.node_groups})
        if errors:
            if request:
                # the signal's request is answered (refused), not kept
                stored = self.load_state()
                stored.pop('signal', None)
                self.save_state(stored)
            raise exception.StackValidationFailed(
                message='; '.join('Property %s' % e for e in errors))
        states = {n: r['state'] for n, r in state['nodes'].items()}
        plan = plan_mod.plan_update(spec, layout, states,
                                    CONF.savanna.node_set_size)
        staying = {n: st for n, st in states.items()
                   if n in plan.final and n not in plan.added}
        reconf = plan_mod.plan_reconfigure(
            old_spec, spec, plan.final, staying,
            self._restarts_needed(plugin, spec),
            plugin.get_mandatory_processes(spec.plugin_version))
        for name in plan.dropped:
            state['nodes'].pop(name, None)
        for name in plan.added:
            state['nodes'][name] = state_mod.new_record(
                spec, plan.grow.group_of(name))
        state['layout'] = plan.grow.to_dict()
        state['pending'] = {'final_layout': plan.final.to_dict(),
                            'leaving': list(plan.leaving)}
        self.save_state(state)
        self.rsrc.update_with_template(
            self._template(spec, plan.grow, state, previous_spec=old_spec),
            {})
        if request:
            self.report_event('signal %s: adding %d, removing %d nodes'
                              % (signals.Request(**request).describe(),
                                 len(plan.added), len(plan.leaving) +
                                 len(plan.dropped)))
        if reconf:
            self.report_event('configuration changed: %d running nodes to '
                              'update in %d batches, %d to restart'
                              % (len(reconf.restarts), len(reconf.batches),
                                 sum(1 for p in reconf.restarts.values()
                                     if p)))
        return self._cookie('update', 'infra', spec, old_spec=old_spec,
                            fresh=plan.fresh, expect=self.rsrc.UPDATE,
                            new=list(plan.configure),
                            leaving=list(plan.leaving),
                            reconfigure={
                                'restarts': {n: list(p) for n, p in
                                             reconf.restarts.items()},
                                'batches': [list(b) for b in
                                            reconf.batches]})

    @staticmethod
    def _restarts_needed(plugin, spec):
        """What the plugin's catalog says a change restarts; without a
        catalog, every process of a node whose configuration changed."""
        try:
            catalog = plugin.get_config_catalog(spec.plugin_version)
        except (AttributeError, ValueError):
            catalog = None
        if catalog is not None:
            return catalog.restarts_needed
        every = tuple(plugin.get_all_processes(spec.plugin_version))
        return lambda before, after: every if before != after else ()

    def start_check(self):
        return self._cookie('check', 'probe', self.spec())

    # -- signals --------------------------------------------------------------
    def signal_request(self, details):
        """The signals.Request of a signal's data, checked against the
        cluster as it is (a resize must stay within its group's bounds).

        :raises ValidationError: naming the key and what is valid.
        """
        spec = self.spec()
        request = signals.parse(details, spec.alarm_action)
        if request.action == signals.RESIZE:
            signals.resize_target(spec, request)
        return request

    def busy(self):
        """What runs on the cluster or its stack now, or None."""
        rsrc = self.rsrc
        if rsrc.status == rsrc.IN_PROGRESS:
            return '%s of %s: %s' % (rsrc.action, rsrc.name,
                                     rsrc.status_reason)
        if rsrc.stack.status == rsrc.stack.IN_PROGRESS:
            return '%s of stack %s' % (rsrc.stack.action, rsrc.stack.name)
        pending = self.load_state().get('signal')
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
        state = self.load_state()
        state['signal'] = dataclasses.asdict(request)
        self.save_state(state)
        try:
            rsrc.rpc_client().update_stack(
                rsrc.context, ident, None, {}, None,
                {rpc_api.PARAM_EXISTING: True})
        except Exception:
            state.pop('signal', None)
            self.save_state(state)
            raise
        return '%s started' % request.describe()

    def start_resume(self):
        """After the nested stack resumed the servers, start the services
        again (a resumed server may have been powered off: the plugin's
        create steps are idempotent and restart what is not running)."""
        return self._cookie('resume', 'resumed', self.spec(),
                            label='restarting services')

    # -- the state machine ----------------------------------------------------
    def advance(self, cookie):
        if cookie is None:      # e.g. an update that Heat handles itself
            return True
        return getattr(self, '_phase_' + cookie['phase'])(cookie)

    def _phase_infra(self, cookie):
        rsrc = self.rsrc
        status = nested.stack_status(rsrc.context, rsrc.resource_id)
        if status is None or status.action != cookie['expect'] or \
                status.status == rsrc.IN_PROGRESS:
            self._report_boot(cookie)
            return False
        if status.status == rsrc.FAILED:
            # Other node sets may still be building after the first
            # failure: wait until nothing is in progress.
            rows = nested.rows(rsrc.context, rsrc.resource_id)
            cookie['settled'] = (0 if build.busy(rows)
                                 else cookie.get('settled', 0) + 1)
            if cookie['settled'] < SETTLE_POLLS:
                self._report_boot(cookie)
                return False
        cookie['settled'] = 0
        cookie['infra_status'] = status
        cookie['phase'] = 'collect'
        return self._phase_collect(cookie)

    def _report_boot(self, cookie):
        now = time.monotonic()
        if now - cookie.get('boot_reported_at', 0) < REPORT_INTERVAL:
            return
        cookie['boot_reported_at'] = now
        state = self.load_state()
        layout = state_mod.layout(state)
        new = [n for n in cookie.get('new', ()) if n in layout]
        if not new:
            return
        up = infra.servers_up(self.rsrc.context, self.rsrc.root_stack_id,
                              self.rsrc.resource_id, layout, new)
        # never backwards: a row being replaced is not a server going down
        cookie['boot_done'] = max(cookie['boot_done'], up)
        self.report(cookie, 'booting: %d/%d servers up'
                    % (cookie['boot_done'], len(new)))

    def _phase_collect(self, cookie):
        rsrc = self.rsrc
        spec = cookie['spec']
        state = self.load_state()
        layout = state_mod.layout(state)
        wanted = [n for n in cookie.get('new', ())
                  if n in layout and not
                  state['nodes'].get(n, {}).get('removed')]
        builds = infra.read(rsrc.context, rsrc.resource_id, layout, wanted)
        if builds.shared_failures:
            # The keypair, security group or server group failed: no node
            # can be trusted. Say what failed.
            raise exception.Error('cluster infrastructure failed: %s'
                                  % '; '.join(builds.shared_failures))
        records = builds.records
        unfinished = [n for n, r in records.items()
                      if r['state'] == build.UNFINISHED]
        if unfinished and cookie['follow_ups'] < MAX_FOLLOW_UPS:
            return self._follow_up(cookie, state, layout, records,
                                   unfinished)
        for name in wanted:
            rec = state['nodes'][name]
            found = records.get(name, {})
            if found.get('state') == build.BUILT:
                for key in ('server_id', 'fixed_ip', 'floating_ip',
                            'host_keys'):
                    if key in found:
                        rec[key] = found[key]
                state_mod.mark(rec, CONFIGURING, 'configure')
            else:
                reason = found.get('reason') or 'not built'
                state_mod.mark(rec, FAILED, found.get('phase') or 'boot',
                               _with_server_group(spec, rec['group'],
                                                  reason))
                if found.get('removed'):
                    rec['removed'] = True
        self.save_state(state)
        if builds.flat:
            # nodes of a cluster created before node sets: learn their
            # addresses and host keys here
            outputs = self._nested_outputs()
            cookie['discovery'] = discovery.Discovery(
                rsrc, builds.flat,
                {n: outputs.get(template_mod.OUTPUT_PREFIX + n) or {}
                 for n in builds.flat})
            cookie['phase'] = 'discover'
            return self._phase_discover(cookie)
        return self._after_collect(cookie, state)

    def _follow_up(self, cookie, state, layout, records, unfinished):
        """Finish nodes another node's failure left unfinished: update the
        nested stack again, without the failed nodes' resources."""
        cookie['follow_ups'] += 1
        for name, found in records.items():
            if found['state'] == build.FAILED:
                rec = state['nodes'][name]
                state_mod.mark(rec, FAILED, found.get('phase') or 'boot',
                               found.get('reason') or 'failed')
                rec['removed'] = True
        self.save_state(state)
        LOG.info('%s: finishing %s with a follow-up update', self.rsrc.name,
                 ', '.join(sorted(unfinished)))
        self.report(cookie, 'finishing %d nodes left unfinished'
                    % len(unfinished), force=True)
        self.rsrc.update_with_template(
            self._template(cookie['spec'], layout, state,
                           previous_spec=cookie.get('old_spec')), {})
        cookie['expect'] = self.rsrc.UPDATE
        cookie['phase'] = 'infra'
        return False

    def _nested_outputs(self):
        ident = self.rsrc.nested_identifier()
        stacks = self.rsrc.rpc_client().show_stack(
            self.rsrc.context, dict(ident), resolve_outputs=True)
        outputs = {}
        for out in (stacks[0].get('outputs') or []) if stacks else []:
            if out.get('output_error'):
                continue
            outputs[out['output_key']] = out.get('output_value')
        return outputs

    def _phase_discover(self, cookie):
        found = cookie['discovery']
        if not found.advance():
            return False
        state = self.load_state()
        for name, rec in found.records().items():
            node = state['nodes'][name]
            for key in ('server_id', 'fixed_ip', 'floating_ip', 'host_keys'):
                node[key] = rec[key]
            if rec['state'] == build.FAILED:
                state_mod.mark(node, FAILED, rec['phase'], rec['reason'])
        self.save_state(state)
        return self._after_collect(cookie, state)

    def _after_collect(self, cookie, state):
        verdict = self._evaluate(cookie['spec'], state)
        if verdict.status == health.FAILED:
            self._finish(state, verdict)
            raise exception.Error(_failure_text(verdict))
        return self._start_configure(cookie, state)

    def _start_configure(self, cookie, state):
        spec = cookie['spec']
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        wanted = set(cookie.get('new', ()))
        new = [n for n in info.nodes if n.name in wanted]
        if cookie['action'] == 'create' or cookie.get('fresh'):
            steps = plugin.create_steps(info)
        elif new:
            steps = plugin.scale_up_steps(info, new)
        else:
            steps = []
        # with the agent transport Nova injects the operator's key itself
        operator_key = None if spec.uses_agent else self._operator_key(spec)
        if operator_key and new:
            steps.insert(0, authorize_key_step(new, operator_key))
        cookie['runner'] = self._runner(steps, state, spec)
        cookie['phase'] = 'configure'
        return False

    def _runner(self, steps, state=None, spec=None, cluster_spec=None):
        """A StepRunner over ``steps``; with ``spec``, it stops the moment
        its failures make the cluster FAILED (a node with a mandatory
        process failed, or a group can no longer reach min_active):
        nothing later can make the cluster usable. ``cluster_spec``: the
        cluster as the action means it, when ``spec`` is not given."""
        rsrc = self.rsrc
        state = state if state is not None else self.load_state()
        run_spec = spec or cluster_spec or self.spec(state)
        if run_spec.uses_agent:
            return deploy.AgentRun(self, steps, run_spec)
        private = state_mod.private_key(rsrc)
        pkey = remote.load_private_key(private) if private else None
        remotes = {}

        def should_stop(failures):
            trial = {'layout': state['layout'], 'nodes': {
                name: dict(rec) for name, rec in state['nodes'].items()}}
            for name, failure in failures.items():
                if name in trial['nodes']:
                    state_mod.mark(trial['nodes'][name], FAILED,
                                   failure.phase, failure.reason)
            verdict = self._evaluate(spec, trial)
            return verdict.reason if verdict.status == health.FAILED \
                else None

        def remote_for(node):
            if node.name not in remotes:
                rec = state['nodes'].get(node.name, {})
                remotes[node.name] = remote.NodeRemote(
                    node.name, node.management_ip, state['ssh_user'], pkey,
                    rec.get('host_keys') or [], secrets=(private,))
            return remotes[node.name]

        runner = driver.StepRunner(
            steps, remote_for, pool_size=CONF.savanna.ssh_pool_size,
            secrets=(private,),
            should_stop=should_stop if spec is not None else None)
        runner.remotes = remotes
        return runner

    def _run(self, cookie, label):
        """Advance the cookie's runner once; True when it is done (or
        stopped early: ``cookie['aborted']`` then says why)."""
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, '%s: %s' % (label, runner.progress()))
        if runner.aborted:
            LOG.info('%s: stopped %s early: %s', self.rsrc.name, label,
                     runner.aborted)
            cookie['aborted'] = runner.aborted
        return runner.done

    def _apply_failures(self, state, runner):
        for name, failure in runner.failures.items():
            if name in state['nodes']:
                state_mod.mark(state['nodes'][name], FAILED, failure.phase,
                               failure.reason)

    def _close_runner(self, cookie):
        """Close the runner's sessions; record its node failures and, with
        the accept-new policy, the first host key each node showed."""
        runner = cookie.pop('runner')
        state = self.load_state()
        for name, node_remote in runner.remotes.items():
            rec = state['nodes'].get(name)
            if (rec is not None and not rec.get('host_keys') and
                    node_remote.policy == 'accept-new' and
                    node_remote.seen_host_key):
                rec['host_keys'] = [node_remote.seen_host_key]
            node_remote.close()
        self._apply_failures(state, runner)
        return state, runner

    def _phase_configure(self, cookie):
        if not self._run(cookie, 'configuring'):
            return False
        state, runner = self._close_runner(cookie)
        if cookie.get('aborted'):
            # stopped early: the nodes not configured stay CONFIGURING,
            # the verdict is FAILED anyway
            self.save_state(state)
            return self._phase_finish(cookie)
        wanted = set(cookie.get('new', ()))
        for name, rec in state['nodes'].items():
            if rec['state'] == CONFIGURING and (
                    cookie['action'] == 'create' or name in wanted):
                state_mod.mark(rec, ACTIVE)
        self.save_state(state)
        if runner.failures:
            return self._start_members(cookie, state)
        return self._after_configure(cookie, state)

    def _start_members(self, cookie, state):
        """Nodes failed while the files naming every member were being
        written: rewrite them on the survivors, without the failed."""
        spec = cookie['spec']
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        steps = plugin.membership_steps(info) if info.nodes else []
        return self._start_steps(cookie, state, steps,
                                 'updating member lists')

    def _start_steps(self, cookie, state, steps, label):
        """Run ``steps`` (stopping early like configure does), then go on
        with what follows configuration."""
        cookie['runner'] = self._runner(steps, state, cookie['spec'])
        cookie['label'] = label
        cookie['phase'] = 'steps'
        return False

    def _phase_steps(self, cookie):
        if not self._run(cookie, cookie['label']):
            return False
        state, _runner = self._close_runner(cookie)
        self.save_state(state)
        if cookie.get('aborted'):
            return self._phase_finish(cookie)
        return self._after_configure(cookie, state)

    def _after_configure(self, cookie, state):
        if (cookie.get('reconfigure') or {}).get('restarts') and \
                not cookie.get('reconfigured'):
            return self._start_reconfigure(cookie, state)
        if cookie['action'] == 'update' and cookie.get('leaving'):
            return self._start_decommission(cookie, state)
        return self._phase_finish(cookie)

    def _start_reconfigure(self, cookie, state):
        """The configuration changed: running nodes get their files
        rewritten and only the processes the change needs restarted,
        batch after batch (see core.plan.plan_reconfigure)."""
        spec = cookie['spec']
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        plan = cookie['reconfigure']
        live = {n.name: n for n in info.nodes}
        steps = []
        for batch in plan['batches']:
            nodes = [live[n] for n in batch if n in live]
            if nodes:
                steps += plugin.reconfigure_steps(
                    info, nodes, {n: tuple(plan['restarts'].get(n, ()))
                                  for n in batch})
        cookie['reconfigured'] = True
        return self._start_steps(cookie, state, steps, 'reconfiguring')

    def _start_decommission(self, cookie, state):
        spec = cookie['spec']
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        leaving = [n for n in info.nodes if n.name in set(cookie['leaving'])]
        cookie['runner'] = self._runner(
            plugin.decommission_steps(info, leaving) if leaving else [],
            state, cluster_spec=spec)
        cookie['phase'] = 'decommission'
        return False

    def _phase_decommission(self, cookie):
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, 'decommissioning %d nodes: %s'
                    % (len(cookie['leaving']), runner.progress()))
        if not runner.done:
            return False
        cookie.pop('runner')
        for node_remote in runner.remotes.values():
            node_remote.close()
        state = self.load_state()
        stuck = {n: f for n, f in runner.failures.items()
                 if n in set(cookie['leaving'])}
        if stuck:
            # Never delete a node whose data may not have moved away: keep
            # every leaving node, say which did not finish, let the operator
            # retry (the steps are idempotent) or raise the timeout.
            state.pop('pending', None)
            self.save_state(state)
            raise exception.Error(
                'scale-down stopped, no node removed: decommission did not '
                'finish for %s ([savanna] decommission_timeout is %ss)'
                % ('; '.join('%s: %s' % (n, f.reason)
                             for n, f in sorted(stuck.items())),
                   CONF.savanna.decommission_timeout))
        final = layout_mod.Layout.from_dict(
            state['pending']['final_layout'])
        for name in cookie['leaving']:
            state['nodes'].pop(name, None)
        state['layout'] = final.to_dict()
        state.pop('pending', None)
        self.save_state(state)
        self.rsrc.update_with_template(
            self._template(cookie['spec'], final, state,
                           previous_spec=cookie.get('old_spec')), {})
        cookie['phase'] = 'shrink'
        return False

    def _phase_shrink(self, cookie):
        status = nested.stack_status(self.rsrc.context,
                                     self.rsrc.resource_id)
        if status is None or status.status == self.rsrc.IN_PROGRESS:
            return False
        if status.status == self.rsrc.FAILED:
            raise exception.Error('removing decommissioned nodes failed: %s'
                                  % status.reason)
        return self._phase_finish(cookie)

    def _phase_probe(self, cookie):
        spec = cookie['spec']
        state = self.load_state()
        nova = self.rsrc.client('nova')
        for name, rec in state['nodes'].items():
            if rec['state'] != ACTIVE:
                continue
            try:
                server = nova.servers.get(rec['server_id'])
                if server.status != 'ACTIVE':
                    state_mod.mark(rec, FAILED, 'check',
                                   'server is %s' % server.status)
            except Exception as exc:
                state_mod.mark(rec, FAILED, 'check',
                               'server not found: %s' % type(exc).__name__)
        self.save_state(state)
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        cookie['runner'] = self._runner(plugin.health_steps(info), state,
                                        cluster_spec=spec)
        cookie['phase'] = 'health'
        return False

    def _phase_health(self, cookie):
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, '%s: %s' % (cookie.get('label', 'checking'),
                                        runner.progress()))
        if not runner.done:
            return False
        state, _runner = self._close_runner(cookie)
        self.save_state(state)
        return self._phase_finish(cookie)

    def _phase_resumed(self, cookie):
        rsrc = self.rsrc
        status = nested.stack_status(rsrc.context, rsrc.resource_id)
        if status is None or status.action != rsrc.RESUME or \
                status.status == rsrc.IN_PROGRESS:
            return False
        if status.status == rsrc.FAILED:
            raise exception.Error('resuming the servers failed: %s'
                                  % status.reason)
        spec = cookie['spec']
        state = self.load_state()
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        cookie['runner'] = self._runner(plugin.create_steps(info)
                                        if info.nodes else [], state,
                                        cluster_spec=spec)
        cookie['phase'] = 'health'
        return False

    def _phase_finish(self, cookie):
        state = self.load_state()
        verdict = self._evaluate(cookie['spec'], state)
        self._finish(state, verdict)
        if verdict.status == health.FAILED:
            raise exception.Error(_failure_text(verdict))
        return True

    # -- evaluation and records -----------------------------------------------
    def _evaluate(self, spec, state):
        plugin = plugins.get_plugin(spec.plugin_name)
        return health.evaluate(
            spec, state_mod.layout(state), state_mod.node_states(state),
            plugin.get_mandatory_processes(spec.plugin_version))

    def _finish(self, state, verdict):
        state['summary'] = verdict.summary
        state['status'] = verdict.status
        self.save_state(state)
        self.rsrc.status_reason = verdict.summary
        try:
            self.rsrc.metadata_set({
                'status': verdict.status, 'summary': verdict.summary,
                'active_count': verdict.active_count,
                'desired_count': verdict.desired_count,
                'failed_nodes': verdict.failed_nodes,
                'groups': verdict.groups})
        except exception.ResourceNotAvailable:
            pass

    def _cluster_info(self, spec, state):
        layout = state_mod.layout(state)
        groups = {g.name: g for g in spec.node_groups}
        nodes = []
        for group, name in layout.nodes():
            rec = state['nodes'].get(name)
            if not rec or rec['state'] not in (ACTIVE, CONFIGURING):
                continue
            ng = groups.get(group)
            nodes.append(plugin_base.NodeInfo(
                name=name, group=group,
                # the node's own hostname: every /etc/hosts lists it, so
                # nothing on a node (sudo first) waits on DNS for itself
                fqdn=template_mod.server_name(spec.name, name),
                processes=tuple(rec['processes']),
                management_ip=rec.get('floating_ip') or rec['fixed_ip'],
                internal_ip=rec['fixed_ip'],
                node_configs=dict(ng.node_configs) if ng else {},
                server_id=rec.get('server_id'), image=ng.image if ng else None,
                volumes=tuple(template_mod.device_name(k) for k in
                              range(ng.volumes_per_node if ng else 0))))
        return plugin_base.ClusterInfo(
            name=spec.name, plugin_name=spec.plugin_name,
            plugin_version=spec.plugin_version,
            cluster_configs=dict(spec.cluster_configs), nodes=tuple(nodes))

    def _operator_key(self, spec):
        if not spec.key_name:
            return None
        return self.rsrc.client('nova').keypairs.get(
            spec.key_name).public_key

    def _ssh_user(self, spec):
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

    # -- access for other resources ------------------------------------------
    def access(self):
        """A :class:`heat_savanna.resources.access.ClusterAccess`, or None
        before the cluster has any state."""
        state = self.load_state()
        if not state:
            return None
        spec = self.spec(state)
        return access_mod.ClusterAccess(
            spec=spec, plugin=plugins.get_plugin(spec.plugin_name),
            info=self._cluster_info(spec, state),
            status=self._evaluate(spec, state).status,
            ssh_user=state.get('ssh_user'),
            private_key=state_mod.private_key(self.rsrc),
            host_keys={n: list(r.get('host_keys') or [])
                       for n, r in state['nodes'].items()})

    # -- attributes -----------------------------------------------------------
    def attribute(self, name):
        if name == 'signal_url':
            return self.signal_url()
        state = self.load_state()
        if not state:
            return None
        spec = self.spec(state)
        verdict = self._evaluate(spec, state)
        layout = state_mod.layout(state)
        nodes = []
        for group, node in layout.nodes():
            rec = state['nodes'].get(node, {})
            nodes.append({'name': node, 'group': group,
                          'processes': rec.get('processes', []),
                          'address': rec.get('floating_ip') or
                          rec.get('fixed_ip'),
                          'internal_address': rec.get('fixed_ip'),
                          'server_id': rec.get('server_id'),
                          'state': rec.get('state'),
                          'phase': rec.get('phase', ''),
                          'reason': rec.get('reason', '')})
        if name == 'status':
            return verdict.status
        if name == 'nodes':
            return nodes
        if name == 'active_count':
            return verdict.active_count
        if name == 'desired_count':
            return verdict.desired_count
        if name == 'failed_nodes':
            return verdict.failed_nodes
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        master = _master_of(plugin, spec, info)
        if name == 'master_address':
            return master.management_ip if master else None
        if name == 'master_server':
            return master.server_id if master else None
        if name == 'endpoints':
            return plugin.get_endpoints(info) if info.nodes else {}
        if name == 'info':
            return {'plugin': spec.plugin_name,
                    'version': spec.plugin_version,
                    'status': verdict.status, 'summary': verdict.summary,
                    'groups': verdict.groups}
        raise exception.InvalidTemplateAttribute(resource=self.rsrc.name,
                                                 key=name)


def authorize_key_step(nodes, public_key):
    """Authorise the operator's keypair (key_name) beside the management
    key: Nova injects only one key, the cluster's own."""
    line = public_key.strip()

    def action(node_remote, node):
        quoted = shlex.quote(line)
        node_remote.run('umask 077 && mkdir -p ~/.ssh && touch '
                        '~/.ssh/authorized_keys && (grep -qxF %s '
                        '~/.ssh/authorized_keys || echo %s >> '
                        '~/.ssh/authorized_keys)' % (quoted, quoted))
    return plugin_base.Step(name='authorize operator key', nodes=tuple(nodes),
                            action=action)


def _master_of(plugin, spec, info):
    mandatory = plugin.get_mandatory_processes(spec.plugin_version)
    for proc in ('master', 'namenode'):
        if proc in mandatory:
            nodes = info.nodes_with(proc)
            if nodes:
                return nodes[0]
    return None


def _with_server_group(spec, group_name, reason):
    """Name the anti-affinity server group in a "No valid host" boot
    failure: Nova's own message does not say that the group's policy
    (hard anti-affinity with fewer hosts than nodes) is the likely cause,
    and only admins see the fault details."""
    groups = {g.name: g for g in spec.node_groups}
    group = groups.get(group_name)
    if (group is None or 'no valid host' not in (reason or '').lower() or
            not template_mod.anti_affine(spec, group)):
        return reason
    return ('%s (node is in server group %s-anti-affinity with policy %s: '
            'with hard anti-affinity every node of %s needs its own '
            'host; use anti_affinity_policy soft-anti-affinity or fewer '
            'nodes)' % (reason, spec.name, spec.anti_affinity_policy,
                        ', '.join(spec.anti_affinity)))


def _failure_text(verdict):
    """The FAILED verdict for status_reason, with the first failed node's
    own reason when the verdict only names it (e.g. a group below
    min_active): the operator sees why, not just which."""
    text = verdict.reason or verdict.summary
    first = (verdict.failed_nodes or [None])[0]
    if first and first['reason'] and first['reason'] not in text:
        text += '; first failure: %s in %s: %s' % (
            first['name'], first['phase'] or 'unknown phase',
            first['reason'][-300:])
    return text
