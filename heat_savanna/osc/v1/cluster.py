"""``openstack savanna cluster list|show|nodes|heal|resize|check``.

Thin cliff commands over :mod:`heat_savanna.osc.clusters`: they parse the
arguments, call it with the Heat client of OSC's client manager and hand
rows to cliff's formatters (``-f table|json|yaml|value|csv``, ``-c``).
Lists and dicts are formattable columns, so ``-f json`` gives real JSON
structures and the table gives readable text.
"""

import logging

from cliff import columns
from osc_lib.cli import format_columns
from osc_lib.command import command
from osc_lib import exceptions

from heat_savanna.osc import clusters

LOG = logging.getLogger(__name__)
WAIT_INTERVAL = 5.0


def _heat(cmd):
    return cmd.app.client_manager.savanna


def _add_cluster_arguments(parser):
    parser.add_argument(
        'stack', metavar='<stack>',
        help='Name or ID of the stack holding the cluster')
    parser.add_argument(
        '--resource', metavar='<resource>',
        help='Name of the %s resource (default: the only one in the '
             'stack)' % clusters.TYPE)
    return parser


class GroupsColumn(columns.FormattableColumn):
    """Per-group counts: one line of text in a table, the dict in
    json/yaml."""

    def human_readable(self):
        return clusters.groups_text(self._value or {})

    def machine_readable(self):
        return dict(self._value or {})


def _formatted_show(cluster):
    names, values = clusters.show_fields(cluster)
    columns = {'endpoints': format_columns.DictColumn,
               'failed_nodes': format_columns.ListDictColumn,
               'groups': GroupsColumn}
    return names, tuple(columns[n](v) if n in columns else v
                        for n, v in zip(names, values))


def _read(heat, stack, resource):
    try:
        return clusters.read(heat, stack, resource)
    except clusters.ClusterError as error:
        raise exceptions.CommandError(str(error))


class ListCluster(command.Lister):
    """List the clusters (OS::Savanna::Cluster resources) of the project's
    stacks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--stack', metavar='<stack>',
            help='Only the clusters of this stack (name or ID)')
        parser.add_argument(
            '--long', action='store_true', default=False,
            help='Also show the summary and the stack ID')
        return parser

    def take_action(self, parsed_args):
        found = clusters.read_all(_heat(self), parsed_args.stack)
        columns = (clusters.LIST_LONG_COLUMNS if parsed_args.long
                   else clusters.LIST_COLUMNS)
        return columns, [clusters.list_row(c, long=parsed_args.long)
                         for c in found]


class ShowCluster(command.ShowOne):
    """Show a cluster's state: status, summary, counts, master address,
    endpoints, failed nodes and groups."""

    def get_parser(self, prog_name):
        return _add_cluster_arguments(super().get_parser(prog_name))

    def take_action(self, parsed_args):
        cluster = _read(_heat(self), parsed_args.stack, parsed_args.resource)
        return _formatted_show(cluster)


class ListNodes(command.Lister):
    """List a cluster's nodes: group, processes, address, state, and the
    phase and reason of a failure."""

    def get_parser(self, prog_name):
        parser = _add_cluster_arguments(super().get_parser(prog_name))
        parser.add_argument(
            '--long', action='store_true', default=False,
            help='Also show each node\'s internal address')
        return parser

    def take_action(self, parsed_args):
        cluster = _read(_heat(self), parsed_args.stack, parsed_args.resource)
        columns = (clusters.NODE_LONG_COLUMNS if parsed_args.long
                   else clusters.NODE_COLUMNS)
        rows = [tuple(format_columns.ListColumn(v) if isinstance(v, list)
                      else v for v in row)
                for row in clusters.node_rows(cluster,
                                              long=parsed_args.long)]
        return columns, rows


class _SignalCluster(command.ShowOne):
    """Send one action to the cluster as a resource signal."""

    action = None

    def get_parser(self, prog_name):
        parser = _add_cluster_arguments(super().get_parser(prog_name))
        parser.add_argument(
            '--wait', action='store_true', default=False,
            help='Wait until the cluster has acted on the signal and left '
                 'IN_PROGRESS, then show the outcome (exit status 1 if the '
                 'resource ended FAILED)')
        parser.add_argument(
            '--timeout', metavar='<seconds>', type=int, default=3600,
            help='With --wait: give up after this many seconds '
                 '(default 3600)')
        return parser

    def signal_data(self, parsed_args):
        return clusters.signal_data(self.action)

    def take_action(self, parsed_args):
        heat = _heat(self)
        try:
            data = self.signal_data(parsed_args)
            cluster = clusters.read(heat, parsed_args.stack,
                                    parsed_args.resource)
            mark = clusters.send_signal(heat, cluster, data)
            if not parsed_args.wait:
                names = ('stack', 'resource', 'signal', 'resource_status',
                         'status_reason')
                return names, (cluster.stack, cluster.resource,
                               format_columns.DictColumn(data),
                               cluster.resource_status,
                               cluster.status_reason)
            outcome = clusters.wait(heat, cluster, mark,
                                    timeout=parsed_args.timeout,
                                    interval=WAIT_INTERVAL)
        except clusters.ClusterError as error:
            raise exceptions.CommandError(str(error))
        if outcome.failed:
            raise exceptions.CommandError(
                '%s of cluster %s in stack %s: %s: %s' % (
                    self.action, outcome.resource, outcome.stack,
                    outcome.resource_status, outcome.status_reason))
        names, values = _formatted_show(outcome)
        return (('signal',) + names,
                (format_columns.DictColumn(data),) + values)


class HealCluster(_SignalCluster):
    """Ask a cluster to rebuild its failed nodes (signal {"action":
    "heal"})."""

    action = 'heal'


class CheckCluster(_SignalCluster):
    """Ask a cluster to check its servers and services (signal
    {"action": "check"})."""

    action = 'check'


class ResizeCluster(_SignalCluster):
    """Resize one node group of a cluster to a count, or by an adjustment
    (signal {"action": "resize", ...})."""

    action = 'resize'

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--group', metavar='<group>', required=True,
            help='The node group to resize')
        size = parser.add_mutually_exclusive_group(required=True)
        size.add_argument(
            '--count', metavar='<count>', type=int,
            help='The group\'s new number of nodes')
        size.add_argument(
            '--adjustment', metavar='<+N|-N>', type=int,
            help='Nodes to add (+N) or remove (-N)')
        return parser

    def signal_data(self, parsed_args):
        return clusters.signal_data('resize', group=parsed_args.group,
                                    count=parsed_args.count,
                                    adjustment=parsed_args.adjustment)
