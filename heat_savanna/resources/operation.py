"""The Heat-side orchestration of one OS::Savanna::Cluster action.

``ClusterOperation`` is the glue between Heat (nested stack RPC, Nova client,
resource data, events) and the layers below it (pure core, provisioning
driver, plugins). Every action is a small state machine advanced from the
resource's ``check_*_complete`` so that no call holds the engine for long:

create:  infra (nested stack) -> discover nodes -> configure -> finish
update:  grow (nested stack with new nodes, failed ones dropped)
         -> discover -> join new nodes -> decommission leaving nodes
         -> shrink (nested stack without them) -> finish
check:   probe servers and services -> finish

Persistent state, in resource data:
``cluster`` (JSON: layout, per-node records, summary) and
``management_key`` (the private key, stored with ``redact=True`` so Heat
encrypts it; never logged, never in an attribute, output or event).
"""

import json
import shlex
import time

from oslo_config import cfg
from oslo_log import log as logging

from heat.common import exception
from heat.objects import resource as resource_objects
from heat.objects import stack as stack_object

from heat_savanna.common import config as sv_config
from heat_savanna.core import health
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import template as template_mod
from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import driver
from heat_savanna import remote
from heat_savanna.resources import access as access_mod

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
sv_config.register_opts(CONF)

#: node group keys that cannot change in place for an existing group: they
#: define the servers and volumes themselves (rebuilding them would lose
#: data). Add a new group and scale the old one to 0 instead.
FIXED_GROUP_KEYS = ('node_processes', 'flavor', 'image', 'volumes_per_node',
                    'volume_size', 'volume_type', 'volumes_availability_zone',
                    'floating_ip', 'availability_zone')
STATE_KEY = 'cluster'
KEY_KEY = 'management_key'
PLACEHOLDER_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNhdmFubmEtcGxh'
                   'Y2Vob2xkZXIta2V5LXZhbGlkYXRlIA== validate-only')
REPORT_INTERVAL = 3.0
SETTLE_POLLS = 2
ACTIVE, CONFIGURING, FAILED = (health.ACTIVE, health.CONFIGURING,
                               health.FAILED)


