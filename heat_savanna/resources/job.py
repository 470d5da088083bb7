"""OS::Savanna::Job: run data-processing jobs on a cluster of the stack.

A job is defined once (type, main program, arguments, configs) and
*executed* on the cluster's master through the cluster's provisioning
plugin: when the resource is created, when an update changes the job, and
whenever it is signalled (``openstack stack resource signal`` or a plain
HTTP POST to the pre-signed ``signal_url``). Every execution is a detached
process on the master (:mod:`heat_savanna.provisioning.jobs`); the engine
only takes short looks at it, so no engine thread waits on a job.

This module is the schema and the handlers. The job's rules are the pure
:mod:`heat_savanna.core.job` (``heat-savanna validate`` runs the same);
its persistent state, one JSON record per execution and the execution the
last create or update waits for, is
:mod:`heat_savanna.resources.job_records`; what it does on the master is
:mod:`heat_savanna.resources.job_runner`. A record is written *before*
its execution is launched and the launch is idempotent, so an engine that
dies at any point leaves a record that the next action (``stack update
--existing``, ``stack check``) finds and picks up instead of starting a
second execution. Records of executions started by a signal are refreshed
from the master when the attributes are read and at every action. The
cluster's management key is used through
:class:`heat_savanna.resources.access.ClusterAccess` and never stored,
logged or shown here; job output is redacted with it.
"""

import uuid

from oslo_log import log as logging

from heat.common import exception
from heat.common.i18n import _
from heat.engine.resources import signal_responder
from heat.engine import support

from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import job as core_job
from heat_savanna.provisioning import jobs
from heat_savanna.resources import cluster as cluster_mod
from heat_savanna.resources import job_agent
from heat_savanna.resources import job_records
from heat_savanna.resources import job_runner
from heat_savanna.resources import job_schema
from heat_savanna.resources import progress

LOG = logging.getLogger(__name__)

#: seconds between two progress lines of an execution being waited for
REPORT_INTERVAL = 10
#: record keys the ``executions`` attribute shows
PUBLIC_KEYS = ('id', 'trigger', 'status', 'reason', 'exit_code', 'args',
               'configs', 'requested_at', 'started_at', 'finished_at',
               'log_path')


def _last_lines(record, count):
    """The last ``count`` lines of an execution's diagnostics (its
    stderr), or of what it printed when it wrote no diagnostics."""
    for key in ('error_output', 'output'):
        lines = (record.get(key) or '').strip().splitlines()
        if lines:
            return lines[-count:]
    return []


