"""The lifecycle of a cluster action: what happens next, decided purely.

An action of OS::Savanna::Cluster (create, update, check, resume) is a
short list of phases. The resource layer executes one phase at a time
(:mod:`heat_savanna.resources.phases`, one small executor per phase,
dispatched from one table); every executor asks this module what comes
next and what to do there:

create:  infra -> collect [-> discover] -> configure [-> steps (members)]
         -> finish
update:  infra -> collect [-> discover] -> configure [-> steps (members)]
         [-> steps (reconfigure)] [-> decommission -> shrink] -> finish
check:   probe -> health -> finish
resume:  resumed -> health -> finish
auto-heal (an update a watchdog's report asked for):
         probe -> health -> auto_heal [-> the update's phases] -> finish

With ``auto_heal`` enabled, create, update and resume start (or re-set)
the watchdog before they finish (``watch``); an update that disables it
stops it there.

* ``infra`` waits for the cluster's nested stack (one rule:
  :func:`heat_savanna.core.build.judge_stack`); ``collect`` reads what each
  node set built; nodes another node's failure left unfinished get a
  follow-up update first (back to ``infra``, at most
  :data:`MAX_FOLLOW_UPS` times).
* ``configure`` and ``steps`` run plugin steps through the cluster's
  transport and stop the moment the cluster can no longer be usable
  (:func:`stop_reason`).
* ``decommission`` drains leaving nodes; ``shrink`` waits for the nested
  stack without them.

:class:`Action` is all an action remembers between two looks. Pure: no
Heat import, no I/O.
"""

import dataclasses
import typing

from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import autoheal
from heat_savanna.core import bootstrap
from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import plan as plan_mod
from heat_savanna.core import records
from heat_savanna.core import signals
from heat_savanna.core import template as template_mod
from heat_savanna.plugins import base as plugin_base
from heat_savanna.plugins import sizing

ACTIONS = (CREATE, UPDATE, CHECK, RESUME) = (
    'create', 'update', 'check', 'resume')
#: follow-up nested updates that finish nodes left unfinished
MAX_FOLLOW_UPS = 2
#: the processes that make a node "the master", in the order looked for
MASTER_PROCESSES = ('master', 'namenode', 'resourcemanager')


@dataclasses.dataclass
class Action:
    """What one running action of a cluster remembers between looks
    (Heat hands it from ``handle_*`` to every ``check_*_complete``)."""
    kind: str
    phase: str
    spec: typing.Any                    # core.model.ClusterSpec
    #: the nested stack action the ``infra`` phase waits for
    expect: str = 'CREATE'
    old_spec: typing.Any = None
    #: nodes this action builds and configures
    new: tuple = ()
    #: nodes decommissioned, then removed
    leaving: tuple = ()
    #: no node was ever configured: the plugin's create steps
    fresh: bool = False
    reconfigure: typing.Optional[plan_mod.Reconfigure] = None
    reconfigured: bool = False
    follow_ups: int = 0
    boot_done: int = 0
    #: what the ``steps`` and ``health`` phases say they are doing
    label: str = 'configuring'
    #: why a run of steps stopped early (the cluster cannot be usable)
    aborted: typing.Optional[str] = None
    # the executors' handles: the nested-stack wait, the run of steps,
    # the discovery of a cluster made before node sets, the throttles of
    # progress lines
    wait: typing.Any = None
    run: typing.Any = None
    discovery: typing.Any = None
    progress: typing.Any = None
    boot_progress: typing.Any = None
    #: an automatic heal in this update (:class:`AutoHealRun`)
    heal: typing.Any = None
    #: the auto-heal watchdog was started, re-set or stopped
    watched: bool = False

    @property
    def creates(self):
        return self.kind == CREATE

    def take_over(self, other):
        """Become ``other`` (the update an automatic heal decided on),
        keeping what this action already has: its progress lines and its
        heal."""
        for field in dataclasses.fields(self):
            if field.name not in ('progress', 'boot_progress', 'heal'):
                setattr(self, field.name, getattr(other, field.name))


@dataclasses.dataclass
class AutoHealRun:
    """An update a watchdog's report asked for: re-check first, then
    maybe heal (:func:`heat_savanna.core.autoheal.decide`)."""
    report: autoheal.Report
    #: the template's specs the heal's update is decided on
    old_template: typing.Any
    new_template: typing.Any
    #: ``[(lost node, its replacement or None)]`` once decided
    pairs: tuple = ()


def start_auto_heal(state, spec, request, old_template, new_template, now):
    """The action of an update a watchdog's report (``request``) asked
    for: every node is probed first (as a stack check does); the cool-down
    counts from now."""
    state['auto_heal'] = autoheal.record_started(state.get('auto_heal'),
                                                 now)
    report = autoheal.Report(lost=tuple(request.lost), since=request.since,
                             reporter=request.reporter)
    return Action(kind=UPDATE, phase='probe', spec=spec,
                  label='auto-heal: re-checking every node',
                  heal=AutoHealRun(report, old_template, new_template))


