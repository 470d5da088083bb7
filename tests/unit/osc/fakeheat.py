"""A stand-in for python-heatclient's v1 ``Client``, for the unit tier.

The real one needs heat-api; the functional tier runs against it. This
stand-in returns heatclient's own ``Resource``/``Event``/``Stack`` objects
built from bodies shaped as Heat's API sends them (the resource status
joined with its action, the stack only in the ``links``, metadata left out
of resource show and list, attributes only in show and detailed lists), and
raises heatclient's HTTP exceptions with Heat's error bodies. It implements
only the calls heat_savanna.osc makes.
"""

import itertools
import json

from heatclient import exc as heat_exc
from heatclient.v1 import events as hc_events
from heatclient.v1 import resources as hc_resources
from heatclient.v1 import stacks as hc_stacks

BASE = 'http://heat.example:8004/v1/project'
CLUSTER = 'OS::Savanna::Cluster'
JOB = 'OS::Savanna::Job'


def heat_error(cls, message, error_type):
    """A heatclient HTTP exception carrying Heat's JSON error body."""
    return cls(json.dumps({'code': cls.code, 'title': 'Error',
                           'explanation': message,
                           'error': {'message': message, 'type': error_type,
                                     'traceback': None}}))


def node(name, group, processes, state='ACTIVE', address='10.0.0.5',
         reason=''):
    return {'name': name, 'group': group, 'processes': list(processes),
            'address': address, 'internal_address': address,
            'state': state, 'reason': reason}


def spark_attributes(status='ACTIVE', workers=1, failed=()):
    """The attributes of a Spark cluster (master + ``workers``), as
    heat_savanna.resources.operation computes them; ``failed`` worker
    indexes are FAILED in phase ``boot``."""
    nodes = [node('master-0', 'master', ['master'], address='10.0.0.3')]
    failed_nodes = []
    for i in range(workers):
        name = 'worker-%d' % i
        if i in failed:
            nodes.append(node(name, 'worker', ['worker'], state='FAILED',
                              address=None, reason='No valid host'))
            failed_nodes.append({'name': name, 'group': 'worker',
                                 'phase': 'boot', 'reason': 'No valid host'})
        else:
            nodes.append(node(name, 'worker', ['worker'],
                              address='10.0.0.%d' % (10 + i)))
    active = 1 + workers - len(failed)
    summary = {'ACTIVE': 'ACTIVE: %d/%d nodes active' % (active,
                                                         workers + 1),
               'PARTIALLY_ACTIVE': 'PARTIALLY_ACTIVE: worker %d/%d active '
               '(min 1); %d node to rebuild' % (workers - len(failed),
                                                workers, len(failed)),
               'FAILED': 'FAILED: node master-0 running master failed',
               'BUILDING': 'BUILDING: %d/%d nodes active' % (
                   active - 1, workers + 1)}
    groups = {'master': {'active': 1, 'desired': 1, 'min_active': 1,
                         'failed': 0},
              'worker': {'active': workers - len(failed),
                         'desired': workers, 'min_active': 1,
                         'failed': len(failed)}}
    return {'status': status, 'nodes': nodes, 'active_count': active,
            'desired_count': workers + 1, 'failed_nodes': failed_nodes,
            'master_address': '10.0.0.3',
            'endpoints': {'spark-master': 'spark://10.0.0.3:7077',
                          'spark-master-ui': 'http://10.0.0.3:8080'},
            'info': {'plugin': 'spark', 'version': '4.3.0',
                     'status': status, 'summary': summary[status],
                     'groups': groups}}


def execution(number, status, exit_code=None, trigger='signal',
              reason=''):
    """One record of a job's ``executions`` attribute (its public keys,
    as heat_savanna.resources.job shows them)."""
    ended = status in ('SUCCEEDED', 'FAILED', 'KILLED')
    return {'id': '20260101T10%02d00.000Z-%06x' % (number, number),
            'trigger': trigger, 'status': status, 'reason': reason,
            'exit_code': exit_code, 'args': [], 'configs': {},
            'requested_at': '2026-01-01T10:%02d:00Z' % number,
            'started_at': None if status == 'PENDING'
            else '2026-01-01T10:%02d:01Z' % number,
            'finished_at': '2026-01-01T10:%02d:09Z' % number if ended
            else None,
            'log_path': '/var/lib/spark/jobs/job/%d/stdout.log' % number}


