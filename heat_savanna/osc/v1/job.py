"""``openstack savanna job list|show|run|executions``.

Thin cliff commands over :mod:`heat_savanna.osc.jobs`, made as the
cluster commands (:mod:`heat_savanna.osc.v1.cluster`) are: they parse the
arguments, call it with the Heat client of OSC's client manager and hand
rows to cliff's formatters (``-f table|json|yaml|value|csv``, ``-c``).
"""

from osc_lib.cli import format_columns
from osc_lib.command import command
from osc_lib import exceptions

from heat_savanna.osc import clusters
from heat_savanna.osc import jobs

WAIT_INTERVAL = 5.0
#: seconds between two looks for the execution a signal started
START_INTERVAL = 2.0


def _heat(cmd):
    return cmd.app.client_manager.savanna


def _add_job_arguments(parser):
    parser.add_argument(
        'stack', metavar='<stack>',
        help='Name or ID of the stack holding the job')
    parser.add_argument(
        'job', metavar='<job>',
        help='Name of the %s resource' % jobs.TYPE)
    return parser


def _read(heat, stack, job):
    try:
        return jobs.read(heat, stack, job)
    except clusters.ClusterError as error:
        raise exceptions.CommandError(str(error))


class ListJob(command.Lister):
    """List the jobs (OS::Savanna::Job resources) of the project's stacks,
    with their latest execution."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--stack', metavar='<stack>',
            help='Only the jobs of this stack (name or ID)')
        parser.add_argument(
            '--long', action='store_true', default=False,
            help='Also show the resource status, when the latest execution '
                 'started and finished, and the stack ID')
        return parser

    def take_action(self, parsed_args):
        found = jobs.read_all(_heat(self), parsed_args.stack)
        columns = (jobs.LIST_LONG_COLUMNS if parsed_args.long
                   else jobs.LIST_COLUMNS)
        return columns, [jobs.list_row(j, long=parsed_args.long)
                         for j in found]


class ShowJob(command.ShowOne):
    """Show a job: its cluster and type, its latest execution's status,
    exit code, times and output, and a count of its executions."""

    def get_parser(self, prog_name):
        return _add_job_arguments(super().get_parser(prog_name))

    def take_action(self, parsed_args):
        return jobs.show_fields(_read(_heat(self), parsed_args.stack,
                                      parsed_args.job))


class ListExecutions(command.Lister):
    """List a job's executions, oldest first."""

    def get_parser(self, prog_name):
        parser = _add_job_arguments(super().get_parser(prog_name))
        parser.add_argument(
            '--long', action='store_true', default=False,
            help='Also show what started each execution, the reason of '
                 'its status and its log path on the master')
        return parser

    def take_action(self, parsed_args):
        job = _read(_heat(self), parsed_args.stack, parsed_args.job)
        columns = (jobs.EXECUTION_LONG_COLUMNS if parsed_args.long
                   else jobs.EXECUTION_COLUMNS)
        return columns, [jobs.execution_row(r, long=parsed_args.long)
                         for r in job.executions]


class RunJob(command.ShowOne):
    """Start a new execution of a job (signal {"action": "run"}) and show
    it; with --wait, once it has ended."""

    def get_parser(self, prog_name):
        parser = _add_job_arguments(super().get_parser(prog_name))
        parser.add_argument(
            '--wait', action='store_true', default=False,
            help='Wait until the execution has ended, then show it (exit '
                 'status 1 unless it SUCCEEDED)')
        parser.add_argument(
            '--timeout', metavar='<seconds>', type=int, default=3600,
            help='With --wait: give up after this many seconds '
                 '(default 3600)')
        return parser

    def take_action(self, parsed_args):
        heat = _heat(self)
        data = jobs.run_data()
        try:
            job = jobs.read(heat, parsed_args.stack, parsed_args.job)
            sent = jobs.send_run(heat, job, data)
            # Heat answers a signal before the job has handled it: the
            # new execution (or the job's refusal) shows shortly after.
            job, record = jobs.started(
                heat, job, sent, timeout=min(parsed_args.timeout, 300),
                interval=START_INTERVAL)
            if parsed_args.wait:
                job, record = jobs.wait(heat, job, record['id'],
                                        timeout=parsed_args.timeout,
                                        interval=WAIT_INTERVAL)
        except clusters.ClusterError as error:
            raise exceptions.CommandError(str(error))
        if parsed_args.wait and record.get('status') != jobs.SUCCEEDED:
            raise exceptions.CommandError(
                'execution %s of job %s in stack %s: %s (exit code %s)%s'
                % (record.get('id'), job.resource, job.stack,
                   record.get('status'), record.get('exit_code'),
                   ': %s' % record['reason'] if record.get('reason')
                   else ''))
        names, values = jobs.execution_fields(job, record, data)
        return names, tuple(format_columns.DictColumn(v)
                            if isinstance(v, dict) else v for v in values)