def after_health(action):
    """The phase after every node was probed: the automatic heal's
    decision, or the end."""
    return 'auto_heal' if action.heal is not None else 'finish'


def wants_watch(action, spec, state):
    """Whether the action starts, re-sets or stops the watchdog before it
    finishes: it changed or restarted nodes, and auto-heal is on (or was,
    and watchdogs still run)."""
    if action.watched or action.kind not in (CREATE, UPDATE, RESUME):
        return False
    return spec.auto_heal.enabled or bool(
        (state.get('auto_heal') or {}).get('watchers'))


def group_of(state, layout):
    """``name -> group`` of the nodes the state or ``layout`` knows."""
    groups = {n: r.get('group') for n, r in state['nodes'].items()}
    groups.update({name: group for group, name in layout.nodes()})
    return groups.get


@dataclasses.dataclass(frozen=True)
class UpdateDecision:
    """What a stack update of a running cluster will do."""
    spec: typing.Any
    #: the cluster as it was meant before the update (signal counts in)
    old_spec: typing.Any
    overrides: dict
    plan: plan_mod.UpdatePlan
    reconfigure: plan_mod.Reconfigure
    #: events to add, in order
    events: tuple = ()


def template_spec(spec, kept_version, version_named):
    """The spec of the template's properties: a template that names no
    version keeps the one the cluster was built with, even after the
    plugin's default moved on."""
    if kept_version and not version_named and \
            spec.plugin_version != kept_version:
        return dataclasses.replace(spec, plugin_version=kept_version)
    return spec


def transport_change_errors(old_spec, spec):
    if spec.transport == old_spec.transport:
        return []
    return [ValidationError(
        'transport', 'a running cluster cannot change from %s to %s (its '
        'nodes were built for %s); create a new cluster instead'
        % (old_spec.transport, spec.transport, old_spec.transport))]


def restarts_needed(plugin, version):
    """What the plugin's catalog says a change restarts; without a
    catalog, every process of a node whose configuration changed."""
    try:
        catalog = plugin.get_config_catalog(version)
    except (AttributeError, ValueError):
        catalog = None
    if catalog is not None:
        return catalog.restarts_needed
    every = tuple(plugin.get_all_processes(version))
    return lambda before, after: every if before != after else ()


def decide_update(state, old_template, new_template, plugin, set_size,
                  request=None):
    """The :class:`UpdateDecision` of a stack update (``request``: the
    signal that asked for it, a :class:`signals.Request`).

    :raises ValidationError: a resize the group's bounds refuse.
    :raises InvalidUpdate: changes no update does in place (their list).
    """
    old_spec = signals.apply_overrides(old_template, state.get('overrides'))
    # a count a signal set stays unless this update changes the group's
    # count in the template
    overrides = signals.carry_overrides(state.get('overrides'),
                                        old_template, new_template)
    if request is not None and request.action == signals.RESIZE:
        overrides[request.group] = signals.resize_target(
            signals.apply_overrides(new_template, overrides), request)
    spec = signals.apply_overrides(new_template, overrides)
    errors = transport_change_errors(old_spec, spec)
    if errors:
        raise InvalidUpdate(errors)
    errors = plan_mod.fixed_group_changes(old_spec, spec)
    errors += plugin.validate_scaling(
        spec, {g.name: g.count for g in spec.node_groups})
    if errors:
        raise InvalidUpdate(errors)
    states = {n: r['state'] for n, r in state['nodes'].items()}
    plan = plan_mod.plan_update(spec, records.layout(state), states,
                                set_size)
    staying = {n: st for n, st in states.items()
               if n in plan.final and n not in plan.added}
    reconf = plan_mod.plan_reconfigure(
        old_spec, spec, plan.final, staying,
        restarts_needed(plugin, spec.plugin_version),
        plugin.get_mandatory_processes(spec.plugin_version))
    events = []
    if request is not None:
        events.append('signal %s: adding %d, removing %d nodes'
                      % (request.describe(), len(plan.added),
                         len(plan.leaving) + len(plan.dropped)))
    if reconf:
        events.append('configuration changed: %d running nodes to update '
                      'in %d batches, %d to restart'
                      % (len(reconf.restarts), len(reconf.batches),
                         sum(1 for p in reconf.restarts.values() if p)))
    scripts = bootstrap.change_event(old_spec, spec, len(staying))
    if scripts:
        events.append(scripts)
    return UpdateDecision(spec=spec, old_spec=old_spec,
                          overrides=overrides, plan=plan,
                          reconfigure=reconf, events=tuple(events))


class InvalidUpdate(Exception):
    """An update the cluster refuses; ``errors``: ValidationErrors."""

    def __init__(self, errors):
        super(InvalidUpdate, self).__init__(
            '; '.join(str(e) for e in errors))
        self.errors = list(errors)