def job_attributes(executions, output=''):
    """A job's attributes: the latest of ``executions`` and all of them."""
    latest = executions[-1] if executions else {}
    return {'status': latest.get('status'),
            'exit_code': latest.get('exit_code'),
            'output': output if executions else None,
            'started_at': latest.get('started_at'),
            'finished_at': latest.get('finished_at'),
            'log_path': latest.get('log_path'),
            'executions': [dict(e) for e in executions],
            'signal_url': None}


class FakeHeat(object):
    """``stacks``, ``resources`` and ``events`` of heatclient's Client."""

    def __init__(self):
        self._ids = itertools.count(1)
        self.stacks_ = {}           # id -> stack dict
        self.resources_ = {}        # (stack id, name) -> record
        self.events_ = {}           # (stack id, name) -> [event dict]
        self.templates_ = {}        # stack id -> template as written
        self.parameters_ = {}       # stack id -> parameter values
        self.signals = []           # (stack name, resource, data)
        self.calls = []
        #: called as on_signal(record, data) inside resources.signal; may
        #: raise a heatclient exception (Heat refusing) or change records
        self.on_signal = None
        #: called with (record) on every resources.get (state progression)
        self.on_get = None
        self.stacks = _Stacks(self)
        self.resources = _Resources(self)
        self.events = _Events(self)

    # -- set-up --------------------------------------------------------------
    def add_stack(self, name, template=None, parameters=None):
        stack_id = '%08d-0000-0000-0000-000000000000' % next(self._ids)
        self.stacks_[stack_id] = {'id': stack_id, 'stack_name': name,
                                  'stack_status': 'CREATE_COMPLETE'}
        self.templates_[stack_id] = dict(template or {
            'heat_template_version': '2018-08-31', 'resources': {}})
        self.parameters_[stack_id] = dict(parameters or {})
        return stack_id

    def add_resource(self, stack, name, rtype=CLUSTER,
                     status='CREATE_COMPLETE', reason='', attributes=None,
                     metadata=None):
        stack_id = self.stack_id(stack)
        rec = {'name': name, 'type': rtype, 'status': status,
               'reason': reason, 'attributes': attributes or {},
               'metadata': metadata or {}, 'stack_id': stack_id}
        self.resources_[(stack_id, name)] = rec
        self.add_event(stack, name, status, reason)
        return rec

    def add_event(self, stack, name, status, reason=''):
        """An event as Heat's API shows it: the action joined with the
        status (``SIGNAL_COMPLETE``), no ``resource_action`` of its own."""
        stack_id = self.stack_id(stack)
        events = self.events_.setdefault((stack_id, name), [])
        events.append({'id': 'ev-%d' % next(self._ids),
                       'resource_name': name, 'resource_status': status,
                       'resource_status_reason': reason,
                       'logical_resource_id': name})

    # -- lookups as Heat does them -------------------------------------------
    def stack_id(self, ident):
        """Heat accepts a name, an id or ``name/id``."""
        ident = ident.split('/')[-1]
        for stack_id, stack in self.stacks_.items():
            if ident in (stack_id, stack['stack_name']):
                return stack_id
        raise heat_error(heat_exc.HTTPNotFound,
                         'The Stack (%s) could not be found.' % ident,
                         'EntityNotFound')

    def record(self, stack, name):
        stack_id = self.stack_id(stack)
        try:
            return self.resources_[(stack_id, name)]
        except KeyError:
            raise heat_error(
                heat_exc.HTTPNotFound,
                'The Resource (%s) could not be found.' % name,
                'EntityNotFound')

    def body(self, rec, detail):
        stack = self.stacks_[rec['stack_id']]
        stack_url = '%s/stacks/%s/%s' % (BASE, stack['stack_name'],
                                         stack['id'])
        out = {'resource_name': rec['name'],
               'logical_resource_id': rec['name'],
               'resource_type': rec['type'],
               'resource_status': rec['status'],
               'resource_status_reason': rec['reason'],
               'physical_resource_id': 'nested-%s' % rec['name'],
               'creation_time': '2026-01-01T00:00:00Z',
               'updated_time': '2026-01-01T00:00:00Z', 'required_by': [],
               'links': [{'href': '%s/resources/%s' % (
                   stack_url, rec['name']), 'rel': 'self'},
                         {'href': stack_url, 'rel': 'stack'}]}
        if detail:
            out['description'] = ''
            # Heat resolves every attribute of the schema; a failing one
            # is None.
            out['attributes'] = dict(rec['attributes'])
        return out


