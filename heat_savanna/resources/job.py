"""OS::Savanna::Job: run data-processing jobs on a cluster of the stack.

A job is defined once (type, main program, arguments, configs) and
*executed* on the cluster's master through the cluster's provisioning
plugin: when the resource is created, when an update changes the job, and
whenever it is signalled (``openstack stack resource signal`` or a plain
HTTP POST to the pre-signed ``signal_url``). Every execution is a detached
process on the master (:mod:`heat_savanna.provisioning.jobs`); the engine
only takes short looks at it, so no engine thread waits on a job.

Persistent state, in resource data: one JSON record per execution
(``execution.<id>``) and ``awaited``, the execution the last create or
update waits for. A record is written *before* its execution is launched
and the launch is idempotent, so an engine that dies at any point leaves a
record that the next action (``stack update --existing``, ``stack check``)
finds and picks up instead of starting a second execution. Records of
executions started by a signal are refreshed from the master when the
attributes are read and at every action. The cluster's management key is
used through :class:`heat_savanna.resources.access.ClusterAccess` and never
stored, logged or shown here; job output is redacted with it.
"""

import calendar
import json
import posixpath
import time
import urllib.parse
import uuid

from oslo_log import log as logging

from heat.common import exception
from heat.common.i18n import _
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from heat.engine import resource
from heat.engine.resources import signal_responder
from heat.engine import support
from heat.objects import resource as resource_objects
from heat.objects import resource_data as resource_data_objects

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import model
from heat_savanna import plugins
from heat_savanna.plugins import base as plugin_base
from heat_savanna.provisioning import jobs
from heat_savanna.resources import cluster as cluster_mod

LOG = logging.getLogger(__name__)

RECORD_PREFIX = 'execution.'
AWAITED_KEY = 'awaited'
#: executions kept in the history (older records and directories go)
HISTORY_LIMIT = 50
#: a PENDING execution whose directory is missing this long after it was
#: recorded was never launched (its engine went away): the next action
#: launches it
RELAUNCH_AFTER = 60
REPORT_INTERVAL = 10
#: record keys the ``executions`` attribute shows
PUBLIC_KEYS = ('id', 'trigger', 'status', 'reason', 'exit_code', 'args',
               'configs', 'requested_at', 'started_at', 'finished_at',
               'log_path')