def apply_update(state, decision):
    """The state as the update starts: node records added and dropped,
    the layout while it runs, what is pending; returns the Action."""
    plan = decision.plan
    state['overrides'] = decision.overrides
    records.drop_nodes(state, plan.dropped)
    records.add_nodes(state, decision.spec, plan.grow, plan.added)
    state['layout'] = plan.grow.to_dict()
    state['pending'] = {'final_layout': plan.final.to_dict(),
                        'leaving': list(plan.leaving)}
    return Action(kind=UPDATE, phase='infra', spec=decision.spec,
                  expect='UPDATE', old_spec=decision.old_spec,
                  fresh=plan.fresh,
                  new=tuple(plan.configure), leaving=tuple(plan.leaving),
                  reconfigure=decision.reconfigure)


def evaluate(spec, state, plugin):
    return health.evaluate(
        spec, records.layout(state), records.node_states(state),
        plugin.get_mandatory_processes(spec.plugin_version))


def stop_reason(spec, state, failures, plugin):
    """Why a run of steps must stop now, or None: with ``failures`` the
    cluster would be FAILED (a node with a mandatory process failed, a
    group can no longer reach min_active), so nothing later can make it
    usable."""
    verdict = evaluate(spec, records.with_failures(state, failures), plugin)
    return verdict.reason if verdict.status == health.FAILED else None


def after_collect(action, follow_ups_wanted):
    """The phase after ``collect``: another ``infra`` round to finish
    unfinished nodes (while follow-ups are left), else ``configure``."""
    if follow_ups_wanted and action.follow_ups < MAX_FOLLOW_UPS:
        return 'infra'
    return 'configure'


def after_configure(action):
    """The phase after the nodes are configured (or their member lists
    rewritten): a configuration change to roll out, nodes to
    decommission, or the end."""
    if action.aborted:
        return 'finish'
    if action.reconfigure and not action.reconfigured:
        return 'reconfigure'
    if action.kind == UPDATE and action.leaving:
        return 'decommission'
    return 'finish'


def configure_kind(action, new_nodes):
    """Which of the plugin's step lists configures this action's nodes:
    ``create`` (a new cluster, or one no node of which was ever
    configured), ``scale_up`` or None."""
    if action.creates or action.fresh:
        return 'create'
    return 'scale_up' if new_nodes else None


def cluster_info(spec, state):
    """The plugin's view (``plugins.base.ClusterInfo``) of the cluster's
    live nodes: ACTIVE, or being configured."""
    groups = {g.name: g for g in spec.node_groups}
    flavors = state.get('flavors') or {}
    nodes = []
    for group, name in records.layout(state).nodes():
        rec = state['nodes'].get(name)
        if not rec or rec['state'] not in (health.ACTIVE,
                                           health.CONFIGURING):
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
            flavor=sizing.Flavor.from_dict(flavors.get(ng.flavor)) if ng
            else None,
            volumes=tuple(template_mod.device_name(k) for k in
                          range(ng.volumes_per_node if ng else 0))))
    return plugin_base.ClusterInfo(
        name=spec.name, plugin_name=spec.plugin_name,
        plugin_version=spec.plugin_version,
        cluster_configs=dict(spec.cluster_configs), nodes=tuple(nodes))


def master(plugin, spec, info):
    """The node carrying the first mandatory master-like process
    (spark master, namenode, resourcemanager), or None."""
    mandatory = plugin.get_mandatory_processes(spec.plugin_version)
    for proc in MASTER_PROCESSES:
        if proc in mandatory:
            nodes = info.nodes_with(proc)
            if nodes:
                return nodes[0]
    return None


def with_server_group(spec, group_name, reason):
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


def failure_text(verdict):
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


def decommission_failure(stuck, timeout):
    """Why a scale-down stopped with every leaving node kept: never delete
    a node whose data may not have moved away."""
    return ('scale-down stopped, no node removed: decommission did not '
            'finish for %s ([savanna] decommission_timeout is %ss)'
            % ('; '.join('%s: %s' % (n, f.reason)
                         for n, f in sorted(stuck.items())), timeout))


def finish_decommission(state, leaving):
    """The state once ``leaving`` are drained: their records gone, the
    final layout in force; returns that layout."""
    final = layout_mod.Layout.from_dict(
        state['pending']['final_layout'])
    records.drop_nodes(state, leaving)
    state['layout'] = final.to_dict()
    state.pop('pending', None)
    return final


def metadata(verdict):
    """The resource metadata of a verdict (Horizon shows it)."""
    return {'status': verdict.status, 'summary': verdict.summary,
            'active_count': verdict.active_count,
            'desired_count': verdict.desired_count,
            'failed_nodes': verdict.failed_nodes,
            'groups': verdict.groups}
