"""The executors of a cluster action's phases, dispatched from one table.

The order of the phases and every decision is
:mod:`heat_savanna.core.lifecycle`'s. Each executor here does one phase's
I/O (read the nested stack, run steps through the transport, update the
nested template) and returns where the action goes: :func:`now` (on to
that phase in the same look), :func:`later` (that phase at the next
look) or :data:`DONE`. :func:`advance` is what the resource's
``check_*_complete`` calls.
"""

import functools
import time

from oslo_config import cfg
from oslo_log import log as logging

from heat.common import exception

from heat_savanna.core import autoheal
from heat_savanna.core import bootstrap
from heat_savanna.core import build
from heat_savanna.core import health
from heat_savanna.core import lifecycle
from heat_savanna.core import records
from heat_savanna.core import signals
from heat_savanna.core import template as template_mod
from heat_savanna.resources import context as context_mod
from heat_savanna.resources import discovery
from heat_savanna.resources import infra
from heat_savanna.resources import nested
from heat_savanna.resources import progress
from heat_savanna.resources import transport

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

#: seconds between two progress lines (status_reason and an event)
REPORT_INTERVAL = 3.0
DONE = ('done', False)


def now(phase):
    return (phase, True)


def later(phase):
    return (phase, False)


def advance(rsrc, action):
    """One look at ``action`` (an :class:`lifecycle.Action`); True when it
    is done. Raises ``exception.Error`` naming why it failed."""
    if action is None:      # e.g. an update that Heat handles itself
        return True
    ctx = context_mod.ClusterContext(rsrc, action.spec)
    if action.progress is None:
        action.progress = progress.Throttle(REPORT_INTERVAL)
        action.boot_progress = progress.Throttle(REPORT_INTERVAL)
    while True:
        target, go_on = PHASES[action.phase](ctx, action)
        if (target, go_on) == DONE:
            return True
        action.phase = target
        if not go_on:
            return False


def report(ctx, action, reason, force=False):
    ctx.rsrc.report_progress(action.progress, reason, force=force)


# -- the nested stack --------------------------------------------------------
def wait_nested(ctx, action, expect):
    """One look at the cluster's nested stack, waiting for ``expect``:
    the verdict and the stack's status."""
    if action.wait is None:
        action.wait = nested.Wait(ctx.rsrc.resource_id, expect)
    wait = action.wait
    verdict = wait.look(ctx.rsrc.context)
    if verdict != build.WAIT:
        action.wait = None
    return verdict, wait.status


def infra_phase(ctx, action):
    if wait_nested(ctx, action, action.expect)[0] == build.WAIT:
        report_boot(ctx, action)
        return later('infra')
    return now('collect')


def report_boot(ctx, action):
    if not action.boot_progress.due():
        return
    layout = ctx.layout
    new = [n for n in action.new if n in layout]
    if not new:
        return
    up = infra.servers_up(ctx.rsrc.context, ctx.rsrc.root_stack_id,
                          ctx.rsrc.resource_id, layout, new)
    # never backwards: a row being replaced is not a server going down
    action.boot_done = max(action.boot_done, up)
    report(ctx, action, 'booting: %d/%d servers up'
           % (action.boot_done, len(new)))


def collect(ctx, action):
    rsrc, state, layout = ctx.rsrc, ctx.state, ctx.layout
    wanted = [n for n in action.new if n in layout and
              not state['nodes'].get(n, {}).get('removed')]
    builds = infra.read(rsrc.context, rsrc.resource_id, layout, wanted)
    if builds.shared_failures:
        # The keypair, security group or server group failed: no node
        # can be trusted. Say what failed.
        raise exception.Error('cluster infrastructure failed: %s'
                              % '; '.join(builds.shared_failures))
    unfinished = [n for n, r in builds.records.items()
                  if r['state'] == build.UNFINISHED]
    if lifecycle.after_collect(action, bool(unfinished)) == 'infra':
        return follow_up(ctx, action, builds.records, unfinished)
    records.take_builds(state, wanted, builds.records,
                        functools.partial(lifecycle.with_server_group,
                                          action.spec))
    ctx.save()
    if builds.flat:
        # nodes of a cluster created before node sets: learn their
        # addresses and host keys here
        outputs = nested_outputs(rsrc)
        action.discovery = discovery.Discovery(
            rsrc, builds.flat,
            {n: outputs.get(template_mod.OUTPUT_PREFIX + n) or {}
             for n in builds.flat})
        return now('discover')
    return judge_built(ctx, action)


def follow_up(ctx, action, built, unfinished):
    """Finish nodes another node's failure left unfinished: update the
    nested stack again, without the failed nodes' resources."""
    action.follow_ups += 1
    records.take_failed_builds(ctx.state, built)
    ctx.save()
    LOG.info('%s: finishing %s with a follow-up update', ctx.rsrc.name,
             ', '.join(sorted(unfinished)))
    report(ctx, action, 'finishing %d nodes left unfinished'
           % len(unfinished), force=True)
    ctx.rsrc.update_with_template(
        ctx.template(ctx.layout, previous_spec=action.old_spec), {})
    action.expect = ctx.rsrc.UPDATE
    return later('infra')