class SavannaJob(progress.ProgressMixin, signal_responder.SignalResponder):
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

    # The names come from the pure core, so the schema here and the rules
    # the CLI validates can never disagree.
    PROPERTIES = (
        CLUSTER, TYPE, MAIN, MAIN_CLASS, ARGS, CONFIGS, RUN_ON, ON_FAILURE,
        TIMEOUT,
    ) = core_job.PROPERTIES

    _MAIN_KEYS = (MAIN_INLINE, MAIN_URL, MAIN_PATH) = core_job.MAIN_KEYS

    RUN_ON_VALUES = (ON_CREATE, ON_UPDATE, ON_SIGNAL) = \
        core_job.RUN_ON_VALUES

    ON_FAILURE_VALUES = (FAILURE_FAIL, FAILURE_CONTINUE) = \
        core_job.ON_FAILURE_VALUES

    #: properties whose change is a new job (run again on update)
    JOB_DEFINITION = core_job.JOB_DEFINITION

    ATTRIBUTES = (
        STATUS, EXIT_CODE, OUTPUT, ERROR_OUTPUT, STARTED_AT, FINISHED_AT,
        LOG_PATH, EXECUTIONS, SIGNAL_URL,
    ) = job_schema.ATTRIBUTES

    properties_schema = job_schema.PROPERTIES_SCHEMA
    attributes_schema = job_schema.ATTRIBUTES_SCHEMA

    # The master's agent signals its deployments back to the job itself,
    # during a delete too (the stop of the job's executions); other
    # signals are refused while suspended or deleting (handle_signal).
    no_signal_actions = ()

    # A job whose CHECK failed (e.g. the master was unreachable) is
    # looked at again by the next update, not replaced (which would
    # delete its history).
    always_replace_on_check_failed = False

    def __init__(self, name, json_snippet, stack):
        super(SavannaJob, self).__init__(name, json_snippet, stack)
        self._was_failed = False
        self._records = job_records.Records(self)
        self._runner_found = None

    @property
    def _runner(self):
        """What runs the executions: over SSH, or through the master's
        Heat agent on a cluster with transport heat-agent
        (:func:`heat_savanna.resources.job_agent.runner_for`)."""
        if self._runner_found is None:
            found = job_agent.runner_for(self, self._records)
            if found is None:      # no cluster yet: SSH's rules say why
                return job_runner.Runner(self, self._records)
            self._runner_found = found
        return self._runner_found

    @property
    def _through_agent(self):
        return isinstance(self._runner, job_agent.AgentRunner)

    # -- validation --------------------------------------------------------
    def validate(self):
        super(SavannaJob, self).validate()
        name = self._runner.cluster_name()
        cluster = self.stack.resources.get(name) if name else None
        on_cluster = isinstance(cluster, cluster_mod.SavannaCluster)
        errors = core_job.job_errors(
            self.properties, on_cluster,
            self._plugin_of(cluster) if on_cluster else None)
        if errors:
            raise exception.StackValidationFailed(
                message='%s: %s' % (self.name, '; '.join(errors)))

    @staticmethod
    def _plugin_of(cluster):
        """(plugin name, version, transport) of ``cluster``, or None
        where its properties cannot be read (its own validation says
        why)."""
        try:
            return tuple(cluster.properties[key] for key in (
                cluster.PLUGIN_NAME, cluster.PLUGIN_VERSION,
                cluster.TRANSPORT))
        except (sv_exc.SavannaError, KeyError, ValueError,
                exception.StackValidationFailed):
            return None

    # -- waiting for an execution (create, update, check) -------------------
    def _await(self, record, props=None):
        props = self.properties if props is None else props
        cookie = self._runner.await_(record, props[self.ON_FAILURE])
        cookie['throttle'] = progress.Throttle(interval=REPORT_INTERVAL)
        return cookie

    def _check_awaited(self, cookie):
        if not cookie:
            return True
        record = self._runner.look_awaited(cookie)
        if record is None:
            return False
        if not jobs.is_terminal(record):
            last = _last_lines(record, 1)
            self.report_progress(cookie['throttle'], '%s%s' % (
                jobs.summary(record), ': %s' % last[0][-200:] if last
                else ''), event=False)
            return False
        self._set_metadata(record)
        if record['status'] != jobs.SUCCEEDED and \
                cookie['on_failure'] == self.FAILURE_FAIL:
            tail = _last_lines(record, 3)
            raise exception.Error('%s%s' % (
                jobs.summary(record),
                '; output: %s' % ' | '.join(tail)[-500:] if tail else ''))
        return True

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
            awaited = self._records.awaited()
            if awaited is not None:
                reason = jobs.summary(awaited)
        return super(SavannaJob, self).state_set(action, status, reason,
                                                 lock=lock)

    # -- lifecycle -----------------------------------------------------------
    def _make_signal_user(self):
        """The user and key behind signal_url, made with the resource so
        that reading the attribute never creates anything."""
        super(SavannaJob, self).handle_create()
        self._create_keypair()

    def handle_create(self):
        self.resource_id_set(str(uuid.uuid4()))
        if self._through_agent:
            # the user (with a password) the master's agent signals as
            self._get_heat_signal_credentials()
        if self.ON_SIGNAL in self.properties[self.RUN_ON]:
            self._make_signal_user()
        if self.ON_CREATE not in self.properties[self.RUN_ON]:
            return None
        return self._await(self._runner.new_execution(
            'create', self.properties, awaited=True))

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
        awaited = self._runner.awaited_after_look()
        if awaited is not None and not jobs.is_terminal(awaited):
            LOG.info('%s: picking up execution %s', self.name,
                     awaited['id'])
            return self._await(awaited, new_props)
        run_on = new_props[self.RUN_ON]
        changed = any(k in prop_diff for k in self.JOB_DEFINITION)
        if changed and self.ON_UPDATE in run_on:
            trigger = 'update'
        elif self._was_failed and (
                awaited is None or awaited['status'] != jobs.SUCCEEDED) and \
                new_props[self.ON_FAILURE] == self.FAILURE_FAIL and (
                    self.ON_CREATE in run_on or self.ON_UPDATE in run_on):
            trigger = 'retry'
        else:
            if self.ON_SIGNAL in run_on and self._get_user_id() is None:
                self._make_signal_user()
            return None
        return self._await(self._runner.new_execution(
            trigger, new_props, awaited=True), new_props)

    def check_update_complete(self, cookie=None):
        return self._check_awaited(cookie)

    def handle_check(self):
        awaited = self._runner.awaited_after_look()
        if awaited is not None and not jobs.is_terminal(awaited):
            return self._await(awaited)
        return None

    def check_check_complete(self, cookie=None):
        return self._check_awaited(cookie)

    def handle_signal(self, details=None):
        # Heat runs this in a thread of its own and only logs a failure:
        # say in an event why a signal did nothing.
        if job_agent.is_deployment_signal(details) and self._through_agent:
            return self._runner.on_signal(details)
        try:
            if self.action in (self.SUSPEND, self.DELETE):
                raise ValueError('the job is %s' % self.action.lower())
            request = core_job.signal_request(details)
            if request['action'] == core_job.KILL:
                return 'stopping %d execution(s)' % (
                    self._runner.stop_running())
            if self.ON_SIGNAL not in self.properties[self.RUN_ON]:
                raise ValueError('run_on has no "signal"')
            record = self._runner.new_execution(
                'signal', self.properties, args=request['args'],
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

    def handle_delete(self):
        # no new executions from here on (the signed URL goes, and its
        # user unless the master's agent signals as it until the end)
        self._delete_signals()
        if self.resource_id is None or not self._through_agent:
            self._delete_user()
        if self.resource_id is None:
            return None
        try:
            return self._runner.start_delete()
        except job_runner.UNREACHABLE as exc:
            # the cluster (or its master) is gone: nothing is left to stop
            LOG.warning('%s: cannot stop the job on the master: %s',
                        self.name, exc)
            self.report_event('job executions not stopped: %s' % exc,
                              self.IN_PROGRESS)
            return None

    def check_delete_complete(self, cookie=None):
        if cookie and not self._runner.check_delete(cookie):
            return False
        self._delete_user()
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
        records = self._runner.view()
        if name == self.EXECUTIONS:
            return [{k: r.get(k) for k in PUBLIC_KEYS} for r in records]
        latest = records[-1] if records else {}
        key = {self.STATUS: 'status', self.EXIT_CODE: 'exit_code',
               self.OUTPUT: 'output', self.ERROR_OUTPUT: 'error_output',
               self.STARTED_AT: 'started_at',
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


def resource_mapping():
    return {'OS::Savanna::Job': SavannaJob}
