"""A cluster resource on Heat's in-process harness, with its nested
stacks simulated at the table level.

Nested stacks do not create in-process (they go through RPC to an engine),
so the cluster's ``create_with_template`` / ``update_with_template`` are
replaced by a recorder, and what :mod:`heat_savanna.resources.nested`
reads from Heat's tables comes from :class:`Tables`, which a test fills
the way a real engine would (node sets COMPLETE with their per-node
metadata, a FAILED set, a set never started...). Everything else is the
real code: the resource, the operation's phases, the plan, the health
rules, the step runner and the plugin interface (a recording plugin).
"""

import copy
import json

from oslo_config import cfg

from heat.common import template_format
from heat.engine.clients.os import cinder
from heat.engine.clients.os import glance
from heat.engine.clients.os.neutron import neutron_constraints
from heat.engine.clients.os import nova
from heat.tests import common
from heat.tests import utils

from heat_savanna.core import build
from heat_savanna.core import template as template_mod
from heat_savanna.plugins import base
from heat_savanna import plugins
from heat_savanna.resources import cluster
from heat_savanna.resources import nested
from heat_savanna.resources import state as state_mod

NESTED_ID = 'nested-stack-id'


class RecordingPlugin(base.ProvisioningPlugin):
    """Spark-like: one mandatory ``master``, ``worker`` nodes. Every step
    list it hands out is recorded; ``fail`` makes a step's action raise
    for the named nodes."""

    name = 'recording'
    title = 'recording plugin for resource tests'

    def __init__(self):
        self.calls = []
        self.fail = {}          # step name -> {node: message}
        self.ran = []           # (step name, node name)

    def get_versions(self):
        return ['1.0']

    def get_node_processes(self, version):
        return {'core': ['master', 'worker']}

    def get_mandatory_processes(self, version):
        return ['master']

    def get_config_sections(self, version):
        return {'general': {}}

    def validate(self, cluster):
        return []

    def get_ports(self, cluster):
        return [base.PortRule(7077)]

    def get_endpoints(self, cluster_info):
        masters = cluster_info.nodes_with('master')
        return {'master': 'x://%s' % masters[0].management_ip} \
            if masters else {}

    def _steps(self, kind, cluster_info, *names, nodes=None):
        self.calls.append((kind, tuple(n.name for n in cluster_info.nodes)) +
                          names)
        steps = []
        for step in ('%s one' % kind, '%s two' % kind, '%s three' % kind):
            steps.append(base.Step(
                step, nodes=tuple(cluster_info.nodes if nodes is None
                                  else nodes),
                action=self._action(step)))
        return steps

    def _action(self, step):
        def action(remote, node):
            self.ran.append((step, node.name))
            message = self.fail.get(step, {}).get(node.name)
            if message:
                raise RuntimeError(message)
        return action

    def create_steps(self, cluster_info):
        return self._steps('create', cluster_info)

    def scale_up_steps(self, cluster_info, new_nodes):
        return self._steps('scale-up', cluster_info,
                           tuple(n.name for n in new_nodes))

    def membership_steps(self, cluster_info):
        return self._steps('members', cluster_info)

    def reconfigure_steps(self, cluster_info, nodes, restarts):
        return self._steps('reconfigure', cluster_info,
                           tuple(n.name for n in nodes),
                           tuple(sorted(restarts.items())), nodes=nodes)

    def decommission_steps(self, cluster_info, leaving_nodes):
        return self._steps('decommission', cluster_info,
                           tuple(n.name for n in leaving_nodes))

    def health_steps(self, cluster_info):
        return self._steps('health', cluster_info)


def template(workers=3, min_active=None, **extra):
    worker = {'name': 'worker', 'count': workers,
              'node_processes': ['worker']}
    if min_active is not None:
        worker['min_active'] = str(min_active)
    props = {'name': 'hc', 'plugin_name': 'recording',
             'plugin_version': '1.0', 'image': 'img', 'flavor': 'm1.small',
             'management_network': 'private', 'ssh_user': 'savanna',
             'node_groups': [{'name': 'master', 'count': 1,
                              'node_processes': ['master']}, worker]}
    props.update(extra)
    return {'heat_template_version': '2021-04-16',
            'resources': {'cluster': {'type': 'OS::Savanna::Cluster',
                                      'properties': props}}}


