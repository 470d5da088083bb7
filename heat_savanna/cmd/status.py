"""``heat-savanna status STACK``: the cluster's nodes as a table.

The same code as ``openstack savanna cluster show/nodes``
(:mod:`heat_savanna.osc.clusters`), for scripts: it prints, for every
OS::Savanna::Cluster of the stack (or only ``--resource``), its Heat state,
the cluster's status and summary, and a table of its nodes; its exit status
is 0 when every cluster is ACTIVE, 1 when one is PARTIALLY_ACTIVE, 2 when
one is FAILED, still building, or cannot be read.

Credentials are found as the ``openstack`` CLI finds them (``OS_CLOUD``
and clouds.yaml, or the ``OS_*`` variables).
"""

import sys

from heat_savanna.osc import clusters

HEADERS = tuple(c.upper() for c in clusters.NODE_COLUMNS)


def register(subparsers):
    parser = subparsers.add_parser(
        'status', help='show the nodes of the clusters in a Heat stack '
        '(exit 0 ACTIVE, 1 PARTIALLY_ACTIVE, 2 FAILED or unreadable)')
    parser.add_argument('stack', help='stack name or id')
    parser.add_argument('--resource', help='only this cluster resource')
    parser.set_defaults(func=run)
    return parser


def heat_client_from_env():
    """A heatclient on the session the ``openstack`` CLI would build."""
    import openstack.config
    from heatclient import client as heat_client

    region = openstack.config.OpenStackConfig().get_one()
    return heat_client.Client(
        '1', session=region.get_session(), service_type='orchestration',
        region_name=region.region_name,
        interface=region.get_interface('orchestration'))


def format_table(rows, headers):
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row)]
    line = '  '.join('%-' + str(w) + 's' for w in widths)
    out = [line % tuple(headers), line % tuple('-' * w for w in widths)]
    out.extend(line % tuple(str(c) for c in row) for row in rows)
    return '\n'.join(o.rstrip() for o in out)


def table_rows(cluster):
    """The node rows of ``openstack savanna cluster nodes``, as text."""
    return [(name, group, ','.join(processes), address or '-',
             state or '-', phase, reason)
            for name, group, processes, address, state, phase, reason
            in clusters.node_rows(cluster)]


def render(cluster):
    """One cluster: a heading line, its summary, its node table."""
    return '\n'.join((
        '%s: %s (%s)' % (cluster.resource, cluster.resource_status,
                         cluster.status),
        '  %s' % (cluster.status_reason or cluster.summary),
        format_table(table_rows(cluster), HEADERS)))


def run(args, heat=None, out=None, err=None):
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        heat = heat or heat_client_from_env()
        found = clusters.read_stack(heat, args.stack, args.resource)
    except clusters.ClusterError as error:
        print('error: %s' % error, file=err)
        return clusters.EXIT_FAILED
    except Exception as error:     # no credentials, Heat unreachable...
        print('error: cannot read stack %s: %s' % (args.stack, error),
              file=err)
        return clusters.EXIT_FAILED
    if not found:
        print('error: stack %s has no %s resource'
              % (args.stack, clusters.TYPE), file=err)
        return clusters.EXIT_FAILED
    print('\n\n'.join(render(c) for c in found), file=out)
    return max(c.exit_code for c in found)