class ClusterOperation(object):

    def __init__(self, rsrc):
        self.rsrc = rsrc

    # -- persistent state -----------------------------------------------------
    def load_state(self):
        try:
            raw = self.rsrc.data().get(STATE_KEY)
        except exception.NotFound:
            raw = None
        return json.loads(raw) if raw else {}

    def save_state(self, state):
        self.rsrc.data_set(STATE_KEY, json.dumps(state, sort_keys=True))

    def _private_key(self):
        return self.rsrc.data().get(KEY_KEY)

    # -- templates ------------------------------------------------------------
    def keypair_name(self):
        # Before the stack is stored (validate) there is no physical name.
        base = (self.rsrc.physical_resource_name() or
                '%s-%s' % (self.rsrc.stack.name, self.rsrc.name))
        return base + '-mgmt'

    def _template(self, spec, layout, state, previous_spec=None):
        plugin = plugins.get_plugin(spec.plugin_name)
        return template_mod.generate(
            spec, layout, plugin.get_ports(spec), self.keypair_name(),
            state.get('public_key') or PLACEHOLDER_KEY,
            options={'ssh_cidr': CONF.savanna.ssh_cidr,
                     'previous_spec': previous_spec})

    def child_template(self):
        spec = self.rsrc._spec()
        state = self.load_state() if self.rsrc.id else {}
        if state.get('layout'):
            layout = layout_mod.Layout.from_dict(state['layout'])
        else:
            layout = layout_mod.Layout.initial(spec)
        return self._template(spec, layout, state)

    # -- progress reporting ---------------------------------------------------
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
    def start_create(self):
        spec = self.rsrc._spec()
        private, public = remote.generate_keypair()
        self.rsrc.data_set(KEY_KEY, private, redact=True)
        layout = layout_mod.Layout.initial(spec)
        state = {'layout': layout.to_dict(), 'public_key': public,
                 'ssh_user': self._ssh_user(spec), 'nodes': {},
                 'summary': 'BUILDING: creating %d nodes'
                 % len(layout.nodes())}
        for group, name in layout.nodes():
            state['nodes'][name] = self._new_record(spec, group, name)
        self.save_state(state)
        self.rsrc.create_with_template(self._template(spec, layout, state),
                                       {})
        return {'action': 'create', 'phase': 'infra', 'spec': spec,
                'expect': self.rsrc.CREATE, 'new': [n for _g, n in
                                                    layout.nodes()]}

    def start_update(self, new_props):
        spec = self.rsrc._spec(new_props)
        state = self.load_state()
        old_spec = self.rsrc._spec()
        self._check_group_changes(old_spec, spec)
        layout = layout_mod.Layout.from_dict(state['layout'])
        failed = [n for n, r in state['nodes'].items()
                  if r['state'] == FAILED]
        change = layout.resize(spec, failed=failed,
                               removal_candidates=spec.removal_candidates)
        plugin = plugins.get_plugin(spec.plugin_name)
        counts = {g.name: g.count for g in spec.node_groups}
        errors = plugin.validate_scaling(spec, counts)
        if errors:
            raise exception.StackValidationFailed(
                message='; '.join(str(e) for e in errors))
        leaving = [n for n in change.removed if n not in failed]
        # Grow first: keep the leaving nodes until they are decommissioned,
        # so a failure or rollback before that leaves them serving.
        grow = change.new_layout.with_nodes(
            [(state['nodes'][n]['group'], n) for n in leaving])
        for name in change.removed:
            if name in failed:
                state['nodes'].pop(name, None)
        for group, name in change.new_layout.nodes():
            if name in change.added:
                state['nodes'][name] = self._new_record(spec, group, name)
        # Nodes that booted but were never configured (a create that
        # failed below min_active stops before configuring anyone) are
        # configured by this update too; if no node was ever configured,
        # the whole cluster gets the plugin's create steps.
        unconfigured = [n for _g, n in change.new_layout.nodes()
                        if n not in change.added and
                        state['nodes'].get(n, {}).get('state') in (
                            health.BUILDING, CONFIGURING)]
        fresh = not any(r['state'] == ACTIVE
                        for r in state['nodes'].values())
        state['layout'] = grow.to_dict()
        state['pending'] = {'final_layout': change.new_layout.to_dict(),
                            'leaving': leaving}
        self.save_state(state)
        self.rsrc.update_with_template(
            self._template(spec, grow, state, previous_spec=old_spec), {})
        return {'action': 'update', 'phase': 'infra', 'spec': spec,
                'old_spec': old_spec, 'fresh': fresh,
                'expect': self.rsrc.UPDATE,
                'new': list(change.added) + unconfigured,
                'leaving': leaving}

    def start_check(self):
        spec = self.rsrc._spec()
        return {'action': 'check', 'phase': 'probe', 'spec': spec}

    # -- the state machine ----------------------------------------------------
    def advance(self, cookie):
        if cookie is None:      # e.g. an update that Heat handles itself
            return True
        phase = cookie['phase']
        return getattr(self, '_phase_' + phase)(cookie)

    def _phase_infra(self, cookie):
        rsrc = self.rsrc
        try:
            action, status, reason, _upd = stack_object.Stack.get_status(
                rsrc.context, rsrc.resource_id)
        except exception.NotFound:
            return False
        if action != cookie['expect'] or status == rsrc.IN_PROGRESS:
            self._report_boot(cookie)
            return False
        if status == rsrc.FAILED:
            # Other nodes may still be building after the first failure:
            # wait until no nested resource is in progress.
            resources = self._nested_resources()
            busy = [r for r in resources
                    if r['resource_status'] == rsrc.IN_PROGRESS]
            cookie['settled'] = 0 if busy else cookie.get('settled', 0) + 1
            if cookie['settled'] < SETTLE_POLLS:
                self._report_boot(cookie, resources)
                return False
        cookie['phase'] = 'discover'
        return self._phase_discover(cookie)

    def _report_boot(self, cookie, resources=None):
        now = time.monotonic()
        if now - cookie.get('boot_reported_at', 0) < REPORT_INTERVAL:
            return
        cookie['boot_reported_at'] = now
        if resources is None:
            resources = self._nested_resources()
        new = set(cookie.get('new', ()))
        done = sum(1 for r in resources
                   if r['resource_name'] in new and
                   r['resource_status'] == 'COMPLETE')
        self.report(cookie, 'booting: %d/%d servers up' % (done, len(new)))

    def _nested_resources(self):
        """Name, action, status and reason of each nested resource.

        Read from Heat's resource table, not through the
        ``list_stack_resources`` RPC: that call loads and formats the whole
        nested stack, seconds of engine CPU per call at a hundred nodes,
        and progress is polled every few seconds. Where convergence keeps
        an old row beside its replacement, the replacement is the one
        reported.
        """
        stack_id = self.rsrc.resource_id
        if stack_id is None:
            return []
        rows = resource_objects.Resource.get_all_active_by_stack(
            self.rsrc.context, stack_id)
        current = {}
        # newest last: a row not (yet) replaced wins, then the newest row
        for row in sorted(rows.values(),
                          key=lambda r: (r.replaced_by is None, r.id)):
            current[row.name] = row
        return [{'resource_name': name, 'resource_action': row.action,
                 'resource_status': row.status,
                 'resource_status_reason': row.status_reason}
                for name, row in sorted(current.items())]

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
        state = self.load_state()
        spec = cookie['spec']
        layout = layout_mod.Layout.from_dict(state['layout'])
        names = {n for _g, n in layout.nodes()}
        bad = {}
        for res in self._nested_resources():
            owner, phase = template_mod.node_of_resource(
                res['resource_name'], names)
            if owner is None:
                if res['resource_status'] != 'COMPLETE':
                    cookie.setdefault('shared_failures', []).append(
                        '%s: %s' % (res['resource_name'],
                                    res['resource_status_reason']))
                continue
            if res['resource_status'] != 'COMPLETE' and owner not in bad:
                bad[owner] = (phase,
                              res['resource_status_reason'] or
                              '%s %s' % (res['resource_action'],
                                         res['resource_status']))
        if cookie.get('shared_failures'):
            # The keypair, security group or server group failed: no node
            # can be trusted. Say what failed.
            raise exception.Error('cluster infrastructure failed: %s'
                                  % '; '.join(cookie['shared_failures']))
        outputs = self._nested_outputs()
        new = set(cookie.get('new', ()))
        nova = self.rsrc.client('nova')
        for name in sorted(new & names):
            rec = state['nodes'].setdefault(
                name, self._new_record(spec, layout.group_of(name), name))
            if name in bad:
                phase, reason = bad[name]
                self._mark(rec, FAILED, phase,
                           _with_server_group(spec, layout.group_of(name),
                                              reason))
                continue
            out = outputs.get('node.' + name) or {}
            rec.update({'server_id': out.get('server_id'),
                        'fixed_ip': out.get('fixed_ip'),
                        'floating_ip': out.get('floating_ip')})
            if not rec['fixed_ip']:
                self._mark(rec, FAILED, 'network', 'no address reported')
                continue
            try:
                console = nova.servers.get_console_output(rec['server_id'])
                keys = remote.parse_console_host_keys(console)
            except Exception as exc:
                keys = []
                LOG.warning('console of %s unreadable: %s', name, exc)
            if not keys and CONF.savanna.host_key_policy == 'pinned':
                self._mark(rec, FAILED, 'host-key',
                           'no SSH host key in the console output to pin')
                continue
            rec['host_keys'] = keys
            self._mark(rec, CONFIGURING, 'configure', '')
        self.save_state(state)
        verdict = self._evaluate(spec, state)
        if verdict.status == health.FAILED:
            self._finish(state, verdict)
            raise exception.Error(_failure_text(verdict))
        return self._start_configure(cookie, spec, state)

    def _start_configure(self, cookie, spec, state):
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        new = [n for n in info.nodes if n.name in set(cookie.get('new', ()))]
        if cookie['action'] == 'create' or cookie.get('fresh'):
            steps = plugin.create_steps(info)
        elif new:
            steps = plugin.scale_up_steps(info, new)
        else:
            steps = []
        operator_key = self._operator_key(spec)
        if operator_key and new:
            steps.insert(0, authorize_key_step(new, operator_key))
        cookie['runner'] = self._runner(steps)
        cookie['phase'] = 'configure'
        return False

    def _runner(self, steps):
        private = self._private_key()
        pkey = remote.load_private_key(private) if private else None
        state = self.load_state()
        remotes = {}

        def remote_for(node):
            if node.name not in remotes:
                rec = state['nodes'].get(node.name, {})
                remotes[node.name] = remote.NodeRemote(
                    node.name, node.management_ip, state['ssh_user'], pkey,
                    rec.get('host_keys') or [], secrets=(private,))
            return remotes[node.name]

        runner = driver.StepRunner(steps, remote_for,
                                   pool_size=CONF.savanna.ssh_pool_size,
                                   secrets=(private,))
        runner.close = lambda: [r.close() for r in remotes.values()]
        return runner

    def _phase_configure(self, cookie):
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, 'configuring: %s' % runner.progress())
        if not runner.done:
            return False
        state = self._merge_failures(runner)
        for name in cookie.get('new', ()):
            rec = state['nodes'].get(name)
            if rec and rec['state'] == CONFIGURING:
                self._mark(rec, ACTIVE, '', '')
        if cookie['action'] == 'create':
            for rec in state['nodes'].values():
                if rec['state'] == CONFIGURING:
                    self._mark(rec, ACTIVE, '', '')
        self.save_state(state)
        if cookie['action'] == 'update' and cookie.get('leaving'):
            return self._start_decommission(cookie, state)
        return self._phase_finish(cookie)

    def _start_decommission(self, cookie, state):
        spec = cookie['spec']
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        leaving = [n for n in info.nodes if n.name in set(cookie['leaving'])]
        cookie['runner'] = self._runner(
            plugin.decommission_steps(info, leaving) if leaving else [])
        cookie['phase'] = 'decommission'
        return False

    def _phase_decommission(self, cookie):
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, 'decommissioning %d nodes: %s'
                    % (len(cookie['leaving']), runner.progress()))
        if not runner.done:
            return False
        runner.close()
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
        final = layout_mod.Layout.from_dict(state['pending']['final_layout'])
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
        rsrc = self.rsrc
        action, status, reason, _upd = stack_object.Stack.get_status(
            rsrc.context, rsrc.resource_id)
        if status == rsrc.IN_PROGRESS:
            return False
        if status == rsrc.FAILED:
            raise exception.Error('removing decommissioned nodes failed: %s'
                                  % reason)
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
                    self._mark(rec, FAILED, 'check',
                               'server is %s' % server.status)
            except Exception as exc:
                self._mark(rec, FAILED, 'check',
                           'server not found: %s' % type(exc).__name__)
        self.save_state(state)
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        cookie['runner'] = self._runner(plugin.health_steps(info))
        cookie['phase'] = 'health'
        return False

    def _phase_health(self, cookie):
        runner = cookie['runner']
        runner.advance()
        self.report(cookie, '%s: %s' % (cookie.get('label', 'checking'),
                                        runner.progress()))
        if not runner.done:
            return False
        self.save_state(self._merge_failures(runner))
        return self._phase_finish(cookie)

    def _merge_failures(self, runner):
        """Close the runner's sessions; record its node failures."""
        runner.close()
        state = self.load_state()
        for name, failure in runner.failures.items():
            if name in state['nodes']:
                self._mark(state['nodes'][name], FAILED, failure.phase,
                           failure.reason)
        return state

    def start_resume(self):
        """After the nested stack resumed the servers, start the services
        again (a resumed server may have been powered off: the plugin's
        create steps are idempotent and restart what is not running)."""
        return {'action': 'resume', 'phase': 'resumed',
                'spec': self.rsrc._spec(), 'label': 'restarting services'}

    def _phase_resumed(self, cookie):
        rsrc = self.rsrc
        action, status, reason, _upd = stack_object.Stack.get_status(
            rsrc.context, rsrc.resource_id)
        if action != rsrc.RESUME or status == rsrc.IN_PROGRESS:
            return False
        if status == rsrc.FAILED:
            raise exception.Error('resuming the servers failed: %s' % reason)
        spec = cookie['spec']
        state = self.load_state()
        plugin = plugins.get_plugin(spec.plugin_name)
        info = self._cluster_info(spec, state)
        cookie['runner'] = self._runner(plugin.create_steps(info)
                                        if info.nodes else [])
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
        layout = layout_mod.Layout.from_dict(state['layout'])
        plugin = plugins.get_plugin(spec.plugin_name)
        states = {}
        for group, name in layout.nodes():
            rec = state['nodes'].get(name) or {}
            states[name] = health.NodeState(
                name=name, group=group,
                state=rec.get('state', health.BUILDING),
                phase=rec.get('phase', ''), reason=rec.get('reason', ''))
        return health.evaluate(
            spec, layout, states,
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

    @staticmethod
    def _new_record(spec, group, name):
        ng = {g.name: g for g in spec.node_groups}[group]
        return {'group': group, 'processes': list(ng.node_processes),
                'state': health.BUILDING, 'phase': 'boot', 'reason': '',
                'server_id': None, 'fixed_ip': None, 'floating_ip': None,
                'host_keys': []}

    @staticmethod
    def _mark(rec, state, phase, reason):
        rec['state'] = state
        rec['phase'] = phase
        rec['reason'] = (reason or '')[-500:]

    def _cluster_info(self, spec, state):
        layout = layout_mod.Layout.from_dict(state['layout'])
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

    def _check_group_changes(self, old, new):
        fixed = FIXED_GROUP_KEYS
        old_groups = {g.name: g for g in old.node_groups}
        for idx, group in enumerate(new.node_groups):
            prev = old_groups.get(group.name)
            if prev is None:
                continue
            for key in fixed:
                if getattr(prev, key) != getattr(group, key):
                    raise exception.StackValidationFailed(
                        message='Property node_groups[%d].%s: changing %s '
                        'of the existing node group %r is not done in '
                        'place (add a new group with the new %s and scale '
                        '%r to 0)' % (idx, key, key, group.name, key,
                                      group.name))

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
        spec = self.rsrc._spec()
        return access_mod.ClusterAccess(
            spec=spec, plugin=plugins.get_plugin(spec.plugin_name),
            info=self._cluster_info(spec, state),
            status=self._evaluate(spec, state).status,
            ssh_user=state.get('ssh_user'),
            private_key=self._private_key(),
            host_keys={n: list(r.get('host_keys') or [])
                       for n, r in state['nodes'].items()})

    # -- attributes -----------------------------------------------------------
    def attribute(self, name):
        state = self.load_state()
        if not state:
            return None
        spec = self.rsrc._spec()
        verdict = self._evaluate(spec, state)
        layout = layout_mod.Layout.from_dict(state['layout'])
        nodes = []
        for group, node in layout.nodes():
            rec = state['nodes'].get(node, {})
            nodes.append({'name': node, 'group': group,
                          'processes': rec.get('processes', []),
                          'address': rec.get('floating_ip') or
                          rec.get('fixed_ip'),
                          'internal_address': rec.get('fixed_ip'),
                          'state': rec.get('state'),
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