class _Stacks(object):
    def __init__(self, fake):
        self.fake = fake

    def list(self, **kwargs):
        self.fake.calls.append(('stacks.list',))
        return [hc_stacks.Stack(self, dict(s))
                for s in self.fake.stacks_.values()]

    def get(self, stack_id, resolve_outputs=True):
        fake = self.fake
        fake.calls.append(('stacks.get', stack_id))
        sid = fake.stack_id(stack_id)
        return hc_stacks.Stack(self, dict(fake.stacks_[sid],
                                          parameters=fake.parameters_[sid]))

    def template(self, stack_id):
        fake = self.fake
        fake.calls.append(('stacks.template', stack_id))
        return json.loads(json.dumps(fake.templates_[fake.stack_id(
            stack_id)]))


class _Resources(object):
    def __init__(self, fake):
        self.fake = fake

    def list(self, stack_id, **kwargs):
        fake = self.fake
        fake.calls.append(('resources.list', stack_id,
                           dict(kwargs.get('filters') or {}),
                           bool(kwargs.get('with_detail'))))
        sid = fake.stack_id(stack_id)
        rtype = (kwargs.get('filters') or {}).get('type')
        return [hc_resources.Resource(self, fake.body(
            rec, kwargs.get('with_detail')))
            for (s, _n), rec in sorted(fake.resources_.items())
            if s == sid and (rtype is None or rtype in rec['type'])]

    def get(self, stack_id, resource_name, with_attr=None):
        fake = self.fake
        fake.calls.append(('resources.get', stack_id, resource_name))
        rec = fake.record(stack_id, resource_name)
        if fake.on_get:
            fake.on_get(rec)
        return hc_resources.Resource(self, fake.body(rec, True))

    def metadata(self, stack_id, resource_name):
        self.fake.calls.append(('resources.metadata', stack_id,
                                resource_name))
        return dict(self.fake.record(stack_id, resource_name)['metadata'])

    def signal(self, stack_id, resource_name, data=None):
        fake = self.fake
        fake.calls.append(('resources.signal', stack_id, resource_name))
        rec = fake.record(stack_id, resource_name)
        # Heat records the hand-over itself as an event of the resource
        fake.add_event(stack_id, resource_name, 'SIGNAL_COMPLETE',
                       'Signal: %s' % (data or {}).get('action'))
        if fake.on_signal:
            fake.on_signal(rec, data)
        fake.signals.append((fake.stacks_[rec['stack_id']]['stack_name'],
                             resource_name, data))


class _Events(object):
    def __init__(self, fake):
        self.fake = fake

    def list(self, stack_id, resource_name=None, **kwargs):
        fake = self.fake
        fake.calls.append(('events.list', stack_id, resource_name))
        events = list(fake.events_.get((fake.stack_id(stack_id),
                                        resource_name), []))
        if kwargs.get('sort_dir') == 'desc':
            events.reverse()
        if kwargs.get('limit'):
            events = events[:kwargs['limit']]
        return [hc_events.Event(self, dict(e)) for e in events]
