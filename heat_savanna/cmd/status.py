"""``heat-savanna status STACK``: the cluster's nodes as a table.

Reads the OS::Savanna::Cluster resources of a stack through
python-heatclient with the usual ``OS_*`` environment (the same one the
``openstack`` CLI uses), and prints every node: group, processes, address,
state and reason. Exit status 0 when every cluster is ACTIVE, 1 when one is
PARTIALLY_ACTIVE, 2 when one is FAILED or unreadable.
"""

import os
import sys

TYPE = 'OS::Savanna::Cluster'
EXIT = {'ACTIVE': 0, 'PARTIALLY_ACTIVE': 1}


def register(subparsers):
    parser = subparsers.add_parser(
        'status', help='show the nodes of the clusters in a Heat stack')
    parser.add_argument('stack', help='stack name or id')
    parser.add_argument('--resource', help='only this cluster resource')
    parser.set_defaults(func=run)
    return parser


def heat_client_from_env(environ=os.environ):
    from heatclient import client as heat_client
    from keystoneauth1 import loading
    from keystoneauth1 import session as ks_session

    loader = loading.get_plugin_loader('password')
    auth = loader.load_from_options(
        auth_url=environ['OS_AUTH_URL'],
        username=environ['OS_USERNAME'],
        password=environ['OS_PASSWORD'],
        project_name=environ['OS_PROJECT_NAME'],
        user_domain_name=environ.get('OS_USER_DOMAIN_NAME', 'Default'),
        project_domain_name=environ.get('OS_PROJECT_DOMAIN_NAME', 'Default'))
    return heat_client.Client('1', session=ks_session.Session(auth=auth))


def format_table(rows, headers):
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(str(c))) for w, c in zip(widths, row)]
    line = '  '.join('%-' + str(w) + 's' for w in widths)
    out = [line % tuple(headers), line % tuple('-' * w for w in widths)]
    out.extend(line % tuple(str(c) for c in row) for row in rows)
    return '\n'.join(o.rstrip() for o in out)


def cluster_rows(nodes):
    return [(n.get('name'), n.get('group'), ','.join(n.get('processes', [])),
             n.get('address') or '-', n.get('state') or '-',
             n.get('reason') or '')
            for n in nodes or []]


def run(args, heat=None, out=sys.stdout):
    heat = heat or heat_client_from_env()
    worst = 0
    resources = [r for r in heat.resources.list(args.stack)
                 if r.resource_type == TYPE and
                 (not args.resource or r.resource_name == args.resource)]
    if not resources:
        print('no %s resource in stack %s' % (TYPE, args.stack), file=out)
        return 2
    for res in resources:
        detail = heat.resources.get(args.stack, res.resource_name,
                                    with_attr=['nodes', 'status'])
        attrs = detail.attributes or {}
        status = attrs.get('status') or 'UNKNOWN'
        print('%s: %s (%s)' % (res.resource_name, detail.resource_status,
                               status), file=out)
        print('  %s' % detail.resource_status_reason, file=out)
        print(format_table(cluster_rows(attrs.get('nodes')),
                           ('NAME', 'GROUP', 'PROCESSES', 'ADDRESS', 'STATE',
                            'REASON')), file=out)
        worst = max(worst, EXIT.get(status, 2))
    return worst
