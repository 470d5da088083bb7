"""Locate, read and run ``OS::Savanna::Job`` resources through Heat.

The one implementation behind ``openstack savanna job``. As for clusters
(:mod:`heat_savanna.osc.clusters`), everything comes from Heat's API,
never from the nodes, so a job shows the same way whatever transport
(SSH or heat-agent) its cluster uses:

* the job's state is its attributes (``status``, ``exit_code``,
  ``output``, ``error_output``, ``started_at``, ``finished_at``,
  ``log_path`` of the latest execution, and ``executions``, every one),
  which Heat resolves live on each resource show or detailed resource
  list;
* its ``cluster`` and ``type`` are properties, which Heat's API does not
  show: they are read from the stack's template (one request per stack),
  a ``get_param`` resolved with the stack's parameters;
* an execution is started by a signal (``{"action": "run"}``, what the
  job's signal handler reads). Heat hands a signal over to the engine
  and answers at once, so what became of it is read afterwards: the new
  execution in ``executions``, or the ``signal refused: ...`` event the
  job records when it turns a signal down.

The functions take a heatclient ``Client``; nothing here imports Heat's
engine.
"""

import dataclasses
import time

from heatclient import exc as heat_exc

from heat_savanna.osc import clusters

TYPE = 'OS::Savanna::Job'

#: an execution's statuses (the job's ``status`` attribute)
TERMINAL = ('SUCCEEDED', 'FAILED', 'KILLED')
SUCCEEDED = 'SUCCEEDED'

#: what a job's signal handler writes in the event of a signal it refuses
REFUSED_PREFIX = 'signal refused'

LIST_COLUMNS = ('Stack', 'Resource', 'Cluster', 'Type', 'Status',
                'Exit Code', 'Executions')
LIST_LONG_COLUMNS = LIST_COLUMNS + ('Resource Status', 'Started',
                                    'Finished', 'Stack ID')
EXECUTION_COLUMNS = ('ID', 'Status', 'Exit Code', 'Started', 'Finished')
EXECUTION_LONG_COLUMNS = EXECUTION_COLUMNS + ('Trigger', 'Reason',
                                              'Log Path')


class JobError(clusters.ClusterError):
    """A job cannot be located, read or run; the message says why."""


@dataclasses.dataclass(frozen=True)
class Job(object):
    """One job as Heat shows it."""

    stack: str              # stack name
    stack_id: str
    resource: str           # resource name
    resource_status: str    # Heat's: CREATE_COMPLETE, ...
    status_reason: str      # how the last awaited execution ended
    cluster: str            # the cluster resource's name ('' if unknown)
    job_type: str           # spark, mapreduce, shell ('' if unknown)
    status: str             # of the latest execution ('' before the first)
    exit_code: object       # int, or None
    output: str             # last lines the latest execution printed
    error_output: str       # last lines of its stderr
    started_at: str
    finished_at: str
    log_path: str
    executions: list        # every execution, oldest first

    @property
    def ident(self):
        return '%s/%s' % (self.stack, self.stack_id) if self.stack_id \
            else self.stack

    def execution(self, execution_id):
        for record in self.executions:
            if record.get('id') == execution_id:
                return record
        return None


# -- pure: from Heat's representations to rows -------------------------------
def _text(value):
    return '' if value is None else value


def definition(template, resource, parameters=None):
    """``(cluster, type)`` of the job ``resource`` as the stack's template
    declares it: the cluster's resource name (the property is
    ``{get_resource: NAME}``) and the type, a ``get_param`` resolved with
    ``parameters``; '' for what cannot be told."""
    body = ((template or {}).get('resources') or {}).get(resource) or {}
    props = body.get('properties') or {}

    def plain(value):
        if isinstance(value, dict) and len(value) == 1:
            (fn, arg), = value.items()
            if fn == 'get_resource' and isinstance(arg, str):
                return arg
            if fn == 'get_param' and isinstance(arg, str):
                return str((parameters or {}).get(arg, ''))
            return ''
        return '' if value is None else str(value)
    return plain(props.get('cluster')), plain(props.get('type'))