def nested_outputs(rsrc):
    stacks = rsrc.rpc_client().show_stack(
        rsrc.context, dict(rsrc.nested_identifier()), resolve_outputs=True)
    outputs = {}
    for out in (stacks[0].get('outputs') or []) if stacks else []:
        if not out.get('output_error'):
            outputs[out['output_key']] = out.get('output_value')
    return outputs


def discover(ctx, action):
    if not action.discovery.advance():
        return later('discover')
    records.take_discovered(ctx.state, action.discovery.records())
    action.discovery = None
    ctx.save()
    return judge_built(ctx, action)


def judge_built(ctx, action):
    """Whatever failed to build, can the cluster still be usable?"""
    verdict = ctx.evaluate()
    if verdict.status == health.FAILED:
        ctx.finish(verdict)
        raise exception.Error(lifecycle.failure_text(verdict))
    return now('configure')


# -- steps on the nodes ------------------------------------------------------
def start_steps(ctx, action, steps, label, phase, stop_early=True,
                running=False):
    action.run = transport.open_run(ctx, steps, stop_early, running)
    action.label = label
    return later(phase)


def run_once(ctx, action):
    """Advance the action's run once; True when it is done (or stopped
    early: ``action.aborted`` then says why)."""
    run = action.run
    run.advance()
    report(ctx, action, '%s: %s' % (action.label, run.progress()))
    if run.aborted:
        LOG.info('%s: stopped %s early: %s', ctx.rsrc.name, action.label,
                 run.aborted)
        action.aborted = run.aborted
    return run.done


def close_run(ctx, action):
    """Close the run; record its node failures and the host keys nodes
    first showed (accept-new). Returns the failures."""
    run, action.run = action.run, None
    records.learn_host_keys(ctx.state, run.close())
    records.take_failures(ctx.state, run.failures)
    return run.failures


def configure(ctx, action):
    if action.run is None:
        ctx.learn_flavors()
        info = ctx.info()
        new = [n for n in info.nodes if n.name in set(action.new)]
        kind = lifecycle.configure_kind(action, new)
        steps = {'create': lambda: ctx.plugin.create_steps(info),
                 'scale_up': lambda: ctx.plugin.scale_up_steps(info, new),
                 None: list}[kind]()
        # the author's own set-up first (the plugin's image check may
        # look for what it installed), the operator's key before that
        scripts = bootstrap.step(ctx.spec, new)
        if scripts is not None:
            steps.insert(0, scripts)
        operator_key = None if ctx.spec.uses_agent else ctx.operator_key()
        if operator_key and new:
            steps.insert(0, transport.authorize_key_step(new, operator_key))
        return start_steps(ctx, action, steps, 'configuring', 'configure')
    if not run_once(ctx, action):
        return later('configure')
    failures = close_run(ctx, action)
    if not action.aborted:
        # stopped early, the nodes not configured stay CONFIGURING: the
        # verdict is FAILED anyway
        records.mark_configured(
            ctx.state, None if action.creates else set(action.new))
    ctx.save()
    if failures and not action.aborted:
        return now('members')
    return now(lifecycle.after_configure(action))


def members(ctx, action):
    """Nodes failed while the files naming every member were being
    written: rewrite them on the survivors, without the failed."""
    info = ctx.info()
    steps = ctx.plugin.membership_steps(info) if info.nodes else []
    return start_steps(ctx, action, steps, 'updating member lists', 'steps')


def steps(ctx, action):
    if not run_once(ctx, action):
        return later('steps')
    close_run(ctx, action)
    ctx.save()
    return now(lifecycle.after_configure(action))


def reconfigure(ctx, action):
    """The configuration changed: running nodes get their files rewritten
    and only the processes the change needs restarted, batch after batch
    (see core.plan.plan_reconfigure)."""
    info = ctx.info()
    plan = action.reconfigure
    live = {n.name: n for n in info.nodes}
    all_steps = []
    for batch in plan.batches:
        nodes = [live[n] for n in batch if n in live]
        if nodes:
            all_steps += ctx.plugin.reconfigure_steps(
                info, nodes, {n: tuple(plan.restarts.get(n, ()))
                              for n in batch})
    action.reconfigured = True
    return start_steps(ctx, action, all_steps, 'reconfiguring', 'steps')


def decommission(ctx, action):
    if action.run is None:
        info = ctx.info()
        leaving = [n for n in info.nodes if n.name in set(action.leaving)]
        return start_steps(
            ctx, action,
            ctx.plugin.decommission_steps(info, leaving) if leaving else [],
            'decommissioning %d nodes' % len(action.leaving),
            'decommission', stop_early=False)
    if not run_once(ctx, action):
        return later('decommission')
    run, action.run = action.run, None
    run.close()
    stuck = {n: f for n, f in run.failures.items() if n in action.leaving}
    if stuck:
        # keep every leaving node, say which did not finish, let the
        # operator retry (the steps are idempotent) or raise the timeout
        ctx.state.pop('pending', None)
        ctx.save()
        raise exception.Error(lifecycle.decommission_failure(
            stuck, CONF.savanna.decommission_timeout))
    final = lifecycle.finish_decommission(ctx.state, action.leaving)
    ctx.save()
    ctx.rsrc.update_with_template(
        ctx.template(final, previous_spec=action.old_spec), {})
    return later('shrink')


