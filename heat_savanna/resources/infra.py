"""The cluster's nested stack: its template, and what it built per node.

The template is the pure :func:`heat_savanna.core.template.generate` of
the layout. What was built is read from Heat's tables (through
:mod:`heat_savanna.resources.nested`): for a node in a node set, from
the OS::Savanna::NodeSet's metadata, where the set recorded each of its
nodes; for a flat node (a cluster created before node sets), from its
own rows in the cluster's nested stack.
"""

import dataclasses

from oslo_config import cfg
from oslo_log import log as logging

from heat_savanna.common import config as sv_config  # noqa: F401 (opts)
from heat_savanna.core import build
from heat_savanna.core import template as template_mod
from heat_savanna import plugins
from heat_savanna.resources import nested

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

#: a syntactically valid public key, used where the template is generated
#: before the cluster has a key of its own (validate)
PLACEHOLDER_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNhdmFubmEtcGxh'
                   'Y2Vob2xkZXIta2V5LXZhbGlkYXRlIA== validate-only')


def keypair_name(rsrc):
    # Before the stack is stored (validate) there is no physical name.
    base = (rsrc.physical_resource_name() or
            '%s-%s' % (rsrc.stack.name, rsrc.name))
    return base + '-mgmt'


def generate(rsrc, spec, layout, state, previous_spec=None, exclude=(),
             deployments=None, deployment_timeout=None):
    """The nested stack template of ``layout`` for the cluster ``rsrc``."""
    plugin = plugins.get_plugin(spec.plugin_name)
    return template_mod.generate(
        spec, layout, plugin.get_ports(spec), keypair_name(rsrc),
        state.get('public_key') or PLACEHOLDER_KEY,
        options={'ssh_cidr': CONF.savanna.ssh_cidr,
                 'previous_spec': previous_spec,
                 'exclude': exclude,
                 'deployments': deployments,
                 'deployment_timeout': deployment_timeout,
                 'max_concurrent_node_sets':
                     CONF.savanna.max_concurrent_node_sets})


def current_deployments(rsrc):
    """``{node: {script, round}}`` of the deployments the node sets of
    the cluster's nested stack have now (from its stored template)."""
    if rsrc.resource_id is None:
        return {}
    try:
        stack = rsrc.nested()
    except Exception as exc:
        LOG.warning('%s: nested stack unreadable: %s', rsrc.name, exc)
        return {}
    if stack is None:
        return {}
    found = {}
    for defn in (stack.t.t.get('resources') or {}).values():
        if defn.get('type') != template_mod.NODE_SET_TYPE:
            continue
        props = defn.get('properties') or {}
        for node, dep in (props.get(template_mod.NS_DEPLOYMENTS) or
                          {}).items():
            found[node] = dict(dep)
    return found


@dataclasses.dataclass
class Builds:
    """What the nested stack built for some nodes.

    ``records``: ``{node: {state, phase, reason, server_id, fixed_ip,
    floating_ip, host_keys, removed}}`` with state BUILT, FAILED or
    UNFINISHED; ``flat``: names of flat nodes that were BUILT but still
    need their addresses and host keys; ``shared_failures``: failed
    resources no node owns.
    """
    records: dict
    flat: list
    shared_failures: list


def read(context, stack_id, layout, nodes):
    """The Builds of ``nodes`` (names of ``layout``) in the nested stack."""
    wanted = set(nodes)
    level1 = nested.rows_with_metadata(context, stack_id)
    records, flat_built = {}, []
    set_names = set()
    for node_set in layout.node_sets():
        set_names.add(node_set.name)
        mine = [n for n in node_set.nodes if n in wanted]
        if not mine:
            continue
        row, metadata, _pid = level1.get(node_set.name, (None, {}, None))
        built = (metadata or {}).get('nodes') or {}
        for name in mine:
            if row is not None and row.status == 'FAILED':
                records[name] = _record(build.FAILED, 'boot',
                                        'node set %s: %s' % (
                                            row.name, row.reason))
            elif row is not None and build.row_done(row) and \
                    name in built:
                records[name] = dict(built[name])
            else:
                state = ('%s %s' % (row.action, row.status)
                         if row is not None else 'not created')
                records[name] = _record(build.UNFINISHED, 'boot',
                                        'node set %s is %s'
                                        % (node_set.name, state))
    flat = [n for _g, n in layout.flat_nodes()]
    rows = [r for r, _m, _p in level1.values()]
    flat_wanted = [n for n in flat if n in wanted]
    for name, verdict in build.judge_nodes(rows, flat_wanted).items():
        if verdict.state == build.BUILT:
            flat_built.append(name)
        records[name] = _record(verdict.state, verdict.phase,
                                verdict.reason)
    # rows no node and no set owns: keypair, security and server group
    shared = [r for r in rows if r.name not in set_names]
    return Builds(records=records, flat=flat_built,
                  shared_failures=build.shared_failures(shared, flat))


def _record(state, phase='', reason=''):
    return {'state': state, 'phase': phase, 'reason': reason}


def servers_up(context, root_stack_id, stack_id, layout, nodes):
    """How many of ``nodes`` have a server Heat finished creating: the
    boot progress, read in two queries whatever the cluster's size."""
    nodes = set(nodes)
    level1 = nested.rows_with_metadata(context, stack_id)
    sets = {s.name for s in layout.node_sets() if nodes & set(s.nodes)}
    set_ids = [pid for name, (_r, _m, pid) in level1.items()
               if pid and name in sets]
    rows = nested.rows_in(context, root_stack_id, set_ids, nodes)
    flat = nodes & {n for _g, n in layout.flat_nodes()}
    rows += [r for r, _m, _p in level1.values() if r.name in flat]
    return len({r.name for r in rows
                if r.name in nodes and r.action == 'CREATE' and
                r.status == 'COMPLETE'})