def from_resource(resource, stack=None, template=None, parameters=None):
    """A :class:`Job` from a heatclient resource (a resource show or a
    detailed resource list entry) and its stack's template."""
    attrs = getattr(resource, 'attributes', None) or {}
    name, stack_id = clusters.stack_of(resource, (stack or '', ''))
    cluster, job_type = definition(template, resource.resource_name,
                                   parameters)
    return Job(
        stack=name or stack or '', stack_id=stack_id,
        resource=resource.resource_name,
        resource_status=resource.resource_status or '',
        status_reason=getattr(resource, 'resource_status_reason',
                              None) or '',
        cluster=cluster, job_type=job_type,
        status=_text(attrs.get('status')),
        exit_code=attrs.get('exit_code'),
        output=_text(attrs.get('output')),
        error_output=_text(attrs.get('error_output')),
        started_at=_text(attrs.get('started_at')),
        finished_at=_text(attrs.get('finished_at')),
        log_path=_text(attrs.get('log_path')),
        executions=list(attrs.get('executions') or []))


def list_row(job, long=False):
    row = (job.stack, job.resource, job.cluster, job.job_type, job.status,
           _text(job.exit_code), len(job.executions))
    if long:
        row += (job.resource_status, job.started_at, job.finished_at,
                job.stack_id)
    return row


def execution_row(record, long=False):
    row = (_text(record.get('id')), _text(record.get('status')),
           _text(record.get('exit_code')), _text(record.get('started_at')),
           _text(record.get('finished_at')))
    if long:
        row += (_text(record.get('trigger')), _text(record.get('reason')),
                _text(record.get('log_path')))
    return row


def executions_text(executions):
    """``3 (2 SUCCEEDED, 1 FAILED)``; ``0`` before the first."""
    counts = {}
    for record in executions:
        status = record.get('status') or '?'
        counts[status] = counts.get(status, 0) + 1
    if not counts:
        return '0'
    return '%d (%s)' % (len(executions), ', '.join(
        '%d %s' % (n, s) for s, n in sorted(counts.items())))


def show_fields(job):
    """``(names, values)`` of one job for a show command."""
    fields = (
        ('stack', job.stack), ('stack_id', job.stack_id),
        ('resource', job.resource),
        ('resource_status', job.resource_status),
        ('status_reason', job.status_reason),
        ('cluster', job.cluster), ('type', job.job_type),
        ('status', job.status), ('exit_code', _text(job.exit_code)),
        ('started_at', job.started_at), ('finished_at', job.finished_at),
        ('log_path', job.log_path),
        ('executions', executions_text(job.executions)),
        ('output', job.output), ('error_output', job.error_output))
    return tuple(f[0] for f in fields), tuple(f[1] for f in fields)


def execution_fields(job, record, data):
    """``(names, values)`` of one execution started by ``data``; the
    output when it is the job's latest execution (the only one the
    ``output`` and ``error_output`` attributes hold)."""
    latest = job.executions[-1].get('id') if job.executions else None
    fields = (
        ('stack', job.stack), ('resource', job.resource),
        ('cluster', job.cluster), ('type', job.job_type),
        ('signal', data), ('execution', record.get('id')),
        ('trigger', _text(record.get('trigger'))),
        ('status', _text(record.get('status'))),
        ('exit_code', _text(record.get('exit_code'))),
        ('reason', _text(record.get('reason'))),
        ('started_at', _text(record.get('started_at'))),
        ('finished_at', _text(record.get('finished_at'))),
        ('log_path', _text(record.get('log_path'))),
        ('output', job.output if record.get('id') == latest else ''),
        ('error_output',
         job.error_output if record.get('id') == latest else ''))
    return tuple(f[0] for f in fields), tuple(f[1] for f in fields)


# -- through the API --------------------------------------------------------
def job_resources(heat, stack, detail=False):
    """The stack's ``OS::Savanna::Job`` resources (top level), sorted by
    name."""
    try:
        found = heat.resources.list(stack, filters={'type': TYPE},
                                    with_detail=detail)
    except heat_exc.HTTPNotFound:
        raise JobError('stack %s not found' % stack)
    return sorted((r for r in found if r.resource_type == TYPE),
                  key=lambda r: r.resource_name)