class SavannaJob(signal_responder.SignalResponder):
    """A data-processing job run on an OS::Savanna::Cluster of the stack.

    The job runs on the cluster's master through the cluster's plugin:
    ``spark-submit`` against the master URL (spark), ``yarn jar``
    (vanilla MapReduce) or a shell script. It runs when the resource is
    created, when a stack update changes it and when the resource is
    signalled, each time as a new execution recorded in ``executions``.
    Its failure is the job's own: the cluster is never changed.
    """

    support_status = support.SupportStatus(
        version='27.0.0',
        message=_('Provided by the heat-savanna plugin.'))

    PROPERTIES = (
        CLUSTER, TYPE, MAIN, MAIN_CLASS, ARGS, CONFIGS, RUN_ON, ON_FAILURE,
        TIMEOUT,
    ) = (
        'cluster', 'type', 'main', 'main_class', 'args', 'configs',
        'run_on', 'on_failure', 'timeout',
    )

    _MAIN_KEYS = (MAIN_INLINE, MAIN_URL, MAIN_PATH) = (
        'inline', 'url', 'path')

    RUN_ON_VALUES = (ON_CREATE, ON_UPDATE, ON_SIGNAL) = (
        'create', 'update', 'signal')

    ON_FAILURE_VALUES = (FAILURE_FAIL, FAILURE_CONTINUE) = (
        'fail', 'continue')

    #: properties whose change is a new job (run again on update)
    JOB_DEFINITION = (TYPE, MAIN, MAIN_CLASS, ARGS, CONFIGS)

    ATTRIBUTES = (
        STATUS, EXIT_CODE, OUTPUT, STARTED_AT, FINISHED_AT, LOG_PATH,
        EXECUTIONS, SIGNAL_URL,
    ) = (
        'status', 'exit_code', 'output', 'started_at', 'finished_at',
        'log_path', 'executions', 'signal_url',
    )

    properties_schema = {
        CLUSTER: properties.Schema(
            properties.Schema.STRING,
            _('The cluster the job runs on: {get_resource: NAME} of an '
              'OS::Savanna::Cluster of this stack (the job reaches the '
              'nodes with the cluster\'s own management key).'),
            required=True),
        TYPE: properties.Schema(
            properties.Schema.STRING,
            _('"spark": spark-submit of a Python file or a jar (spark '
              'plugin); "mapreduce": yarn jar (vanilla plugin); "shell": a '
              'bash script (both plugins).'),
            required=True,
            constraints=[constraints.AllowedValues(
                list(plugin_base.JOB_TYPES))],
            update_allowed=True),
        MAIN: properties.Schema(
            properties.Schema.MAP,
            _('The main program, exactly one of: inline (its text: a '
              'Python file for spark, a script for shell), url (http or '
              'https, downloaded by the master at each execution) or path '
              '(absolute, a file the image carries).'),
            required=True,
            schema={
                MAIN_INLINE: properties.Schema(
                    properties.Schema.STRING,
                    _('Text of the program.'),
                    constraints=[constraints.Length(min=1, max=65536)]),
                MAIN_URL: properties.Schema(
                    properties.Schema.STRING,
                    _('http(s) URL of the program; a name ending in .jar '
                      'is submitted as a jar.'),
                    constraints=[constraints.AllowedPattern(
                        r'^https?://\S+$',
                        _('an http:// or https:// URL'))]),
                MAIN_PATH: properties.Schema(
                    properties.Schema.STRING,
                    _('Absolute path of the program on the master; a name '
                      'ending in .jar is submitted as a jar.'),
                    constraints=[constraints.AllowedPattern(
                        r'^/\S*$', _('an absolute path'))]),
            },
            update_allowed=True),
        MAIN_CLASS: properties.Schema(
            properties.Schema.STRING,
            _('Main class of a jar (spark --class; for mapreduce the class '
              'or program name after the jar, e.g. "wordcount" of the '
              'examples jar). Without it the jar\'s manifest names it.'),
            update_allowed=True),
        ARGS: properties.Schema(
            properties.Schema.LIST,
            _('Arguments of the main program; a signal may give others '
              'for one execution.'),
            default=[],
            schema=properties.Schema(properties.Schema.STRING),
            update_allowed=True),
        CONFIGS: properties.Schema(
            properties.Schema.MAP,
            _('Job settings, {key: value}: --conf of spark-submit, -D of '
              'mapreduce, environment variables of a shell job; a signal '
              'may give others for one execution.'),
            default={},
            update_allowed=True),
        RUN_ON: properties.Schema(
            properties.Schema.LIST,
            _('When the job runs: "create" (the resource waits for it), '
              '"update" (a stack update changing the job runs it again '
              'and waits), "signal" (each signal starts an execution; the '
              'signal returns at once).'),
            default=list(RUN_ON_VALUES),
            schema=properties.Schema(
                properties.Schema.STRING,
                constraints=[constraints.AllowedValues(
                    list(RUN_ON_VALUES))]),
            update_allowed=True),
        ON_FAILURE: properties.Schema(
            properties.Schema.STRING,
            _('What a failed execution the stack waits for does: "fail" '
              'the resource (the stack action fails; the cluster stays as '
              'it is), or "continue" (the execution is FAILED, the stack '
              'goes on). Executions started by a signal only record their '
              'failure.'),
            default=FAILURE_FAIL,
            constraints=[constraints.AllowedValues(
                list(ON_FAILURE_VALUES))],
            update_allowed=True),
        TIMEOUT: properties.Schema(
            properties.Schema.INTEGER,
            _('Seconds an execution may run; then the master stops it '
              '(TERM, KILL 10 s later) and the execution is FAILED.'),
            default=3600,
            constraints=[constraints.Range(min=1, max=7 * 24 * 3600)],
            update_allowed=True),
    }

    attributes_schema = {
        STATUS: attributes.Schema(
            _('Status of the latest execution: PENDING, RUNNING, '
              'SUCCEEDED, FAILED or KILLED (null before the first).'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
        EXIT_CODE: attributes.Schema(
            _('Exit code of the latest execution once it ended.'),
            type=attributes.Schema.INTEGER,
            cache_mode=attributes.Schema.CACHE_NONE),
        OUTPUT: attributes.Schema(
            _('Last lines of the latest execution\'s output (stdout and '
              'stderr), secrets redacted.'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
        STARTED_AT: attributes.Schema(
            _('UTC time the latest execution started (ISO 8601).'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
        FINISHED_AT: attributes.Schema(
            _('UTC time the latest execution ended (ISO 8601).'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
        LOG_PATH: attributes.Schema(
            _('Path of the latest execution\'s log on the master.'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
        EXECUTIONS: attributes.Schema(
            _('Every execution, oldest first: id, trigger (create, '
              'update, retry, signal), status, reason, exit_code, args, '
              'configs, requested_at, started_at, finished_at, log_path.'),
            type=attributes.Schema.LIST,
            cache_mode=attributes.Schema.CACHE_NONE),
        SIGNAL_URL: attributes.Schema(
            _('Pre-signed URL: an HTTP POST to it (body: the signal data, '
              'e.g. {"args": [...]}) starts an execution, like a signal. '
              'Null unless run_on has "signal".'),
            type=attributes.Schema.STRING,
            cache_mode=attributes.Schema.CACHE_NONE),
    }

    # A job whose CHECK failed (e.g. the master was unreachable) is
    # looked at again by the next update, not replaced (which would
    # delete its history).
    always_replace_on_check_failed = False

    def __init__(self, name, json_snippet, stack):
        super(SavannaJob, self).__init__(name, json_snippet, stack)
        self._records_cache = None
        self._was_failed = False
        self._cluster_stacks = None

    # -- the cluster -------------------------------------------------------
    def _cluster_name(self):
        """Name of the cluster resource, from ``{get_resource: NAME}``."""
        snippet = (self.t.render_hot().get('properties') or {}).get(
            self.CLUSTER)
        if isinstance(snippet, dict) and list(snippet) == ['get_resource']:
            name = snippet['get_resource']
            if isinstance(name, str):
                return name
        return None

    def _cluster_resource(self):
        try:
            refid = self.properties[self.CLUSTER]
        except Exception as exc:   # noqa: unresolvable while deleting
            LOG.debug('%s: no cluster reference: %s', self.name, exc)
            refid = None
        rsrc = self.stack.resource_by_refid(refid) if refid else None
        if rsrc is None:
            rsrc = self._cluster_from_db()
        if not isinstance(rsrc, cluster_mod.SavannaCluster) or \
                rsrc.id is None:
            return None
        return rsrc

    def _cluster_from_db(self):
        """The cluster resource loaded from its own row and template.

        resource_by_refid skips a cluster in a FAILED state (e.g. a heal
        that failed), and a stack being deleted no longer has the cluster
        in its template; a job on it must still be seen and stopped.
        """
        name = self._cluster_name()
        if not name or self.stack.id is None:
            return None
        rows = resource_objects.Resource.get_all_active_by_stack(
            self.context, self.stack.id)
        # the current row: not replaced, else the newest
        found = sorted((r for r in rows.values() if r.name == name),
                       key=lambda r: (r.replaced_by is None, r.id))
        if not found:
            return None
        rsrc, initial, latest = resource.Resource.load(
            self.context, found[-1].id, self.stack.current_traversal, False,
            {})
        # the resource holds weak references to these
        self._cluster_stacks = (initial, latest)
        return rsrc

    def _access(self):
        """The cluster's ClusterAccess and its master node (raises if
        the master cannot be reached)."""
        rsrc = self._cluster_resource()
        access = rsrc.access() if rsrc is not None else None
        if access is None:
            raise exception.Error(_('cluster %s has no nodes to run the '
                                    'job on') % self._cluster_name())
        master = access.master()
        if master is None:
            raise exception.Error(_('cluster %s has no live master node')
                                  % self._cluster_name())
        return access, master

    # -- validation --------------------------------------------------------
    def validate(self):
        super(SavannaJob, self).validate()
        errors = []
        name = self._cluster_name()
        cluster = self.stack.resources.get(name) if name else None
        if not isinstance(cluster, cluster_mod.SavannaCluster):
            errors.append('Property %s: must be {get_resource: NAME} of an '
                          'OS::Savanna::Cluster of this stack' % self.CLUSTER)
        errors += job_definition_errors(self.properties)
        if not errors and cluster is not None:
            errors += self._plugin_errors(cluster)
        if errors:
            raise exception.StackValidationFailed(
                message='%s: %s' % (self.name, '; '.join(errors)))

    def _plugin_errors(self, cluster):
        try:
            plugin_name = cluster.properties[cluster.PLUGIN_NAME]
            version = cluster.properties[cluster.PLUGIN_VERSION]
            plugin = plugins.get_plugin(plugin_name)
        except (sv_exc.SavannaError, KeyError, ValueError,
                exception.StackValidationFailed):
            return []      # the cluster's own validation says why
        errors = []
        if cluster.properties[cluster.TRANSPORT] != model.SSH_TRANSPORT:
            # a job is launched, watched and stopped over SSH on the
            # master; an agent cluster has no key for the engine to use
            errors.append(
                'Property %s: %s runs jobs over SSH and the cluster has '
                'transport %s; give the cluster transport ssh, or run the '
                'job as an OS::Heat::SoftwareDeployment on the master '
                '(template guide, "Nodes the engine cannot reach")'
                % (self.CLUSTER, self.type(),
                   cluster.properties[cluster.TRANSPORT]))
        supported = plugin.supported_job_types(version)
        job_type = self.properties[self.TYPE]
        if job_type not in supported:
            errors.append('Property %s: the %s plugin runs %s jobs, not %s'
                          % (self.TYPE, plugin_name,
                             ' and '.join(supported) or 'no', job_type))
        return errors

    # -- records -----------------------------------------------------------
    def _all_data(self):
        if self.id is None:
            return {}
        try:
            return resource_data_objects.ResourceData.get_all(self)
        except exception.NotFound:
            return {}

    def _records(self):
        """Every execution record, oldest first (fresh from the DB)."""
        data = self._all_data()
        records = []
        for key, value in data.items():
            if key.startswith(RECORD_PREFIX):
                try:
                    records.append(json.loads(value))
                except ValueError:
                    LOG.warning('%s: unreadable record %s', self.name, key)
        # ids begin with their time, to the millisecond
        return sorted(records, key=lambda r: r.get('id') or '')

    def _record(self, execution_id):
        if not execution_id:
            return None
        for record in self._records():
            if record['id'] == execution_id:
                return record
        return None

    def _save(self, record):
        """Store ``record``; never turns a finished record back into a
        running one (a slower concurrent look may have seen less)."""
        current = self._record(record['id'])
        if current is not None and jobs.is_terminal(current) and \
                not jobs.is_terminal(record):
            return current
        if current != record:
            self.data_set(RECORD_PREFIX + record['id'],
                          json.dumps(record, sort_keys=True))
        return record

    def _awaited_id(self):
        return self._all_data().get(AWAITED_KEY)

    # -- looking at the master ---------------------------------------------
    def _refresh(self, records=None, relaunch=False):
        """Look at every unfinished execution (one SSH command) and store
        what changed; return the records. Never raises for an
        unreachable master: the records then stay as they were."""
        records = self._records() if records is None else records
        open_records = [r for r in records if not jobs.is_terminal(r)]
        if not open_records:
            return records
        try:
            access, master = self._access()
            with access.remote_for(master, connect_retries=2) as node:
                looks = jobs.probe(node, [r['directory']
                                          for r in open_records])
                if relaunch:
                    looks = self._relaunch_missing(node, open_records,
                                                   looks)
        except (exception.Error, sv_exc.SavannaError, ValueError) as exc:
            LOG.warning('%s: cannot look at the job executions: %s',
                        self.name, exc)
            return records
        by_id = {}
        for record in open_records:
            new = jobs.advance(record, looks.get(record['directory']),
                               access.secrets)
            if new != record:
                new = self._save(new)
            by_id[record['id']] = new
        return [by_id.get(r['id'], r) for r in records]

    def _relaunch_missing(self, node, open_records, looks):
        """Launch executions recorded but never launched (their engine
        went away in between); the launch is idempotent."""
        awaited = self._awaited_id()
        now = time.time()
        for record in open_records:
            look = looks.get(record['directory'])
            if look is None or look.exists:
                continue
            age = now - _epoch(record.get('requested_at'))
            if record['id'] != awaited and age < RELAUNCH_AFTER:
                continue     # a signal may be launching it right now
            LOG.info('%s: launching execution %s, recorded but never '
                     'launched', self.name, record['id'])
            self._launch(node, record)
        return jobs.probe(node, [r['directory'] for r in open_records])

    def _view(self):
        """The records as of this request (one look per resource load)."""
        if self._records_cache is None:
            self._records_cache = self._refresh()
        return self._records_cache

    # -- starting executions -----------------------------------------------
    def _job_spec(self, props, args, configs):
        main = props[self.MAIN] or {}
        return plugin_base.JobSpec(
            job_type=props[self.TYPE],
            main=main.get(self.MAIN_PATH) or main_file_name(props),
            main_class=props[self.MAIN_CLASS] or None,
            args=tuple(str(a) for a in args),
            configs=tuple(sorted((str(k), _scalar(v))
                                 for k, v in configs.items())))

    def _files(self, props, record):
        main = props[self.MAIN] or {}
        files = {
            'run.sh': (jobs.wrapper_script(
                record['directory'], record['timeout'],
                fetch=((main[self.MAIN_URL], main_file_name(props))
                       if main.get(self.MAIN_URL) else None),
                label='%s %s' % (self.physical_resource_name() or self.name,
                                 record['id'])), 0o644),
            'job.sh': (record['command'] + '\n', 0o644),
        }
        if main.get(self.MAIN_INLINE):
            files[main_file_name(props)] = (main[self.MAIN_INLINE], 0o644)
        return files

    def _new_execution(self, trigger, props, args=None, configs=None,
                       awaited=False):
        """Record, then launch, one execution; returns its record.

        ``awaited``: the action waits for it. It is named as such before
        anything else is stored, so an engine dying at any point leaves
        either no record (the next action starts one) or an awaited record
        (the next action picks it up, launching it if it never was).
        """
        access, master = self._access()
        version = access.spec.plugin_version
        if props[self.TYPE] not in access.plugin.supported_job_types(
                version):
            raise exception.Error(_('the %(p)s plugin runs no %(t)s jobs')
                                  % {'p': access.plugin.name,
                                     't': props[self.TYPE]})
        args = props[self.ARGS] if args is None else args
        configs = props[self.CONFIGS] if configs is None else configs
        spec = self._job_spec(props, args, configs)
        command = access.plugin.job_command(access.info, spec)
        execution_id = new_execution_id(time.time())
        directory = jobs.execution_dir(command.work_root, self.resource_id,
                                       execution_id)
        record = jobs.new_record(execution_id, trigger, spec.args,
                                 dict(spec.configs), directory,
                                 props[self.TIMEOUT], jobs.utc_now())
        # what a relaunch needs, kept out of the public attribute
        record.update({'command': command.command, 'owner': command.owner})
        self._prune()
        if awaited:
            self.data_set(AWAITED_KEY, execution_id)
        self._save(record)      # before the launch: a restart finds it
        try:
            with access.remote_for(master) as node:
                self._launch(node, record, props)
                look = jobs.probe(node, [directory]).get(directory)
        except (sv_exc.SavannaError, ValueError) as exc:
            reason = 'launch failed: %s' % exc
            return self._save(jobs.mark(record, jobs.FAILED, reason,
                                        jobs.utc_now()))
        return self._save(jobs.advance(record, look, access.secrets))

    def _launch(self, node, record, props=None):
        props = self.properties if props is None else props
        jobs.launch(node, record['directory'], self._files(props, record),
                    owner=record.get('owner'))

    def _prune(self):
        """Keep the history bounded: forget the oldest finished records
        beyond HISTORY_LIMIT (their directories go at delete)."""
        records = self._records()
        extra = len(records) + 1 - HISTORY_LIMIT
        for record in [r for r in records if jobs.is_terminal(r)][:max(
                extra, 0)]:
            self.data_delete(RECORD_PREFIX + record['id'])

    # -- waiting for an execution (create, update, check) -------------------
    def _await(self, record, props=None):
        props = self.properties if props is None else props
        self.data_set(AWAITED_KEY, record['id'])
        return {'awaited': record['id'], 'next_look': 0,
                'on_failure': props[self.ON_FAILURE],
                'deadline': time.monotonic() + record['timeout'] +
                jobs.KILL_GRACE + 60}

    def _check_awaited(self, cookie):
        if not cookie:
            return True
        now = time.monotonic()
        if now < cookie['next_look']:
            return False
        cookie['next_look'] = now + sv_config.CONF.savanna.\
            provisioning_poll_interval
        records = self._refresh()
        record = {r['id']: r for r in records}.get(cookie['awaited'])
        if record is None:
            raise exception.Error(_('execution %s is no longer recorded')
                                  % cookie['awaited'])
        if not jobs.is_terminal(record):
            if now > cookie['deadline']:
                # the master's own timeout should have stopped it
                self._stop([record])
                cookie['deadline'] = now + 60
            self._report(cookie, record)
            return False
        self._finish(record, cookie['on_failure'])
        return True

    def _report(self, cookie, record):
        now = time.monotonic()
        if now - cookie.get('reported_at', 0) < REPORT_INTERVAL:
            return
        cookie['reported_at'] = now
        last = (record.get('output') or '').strip().splitlines()[-1:]
        reason = '%s%s' % (jobs.summary(record),
                           ': %s' % last[0][-200:] if last else '')
        self.status_reason = reason
        if self.id is not None:
            resource_objects.Resource.update_by_id(
                self.context, self.id, {'status_reason': reason})

    def _finish(self, record, on_failure):
        self._set_metadata(record)
        failed = record['status'] != jobs.SUCCEEDED
        if failed and on_failure == self.FAILURE_FAIL:
            tail = (record.get('output') or '').strip().splitlines()[-3:]
            raise exception.Error('%s%s' % (
                jobs.summary(record),
                '; output: %s' % ' | '.join(tail)[-500:] if tail else ''))

    def _set_metadata(self, record):
        try:
            self.metadata_set({
                'status': record['status'], 'execution': record['id'],
                'exit_code': record.get('exit_code'),
                'reason': record.get('reason'),
                'log_path': record.get('log_path')})
        except (exception.ResourceNotAvailable,
                exception.ConcurrentTransaction) as exc:
            LOG.debug('%s: metadata not set: %s', self.name, exc)

    def state_set(self, action, status, reason='state changed',
                  lock=signal_responder.SignalResponder.LOCK_NONE):
        # Heat ends an action with "state changed": say how the job went
        # instead (Horizon shows status_reason).
        if status == self.COMPLETE and reason == 'state changed' and \
                action in (self.CREATE, self.UPDATE, self.CHECK) and \
                self.id is not None:
            awaited = self._record(self._awaited_id())
            if awaited is not None:
                reason = jobs.summary(awaited)
        return super(SavannaJob, self).state_set(action, status, reason,
                                                 lock=lock)

    # -- lifecycle -----------------------------------------------------------
    def handle_create(self):
        self.resource_id_set(str(uuid.uuid4()))
        if self.ON_SIGNAL in self.properties[self.RUN_ON]:
            # the user and key behind signal_url, made now so that
            # reading the attribute never creates anything
            super(SavannaJob, self).handle_create()
            self._create_keypair()
        if self.ON_CREATE not in self.properties[self.RUN_ON]:
            return None
        return self._await(self._new_execution('create', self.properties,
                                               awaited=True))

    def check_create_complete(self, cookie=None):
        return self._check_awaited(cookie)

    def _needs_update(self, after, before, after_props, before_props,
                      prev_resource, check_init_complete=True):
        self._was_failed = self.status == self.FAILED
        if self.resource_id is not None and self._was_failed:
            # a failed job, or an action its engine never finished: the
            # update looks again (and picks a running execution up)
            return True
        return super(SavannaJob, self)._needs_update(
            after, before, after_props, before_props, prev_resource,
            check_init_complete)

    def needs_replace_failed(self):
        return self.resource_id is None

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        new_props = json_snippet.properties(self.properties_schema,
                                            self.context)
        records = self._refresh(relaunch=True)
        awaited = {r['id']: r for r in records}.get(self._awaited_id())
        if awaited is not None and not jobs.is_terminal(awaited):
            LOG.info('%s: picking up execution %s', self.name,
                     awaited['id'])
            return self._await(awaited, new_props)
        run_on = new_props[self.RUN_ON]
        changed = any(k in prop_diff for k in self.JOB_DEFINITION)
        if changed and self.ON_UPDATE in run_on:
            return self._await(self._new_execution('update', new_props,
                                                   awaited=True), new_props)
        if self._was_failed and (
                awaited is None or awaited['status'] != jobs.SUCCEEDED) and \
                new_props[self.ON_FAILURE] == self.FAILURE_FAIL and (
                    self.ON_CREATE in run_on or self.ON_UPDATE in run_on):
            return self._await(self._new_execution('retry', new_props,
                                                   awaited=True), new_props)
        if self.ON_SIGNAL in run_on and self._get_user_id() is None:
            super(SavannaJob, self).handle_create()
            self._create_keypair()
        return None

    def check_update_complete(self, cookie=None):
        return self._check_awaited(cookie)

    def handle_check(self):
        records = self._refresh(relaunch=True)
        awaited = {r['id']: r for r in records}.get(self._awaited_id())
        if awaited is not None and not jobs.is_terminal(awaited):
            return self._await(awaited)
        return None

    def check_check_complete(self, cookie=None):
        return self._check_awaited(cookie)

    def handle_signal(self, details=None):
        # Heat runs this in a thread of its own and only logs a failure:
        # say in an event why a signal did nothing.
        try:
            request = signal_request(details)
            if request['action'] == 'kill':
                running = [r for r in self._refresh()
                           if not jobs.is_terminal(r)]
                self._stop(running)
                return 'stopping %d execution(s)' % len(running)
            if self.ON_SIGNAL not in self.properties[self.RUN_ON]:
                raise ValueError('run_on has no "signal"')
            record = self._new_execution('signal', self.properties,
                                         args=request['args'],
                                         configs=request['configs'])
        except (ValueError, exception.Error, sv_exc.SavannaError) as exc:
            self._add_event('SIGNAL', self.status,
                            'signal refused: %s' % exc)
            raise
        return jobs.summary(record)

    def handle_suspend(self):
        # executions go on (a suspended stack's cluster keeps running);
        # only the user behind signal_url is disabled, if there is one
        if self._get_user_id() is not None:
            super(SavannaJob, self).handle_suspend()

    def handle_resume(self):
        if self._get_user_id() is not None:
            super(SavannaJob, self).handle_resume()

    def _stop(self, records):
        """TERM the executions of ``records`` (KILL follows on the
        master); returns their directories."""
        dirs = [r['directory'] for r in records]
        if not dirs:
            return dirs
        access, master = self._access()
        with access.remote_for(master) as node:
            jobs.kill(node, dirs)
        return dirs

    def handle_delete(self):
        # no new executions from here on (the signed URL's user goes)
        self._delete_signals()
        self._delete_user()
        if self.resource_id is None:
            return None
        records = self._records()
        job_dirs = sorted({posixpath.dirname(r['directory'])
                           for r in records})
        try:
            running = [r for r in self._refresh(records)
                       if not jobs.is_terminal(r)]
            dirs = self._stop(running)
        except (exception.Error, sv_exc.SavannaError, ValueError) as exc:
            # the cluster (or its master) is gone: nothing is left to stop
            LOG.warning('%s: cannot stop the job on the master: %s',
                        self.name, exc)
            self._add_event(self.DELETE, self.IN_PROGRESS,
                            'job executions not stopped: %s' % exc)
            return None
        if not job_dirs:
            return None
        return {'dirs': dirs, 'job_dirs': job_dirs, 'next_look': 0,
                'started': time.monotonic(), 'forced': False}

    def check_delete_complete(self, cookie=None):
        """Done once no process of the job is left on the master (TERM
        was sent by handle_delete, KILL follows) and its directories are
        removed."""
        if not cookie:
            return True
        now = time.monotonic()
        if now < cookie['next_look']:
            return False
        cookie['next_look'] = now + 1
        waited = now - cookie['started']
        try:
            access, master = self._access()
        except exception.Error as exc:     # the cluster went meanwhile
            LOG.warning('%s: %s: nothing left to clean up', self.name, exc)
            return True
        try:
            with access.remote_for(master, connect_retries=2) as node:
                looks = jobs.probe(node, cookie['dirs'])
                left = sum(look.running_processes
                           for look in looks.values())
                if left and waited > jobs.KILL_GRACE + 5 and \
                        not cookie['forced']:
                    jobs.force_kill(node, cookie['dirs'])
                    cookie['forced'] = True
                if left:
                    if waited > jobs.KILL_GRACE + 60:
                        raise exception.Error(
                            _('%d process(es) of the job still run on the '
                              'master after SIGKILL') % left)
                    return False
                for directory in cookie['job_dirs']:
                    jobs.remove(node, directory)
        except (sv_exc.SavannaError, ValueError) as exc:
            LOG.warning('%s: cannot reach the master to clean up: %s',
                        self.name, exc)
        return True

    # -- attributes ----------------------------------------------------------
    def _resolve_attribute(self, name):
        if self.resource_id is None:
            return None
        if name == self.SIGNAL_URL:
            if self.ON_SIGNAL not in self.properties[self.RUN_ON]:
                return None
            url = self._get_ec2_signed_url(never_expire=True)
            return str(url) if url else None
        records = self._view()
        if name == self.EXECUTIONS:
            return [{k: r.get(k) for k in PUBLIC_KEYS} for r in records]
        latest = records[-1] if records else {}
        key = {self.STATUS: 'status', self.EXIT_CODE: 'exit_code',
               self.OUTPUT: 'output', self.STARTED_AT: 'started_at',
               self.FINISHED_AT: 'finished_at',
               self.LOG_PATH: 'log_path'}.get(name)
        if key is None:
            raise exception.InvalidTemplateAttribute(resource=self.name,
                                                     key=name)
        return latest.get(key)

    def get_reference_id(self):
        return self.resource_id

    def parse_live_resource_data(self, resource_properties, resource_data):
        return {}


# -- pure helpers -------------------------------------------------------------
def main_file_name(props):
    """File name of an inline or downloaded main program in the
    execution directory."""
    main = props[SavannaJob.MAIN] or {}
    job_type = props[SavannaJob.TYPE]
    if main.get(SavannaJob.MAIN_URL):
        base = posixpath.basename(urllib.parse.urlparse(
            main[SavannaJob.MAIN_URL]).path)
        if jobs.safe_name(base):
            return base
        return 'main.jar' if job_type == plugin_base.JOB_MAPREDUCE else \
            'main.py' if job_type == plugin_base.JOB_SPARK else 'main.sh'
    return 'main.sh' if job_type == plugin_base.JOB_SHELL else 'main.py'


def job_definition_errors(props):
    """Problems of the job definition, each naming its property."""
    cls = SavannaJob
    errors = []
    main = props[cls.MAIN] or {}
    given = [k for k in cls._MAIN_KEYS if main.get(k)]
    job_type = props[cls.TYPE]
    if len(given) != 1:
        errors.append('Property %s: give exactly one of %s (got %s)'
                      % (cls.MAIN, ', '.join(cls._MAIN_KEYS),
                         ', '.join(given) or 'none'))
    elif given == [cls.MAIN_INLINE] and job_type == plugin_base.JOB_MAPREDUCE:
        errors.append('Property %s.%s: a mapreduce job needs a jar: give '
                      'its url or path' % (cls.MAIN, cls.MAIN_INLINE))
    jar = bool(given) and given != [cls.MAIN_INLINE] and (
        main[given[0]].lower().endswith('.jar') or
        job_type == plugin_base.JOB_MAPREDUCE)
    if props[cls.MAIN_CLASS] and not jar:
        errors.append('Property %s: only a jar has a main class (the main '
                      'program is not a .jar)' % cls.MAIN_CLASS)
    for key, value in (props[cls.CONFIGS] or {}).items():
        if isinstance(value, (dict, list)):
            errors.append('Property %s.%s: a value must be a string or a '
                          'number' % (cls.CONFIGS, key))
        elif job_type == plugin_base.JOB_SHELL and \
                not _is_env_name(key):
            errors.append('Property %s.%s: a shell job gets its configs as '
                          'environment variables: use letters, digits and '
                          '_, not starting with a digit' % (cls.CONFIGS,
                                                            key))
        elif not key or '=' in key or any(c.isspace() for c in key):
            errors.append('Property %s.%s: a config key has no "=" and no '
                          'blanks' % (cls.CONFIGS, key))
    return errors


def signal_request(details):
    """``{'action': 'run'|'kill', 'args': [...]|None, 'configs':
    {...}|None}`` from signal data; raises ValueError naming the key."""
    details = details if isinstance(details, dict) else {}
    action = details.get('action', 'run')
    if action not in ('run', 'kill'):
        raise ValueError('signal data "action" must be "run" or "kill", '
                         'not %r' % (action,))
    out = {'action': action, 'args': None, 'configs': None}
    if details.get('args') is not None:
        args = details['args']
        if not isinstance(args, list) or any(
                isinstance(a, (dict, list)) for a in args):
            raise ValueError('signal data "args" must be a list of strings')
        out['args'] = [str(a) for a in args]
    if details.get('configs') is not None:
        configs = details['configs']
        if not isinstance(configs, dict) or any(
                isinstance(v, (dict, list)) for v in configs.values()):
            raise ValueError('signal data "configs" must map keys to '
                             'strings')
        out['configs'] = {str(k): _scalar(v) for k, v in configs.items()}
    return out


def new_execution_id(now):
    """A unique id that sorts by time: 20261201T101500.123Z-3fa2c1."""
    return '%s.%03dZ-%s' % (time.strftime('%Y%m%dT%H%M%S', time.gmtime(now)),
                            int(now * 1000) % 1000, uuid.uuid4().hex[:6])


def _scalar(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _is_env_name(key):
    return bool(key) and (key[0].isalpha() or key[0] == '_') and all(
        c.isalnum() or c == '_' for c in key) and key.isascii()


def _epoch(stamp):
    try:
        return calendar.timegm(time.strptime(stamp, '%Y-%m-%dT%H:%M:%SZ'))
    except (TypeError, ValueError):
        return 0


def resource_mapping():
    return {'OS::Savanna::Job': SavannaJob}