class Tables(object):
    """What Heat's stack and resource tables hold for the nested stacks."""

    def __init__(self):
        self.status = {}        # stack id -> nested.StackStatus
        self.rows = {}          # stack id -> {name: (Row, metadata, id)}

    def set_status(self, stack_id, action, status, reason=''):
        self.status[stack_id] = nested.StackStatus(action, status, reason)

    def put(self, stack_id, name, action, status, reason='', metadata=None,
            physical_id=None):
        self.rows.setdefault(stack_id, {})[name] = (
            build.Row(name, action, status, reason), metadata or {},
            physical_id)

    def built_set(self, stack_id, node, address, action='CREATE', **rec):
        """A node set that recorded ``node`` BUILT (or as ``rec`` says)."""
        record = {'state': build.BUILT, 'phase': '', 'reason': '',
                  'server_id': 'srv-' + node, 'fixed_ip': address,
                  'floating_ip': None, 'host_keys': ['ssh-ed25519 AAAA']}
        record.update(rec)
        self.put(stack_id, node, action, 'COMPLETE',
                 metadata={'nodes': {node: record}},
                 physical_id='set-' + node)

    # the functions of heat_savanna.resources.nested
    def stack_status(self, context, stack_id):
        return self.status.get(stack_id)

    def rows_of(self, context, stack_id):
        return [r for r, _m, _p in self.rows.get(stack_id, {}).values()]

    def rows_with_metadata(self, context, stack_id):
        return dict(self.rows.get(stack_id, {}))

    def physical_ids(self, context, root_stack_id, names):
        return {p for rows in self.rows.values()
                for r, _m, p in rows.values() if p and r.name in names}

    def rows_in(self, context, root_stack_id, stack_ids, names):
        out = []
        for sid in stack_ids:
            out += [r for r, _m, _p in self.rows.get(sid, {}).values()
                    if r.name in names]
        return out


def stub_cloud_lookups(case):
    """The OpenStack lookups a validation makes, stubbed for ``case`` (a
    HeatTestCase): they need a cloud. Every named image, flavor, network,
    keypair and volume type exists, and Glance's images say nothing of
    what they are made for."""
    for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                       neutron_constraints.NetworkConstraint,
                       nova.KeypairConstraint, cinder.VolumeTypeConstraint):
        case.patchobject(constraint, 'validate', return_value=True)
    return case.patchobject(glance.GlanceClientPlugin, 'get_image',
                            return_value={})


class ClusterTestCase(common.HeatTestCase):
    """A stored stack with one OS::Savanna::Cluster ``cluster`` on the
    recording plugin, and the recorder of its nested-stack calls."""

    def setUp(self):
        super(ClusterTestCase, self).setUp()
        schema = cluster.SavannaCluster.attributes_schema
        saved = dict(schema)
        self.addCleanup(lambda: (schema.clear(), schema.update(saved)))
        stub_cloud_lookups(self)
        self.plugin = RecordingPlugin()
        plugins._cache['recording'] = self.plugin
        self.addCleanup(plugins._cache.pop, 'recording', None)
        self.tables = Tables()
        self.patchobject(nested, 'stack_status',
                         new=self.tables.stack_status)
        self.patchobject(nested, 'rows', new=self.tables.rows_of)
        self.patchobject(nested, 'rows_with_metadata',
                         new=self.tables.rows_with_metadata)
        self.patchobject(nested, 'rows_in', new=self.tables.rows_in)
        self.patchobject(nested, 'physical_ids',
                         new=self.tables.physical_ids)
        self.templates = []
        # The tables here stand a node set per node, named after it
        # (built_set): sets of one. Sets of several nodes are the node
        # set's own tests (test_node_set.py), the core's (test_plan.py,
        # test_template.py) and the functional tier's (the default 5).
        self.override(provisioning_poll_interval=0.1, node_set_size=1)

    def override(self, **opts):
        for name, value in opts.items():
            cfg.CONF.set_override(name, value, group='savanna')
            self.addCleanup(cfg.CONF.clear_override, name, group='savanna')

    def make_cluster(self, tmpl):
        stack = utils.parse_stack(template_format.parse(json.dumps(tmpl)))
        self.stack = stack      # resources hold their stack weakly
        rsrc = stack['cluster']
        rsrc.state_set(rsrc.CREATE, rsrc.IN_PROGRESS)
        recorder = self

        def create_with_template(child_template, user_params=None, **kw):
            recorder.templates.append(('create', copy.deepcopy(
                child_template)))
            rsrc.resource_id_set(NESTED_ID)

        def update_with_template(child_template, user_params=None, **kw):
            recorder.templates.append(('update', copy.deepcopy(
                child_template)))
        self.patchobject(rsrc, 'create_with_template',
                         side_effect=create_with_template)
        self.patchobject(rsrc, 'update_with_template',
                         side_effect=update_with_template)
        return stack, rsrc

    def last_template(self):
        return self.templates[-1][1]

    def node_sets(self, tmpl=None):
        tmpl = tmpl or self.last_template()
        return {name: res['properties']['nodes']
                for name, res in tmpl['resources'].items()
                if res['type'] == template_mod.NODE_SET_TYPE}

    def all_built(self, nodes, action='CREATE', **per_node):
        """The nested stack COMPLETE, every node set holding its nodes
        BUILT (``per_node``: {node: record overrides})."""
        self.tables.set_status(NESTED_ID, action, 'COMPLETE')
        for i, node in enumerate(nodes):
            self.tables.built_set(NESTED_ID, node, '10.0.0.%d' % (i + 2),
                                  action=action,
                                  **per_node.get(node, {}))

    def drive(self, rsrc, cookie, limit=200):
        """check_*_complete until done; returns the number of calls."""
        for calls in range(1, limit + 1):
            if rsrc._operation().advance(cookie):
                return calls
        raise AssertionError('still not done after %d calls: %s'
                             % (limit, cookie.phase))

    def state(self, rsrc):
        return state_mod.load(rsrc)

    def node_states(self, rsrc):
        return {n: (r['state'], r['phase'])
                for n, r in self.state(rsrc)['nodes'].items()}