def shrink(ctx, action):
    if not nested_done(ctx, action, ctx.rsrc.UPDATE,
                       'removing decommissioned nodes failed'):
        return later('shrink')
    return now('finish')


def nested_done(ctx, action, expect, failure):
    """Whether the nested stack has done ``expect``; raises ``failure``
    with the stack's own reason when it failed."""
    verdict, status = wait_nested(ctx, action, expect)
    if verdict == build.STACK_FAILED:
        raise exception.Error('%s: %s' % (failure, status.reason))
    return verdict == build.DONE


# -- check and resume --------------------------------------------------------
def probe(ctx, action):
    nova = ctx.rsrc.client('nova')
    servers = {}
    for name, rec in ctx.state['nodes'].items():
        if rec['state'] != health.ACTIVE:
            continue
        try:
            servers[name] = (nova.servers.get(rec['server_id']).status, '')
        except Exception as exc:
            servers[name] = (None, type(exc).__name__)
    records.mark_lost(ctx.state, servers)
    ctx.save()
    return start_steps(ctx, action, ctx.plugin.health_steps(ctx.info()),
                       action.label, 'health', stop_early=False,
                       running=True)


def health_phase(ctx, action):
    if not run_once(ctx, action):
        return later('health')
    close_run(ctx, action)
    ctx.save()
    return now(lifecycle.after_health(action))


# -- auto-heal ---------------------------------------------------------------
def auto_heal(ctx, action):
    """Every node re-checked: rebuild what is failed, if the cap allows
    (the update of a heal), else finish saying why not."""
    run, state, stamp = action.heal, ctx.state, time.time()
    decision = autoheal.decide(ctx.spec.auto_heal, state.get('auto_heal'),
                               records.failed_names(state), run.report,
                               stamp)
    ctx.rsrc.report_event(decision.text)
    if not decision.rebuild:
        return now('finish')
    update = lifecycle.decide_update(
        state, run.old_template, run.new_template, ctx.plugin,
        CONF.savanna.node_set_size,
        signals.Request(signals.AUTO_HEAL, lost=decision.rebuild))
    run.pairs = tuple(autoheal.pair_rebuilt(
        decision.rebuild, update.plan.added,
        lifecycle.group_of(state, update.plan.grow)))
    state['auto_heal'] = autoheal.record_rebuilt(
        state.get('auto_heal'), decision.rebuild, stamp)
    action.take_over(ctx.start_update(update))
    return later('infra')


def watch(ctx, action):
    """Start, re-set or stop the auto-heal watchdog for the cluster as it
    is now. Its failure fails no node (the services run): it is told."""
    if action.run is None:
        action.watched = True
        step = ctx.watch_step()
        if step is None:
            return now('finish')
        return start_steps(ctx, action, [step], 'auto-heal watchdog',
                           'watch', stop_early=False, running=True)
    if not run_once(ctx, action):
        return later('watch')
    run, action.run = action.run, None
    records.learn_host_keys(ctx.state, run.close())
    for name, failure in sorted(run.failures.items()):
        ctx.rsrc.report_event('auto-heal watchdog not started on %s: %s'
                              % (name, failure.reason))
    # where a watchdog may run now: where one was meant to start, and
    # where one was to stop but did not say it stopped
    record = dict(ctx.state.get('auto_heal') or {})
    before = set(record.get('watchers') or ())
    record['watchers'] = sorted(ctx.watchers() |
                                (before & set(run.failures)))
    ctx.state['auto_heal'] = record
    ctx.save()
    return now('finish')


def resumed(ctx, action):
    if not nested_done(ctx, action, ctx.rsrc.RESUME,
                       'resuming the servers failed'):
        return later('resumed')
    info = ctx.info()
    return start_steps(ctx, action,
                       ctx.plugin.create_steps(info) if info.nodes else [],
                       action.label, 'health', stop_early=False)


def finish(ctx, action):
    verdict = ctx.evaluate()
    if verdict.status != health.FAILED and \
            lifecycle.wants_watch(action, ctx.spec, ctx.state):
        return now('watch')
    note = None
    if action.heal is not None and action.heal.pairs:
        note = autoheal.rebuilt_text(
            action.heal.report, action.heal.pairs,
            {n: r['state'] for n, r in ctx.state['nodes'].items()})
        ctx.rsrc.report_event(note)
    ctx.finish(verdict, note)
    if verdict.status == health.FAILED:
        raise exception.Error(lifecycle.failure_text(verdict))
    return DONE


PHASES = {
    'infra': infra_phase, 'collect': collect, 'discover': discover,
    'configure': configure, 'members': members, 'steps': steps,
    'reconfigure': reconfigure, 'decommission': decommission,
    'shrink': shrink, 'probe': probe, 'health': health_phase,
    'resumed': resumed, 'auto_heal': auto_heal, 'watch': watch,
    'finish': finish,
}