def _needs_parameters(template):
    for body in ((template or {}).get('resources') or {}).values():
        props = (body or {}).get('properties') or {}
        if any(isinstance(props.get(key), dict) and
               'get_param' in props[key] for key in ('cluster', 'type')):
            return True
    return False


def _definitions(heat, stack):
    """``(template, parameters)`` of a stack; the parameters only when a
    job's property is a ``get_param``. Either is {} when Heat will not
    say."""
    try:
        template = heat.stacks.template(stack) or {}
    except heat_exc.HTTPException:
        return {}, {}
    if not _needs_parameters(template):
        return template, {}
    try:
        return template, dict(heat.stacks.get(stack).parameters or {})
    except heat_exc.HTTPException:
        return template, {}


def read(heat, stack, resource):
    """The job named by STACK JOB."""
    try:
        res = heat.resources.get(stack, resource)
    except heat_exc.HTTPNotFound as error:
        raise JobError('no resource %s in stack %s (%s)'
                       % (resource, stack, clusters.heat_message(error)))
    if res.resource_type != TYPE:
        raise JobError('resource %s in stack %s is a %s, not an %s'
                       % (resource, stack, res.resource_type, TYPE))
    template, parameters = _definitions(heat, stack)
    return from_resource(res, stack, template, parameters)


def read_all(heat, stack_filter=None):
    """Every job in the project's stacks (or one stack's): one detailed,
    type-filtered resource list per stack, and the template of a stack
    that has jobs. Stacks deleted meanwhile are skipped."""
    jobs = []
    for stack, ident, found in clusters.resources_by_stack(
            heat, stack_filter, job_resources, JobError):
        if not found:
            continue
        template, parameters = _definitions(heat, ident)
        jobs.extend(from_resource(res, stack.stack_name, template,
                                  parameters) for res in found)
    return jobs


def run_data():
    """The signal body that starts one execution with the job's own
    arguments and configs."""
    return {'action': 'run'}


def send_run(heat, job, data):
    """Signal ``job`` to run; returns what :func:`started` needs: the
    newest event before the signal and the executions known then."""
    mark = clusters.signal_resource(heat, job.ident, job.resource, data,
                                    what='job')
    return mark, frozenset(r.get('id') for r in job.executions)


def refusal(heat, job, mark, depth=20):
    """The reason of a ``signal refused`` event of ``job`` newer than
    ``mark`` (None if there is none)."""
    events = heat.events.list(job.ident, resource_name=job.resource,
                              limit=depth, sort_dir='desc')
    for event in events:
        if event.id == mark:
            return None
        reason = getattr(event, 'resource_status_reason', None) or ''
        if reason.startswith(REFUSED_PREFIX):
            return reason
    return None


def started(heat, job, sent, timeout=300, interval=2.0, sleep=time.sleep,
            clock=time.monotonic):
    """``(job, execution)`` once the signal ``sent`` (:func:`send_run`)
    shows: the execution that was not there before (the newest, if others
    started meanwhile). Raises :class:`clusters.SignalRefused` with the
    job's reason if it refused the signal."""
    mark, known = sent
    deadline = clock() + timeout
    while True:
        current = read(heat, job.ident, job.resource)
        new = [r for r in current.executions if r.get('id') not in known]
        if new:
            return current, new[-1]
        reason = refusal(heat, job, mark)
        if reason:
            raise clusters.SignalRefused('job %s in stack %s: %s' % (
                job.resource, job.stack, reason))
        if clock() >= deadline:
            raise clusters.WaitTimeout(
                'job %s in stack %s: no new execution %ds after the '
                'signal' % (job.resource, job.stack, timeout))
        sleep(interval)


def wait(heat, job, execution_id, timeout=3600, interval=5.0,
         sleep=time.sleep, clock=time.monotonic):
    """Follow an execution until it is SUCCEEDED, FAILED or KILLED;
    return ``(job, execution)`` re-read."""
    deadline = clock() + timeout
    while True:
        current = read(heat, job.ident, job.resource)
        record = current.execution(execution_id) or {}
        if record.get('status') in TERMINAL:
            return current, record
        if clock() >= deadline:
            raise clusters.WaitTimeout(
                'job %s in stack %s: execution %s still %s after %ds'
                % (job.resource, job.stack, execution_id,
                   record.get('status') or 'unknown', timeout))
        sleep(interval)
