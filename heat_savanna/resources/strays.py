"""Servers, ports and volumes made for a node set's nodes that Heat never
learned of.

A create whose answer was lost (a proxy timeout, the engine killed between
Nova making a server and Heat storing its id) leaves a server, port or
volume that no resource knows: it would hold its node's port, keep the
cluster's security group in use and leak on delete. Everything a node set
makes carries its marks (``savanna_owner``: the set's child stack's parent,
``savanna_node``; a port's are words of its description), so the set can
find what is its own and no resource of the cluster knows
(:func:`heat_savanna.core.build.strays` decides), before it updates its
child stack and after deleting it.
"""

from oslo_log import log as logging

from heat_savanna.core import build
from heat_savanna.core import template
from heat_savanna.resources import nested

LOG = logging.getLogger(__name__)


def sweep(rsrc, nodes):
    """Ask Nova, Neutron and Cinder to delete the servers, ports and
    volumes made for ``nodes`` of this set that none of its resources
    knows (see :func:`heat_savanna.core.build.strays`); returns the ids
    of those still there. Without an owner (a set stored before the
    servers were marked) there is nothing to find, and a port made
    before ports were marked is not taken for a stray."""
    owner = rsrc.stack.id
    if owner is None or not nodes:
        return []
    count = (rsrc.properties[rsrc.VOLUMES] or {}).get(rsrc.VOL_COUNT) \
        or 0
    # known to any resource of the cluster: a set that replaces this
    # one builds servers for the same nodes, and this set's delete
    # comes after them
    known = nested.physical_ids(
        rsrc.context, rsrc.stack.root_stack_id(),
        list(nodes) + [template.port_name(n) for n in nodes] +
        [template.volume_name(n, k)
         for n in nodes for k in range(count)])
    cluster = rsrc.properties[rsrc.CLUSTER_NAME]
    nova = rsrc.client('nova')
    # Nova filters names by regular expression; cluster names are
    # letters, digits and dashes
    servers = build.strays(
        [(s.id, s.metadata) for s in nova.servers.list(
            search_opts={'name': '^%s-' % cluster})],
        owner, nodes, known)
    # Neutron matches names exactly (one value each, any of them); the
    # marks in the description say whose port it is
    neutron = rsrc.client('neutron')
    ports = build.strays(
        [(p['id'], template.port_marks(p.get('description')))
         for p in neutron.list_ports(
             name=['%s-%s' % (cluster, template.port_name(n))
                   for n in sorted(nodes)],
             fields=['id', 'description'])['ports']],
        owner, nodes, known)
    volumes, cinder = [], None
    if count:
        # (a cloud without Cinder has no volumes to look for)
        cinder = rsrc.client('cinder')
        volumes = build.strays(
            [(v.id, v.metadata) for v in cinder.volumes.list(
                search_opts={'metadata': {template.OWNER_KEY: owner}})],
            owner, nodes, known)
    if servers or ports or volumes:
        LOG.warning('%s: deleting what was made for its nodes but never '
                    'known to Heat (a create whose answer was lost): '
                    'servers %s, ports %s, volumes %s', rsrc.name,
                    servers or '-', ports or '-', volumes or '-')
    for delete, ids in ((nova.servers.delete, servers),
                        (neutron.delete_port, ports),
                        (cinder and cinder.volumes.delete, volumes)):
        for ident in ids:
            try:
                delete(ident)
            except Exception as exc:   # gone meanwhile, or busy
                LOG.info('%s: delete of %s: %s', rsrc.name, ident, exc)
    return servers + ports + volumes
