"""An ``OS::Savanna::Job`` on a cluster with ``transport: heat-agent``.

The engine cannot reach such a master: :class:`AgentRunner`, the runner
:mod:`heat_savanna.resources.job` picks for such a cluster, offers what
:class:`~heat_savanna.resources.job_runner.Runner` offers over SSH
(``new_execution``, ``refresh``, ``view``, ``awaited_after_look``,
``await_`` / ``look_awaited``, ``stop``, ``stop_running``,
``start_delete`` / ``check_delete``), and hands every launch, look and
kill to the master's agent as one software deployment
(:mod:`heat_savanna.provisioning.job_deployments`: the same wrapper, launch,
probe and kill commands as over SSH). The deployment signals the job
resource itself back (``HEAT_SIGNAL``, with the credentials of the job's
own stack user): :meth:`AgentRunner.on_signal` reads its ``look`` and
advances the records with the same pure functions as over SSH.

Each outstanding deployment is one resource data entry
(``deployment.<id>``: what it is for, its executions, its config, when
and for how long); a look is asked for only when no deployment is out
for an execution, and a deployment and its config are deleted once its
signal is read (or it is overdue). An execution runs detached on the
master, so neither the agent nor the engine holds it: a deployment waits
for it at most :data:`LOOK_WINDOW` seconds, then the next look takes
over.
"""

import json
import posixpath
import time
import uuid

from oslo_log import log as logging
from oslo_utils import timeutils

from heat.common import exception
from heat.engine import software_config_io as swc_io
from heat.objects import resource_data as resource_data_objects

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import job as core_job
from heat_savanna.core import model
from heat_savanna.provisioning import job_deployments
from heat_savanna.provisioning import jobs
from heat_savanna import remote
from heat_savanna.resources import job_runner

LOG = logging.getLogger(__name__)

#: seconds one deployment waits on the master for its executions to end
#: (the agent runs one deployment at a time: a stop waits at most this)
LOOK_WINDOW = 120
#: resource data key prefix of an outstanding deployment
DEPLOYMENT_PREFIX = 'deployment.'
#: signal data keys that say a software deployment signalled
SIGNAL_KEYS = ('deploy_status_code', job_deployments.LOOK_OUTPUT)
#: what a launch, a look or a stop deployment may raise
FAILED_TO_DEPLOY = (exception.HeatException, exception.Error,
                    sv_exc.SavannaError, ValueError)


def is_deployment_signal(details):
    """True if signal data comes from a deployment's agent."""
    return isinstance(details, dict) and any(k in details
                                             for k in SIGNAL_KEYS)


class AgentRunner(job_runner.Runner):
    """The executions of one job resource, through the master's agent."""

    def secrets(self):
        """What no record keeps: the signal user's password."""
        return tuple(s for s in (self.rsrc.password,) if s)

    # -- deployments -------------------------------------------------------
    def outstanding(self):
        """``{deployment id: entry}`` of the deployments not answered."""
        found = {}
        try:
            data = resource_data_objects.ResourceData.get_all(self.rsrc) \
                if self.rsrc.id is not None else {}
        except exception.NotFound:
            data = {}
        for key, value in data.items():
            if key.startswith(DEPLOYMENT_PREFIX):
                try:
                    found[key[len(DEPLOYMENT_PREFIX):]] = json.loads(value)
                except ValueError:
                    LOG.warning('%s: unreadable %s', self.rsrc.name, key)
        return found

    def _budget(self, window):
        return window + jobs.KILL_GRACE + 60 + \
            sv_config.CONF.savanna.agent_signal_allowance

    def _inputs(self, master):
        """The deployment inputs of Heat's HEAT_SIGNAL transport, aimed at
        the job resource itself."""
        rsrc = self.rsrc
        creds = rsrc._get_heat_signal_credentials()
        values = [
            ('deploy_server_id', master.node.server_id),
            ('deploy_action', rsrc.action),
            ('deploy_stack_id', rsrc.stack.identifier().stack_path()),
            ('deploy_resource_name', rsrc.name),
            ('deploy_signal_transport', 'HEAT_SIGNAL'),
            ('deploy_auth_url', creds['auth_url']),
            ('deploy_username', creds['username']),
            ('deploy_user_id', creds['user_id']),
            ('deploy_password', creds['password']),
            ('deploy_project_id', creds['project_id'])]
        if creds.get('region_name'):
            values.append(('deploy_region_name', creds['region_name']))
        return [swc_io.InputConfig(name=n, value=v).as_dict()
                for n, v in values]

    def deploy(self, master, kind, script_for, dirs, window):
        """Hand the master's agent one deployment whose script is
        ``script_for(deployment id)``; returns its id."""
        rsrc = self.rsrc
        deployment_id = str(uuid.uuid4())
        rpc = rsrc.rpc_client()
        config = rpc.create_software_config(
            rsrc.context, group='script',
            name='%s-%s' % (rsrc.physical_resource_name(), kind),
            config=script_for(deployment_id), inputs=self._inputs(master),
            outputs=[swc_io.OutputConfig(
                name=job_deployments.LOOK_OUTPUT).as_dict()],
            options={})
        # stored first: the signal may come back before the call returns
        rsrc.data_set(DEPLOYMENT_PREFIX + deployment_id, json.dumps({
            'kind': kind, 'dirs': list(dirs), 'config': config['id'],
            'at': time.time(), 'budget': self._budget(window)}))
        try:
            rpc.create_software_deployment(
                rsrc.context, server_id=master.node.server_id,
                config_id=config['id'], input_values={}, action='CREATE',
                status='IN_PROGRESS', status_reason='Deploy data available',
                stack_user_project_id=rsrc.stack.stack_user_project_id,
                deployment_id=deployment_id)
        except FAILED_TO_DEPLOY:
            self.forget(deployment_id, {'config': config['id']})
            raise
        LOG.info('%s: %s deployment %s for %s', rsrc.name, kind,
                 deployment_id, ', '.join(posixpath.basename(d)
                                          for d in dirs))
        return deployment_id

    def forget(self, deployment_id, entry):
        """Delete a deployment, its config and its entry."""
        rpc = self.rsrc.rpc_client()
        with rpc.ignore_error_by_name('NotFound'):
            rpc.delete_software_deployment(self.rsrc.context, deployment_id)
        if entry.get('config'):
            with rpc.ignore_error_by_name('NotFound'):
                rpc.delete_software_config(self.rsrc.context,
                                           entry['config'])
        self.rsrc.data_delete(DEPLOYMENT_PREFIX + deployment_id)

    def _launches(self, records, props):
        return [(r['directory'], self._files(props, r), r.get('owner'))
                for r in records]

    # -- what the master's agent signals -----------------------------------
    def on_signal(self, details):
        """Read a deployment's signal: advance the records of its
        executions, forget the deployment; returns one line for the
        signal's event."""
        deployment_id, looks = job_deployments.read_look(
            details.get(job_deployments.LOOK_OUTPUT))
        entry = self.outstanding().get(deployment_id) if deployment_id \
            else None
        if entry is None:
            return 'deployment signal of no outstanding deployment ignored'
        rpc = self.rsrc.rpc_client()
        with rpc.ignore_error_by_name('NotFound'):
            rpc.signal_software_deployment(
                self.rsrc.context, deployment_id, details,
                timeutils.utcnow().isoformat())
        secrets = self.secrets()
        code = details.get('deploy_status_code')
        err = remote.redact(str(details.get('deploy_stderr') or ''),
                            secrets).strip()[-300:]
        seen = []
        for record in self.records.all():
            if record['directory'] not in entry['dirs']:
                continue
            look = looks.get(record['directory'])
            new = jobs.advance(record, look, secrets)
            if new == record and entry['kind'] == 'launch' and (
                    look is None or not look.exists):
                new = jobs.mark(record, jobs.FAILED, 'launch failed on the '
                                'master (deployment exit code %s)%s' % (
                                    code, ': %s' % err if err else ''),
                                jobs.utc_now())
            seen.append(self.records.save(new))
        self.forget(deployment_id, entry)
        return '; '.join(jobs.summary(r) for r in seen) or \
            '%s deployment answered' % entry['kind']

    # -- looking (through the agent) ---------------------------------------
    def refresh(self, records=None, relaunch=False):
        """The records as stored; asks the master's agent for a look at
        the unfinished executions no deployment is out for (launching
        those recorded but never launched when ``relaunch``). Never
        raises for an unreachable master."""
        records = self.records.all() if records is None else records
        open_records = [r for r in records if not jobs.is_terminal(r)]
        if not open_records:
            return records
        covered = set()
        now = time.time()
        for deployment_id, entry in self.outstanding().items():
            if now - entry.get('at', 0) > entry.get('budget', 0):
                LOG.warning('%s: deployment %s never answered',
                            self.rsrc.name, deployment_id)
                self.forget(deployment_id, entry)
            else:
                covered.update(entry.get('dirs') or ())
        uncovered = [r for r in open_records
                     if r['directory'] not in covered]
        awaited = self.records.awaited_id()
        # a PENDING execution no deployment is out for was never launched
        # (its engine went away), or its launch is being handed over right
        # now (a signal): only the first is launched, nothing looked at
        launches = [r for r in uncovered if relaunch and r['status'] ==
                    jobs.PENDING and (r['id'] == awaited or now - core_job.
                                      epoch(r.get('requested_at')) >
                                      job_runner.RELAUNCH_AFTER)]
        todo = launches + [r for r in uncovered
                           if r['status'] != jobs.PENDING]
        if not todo:
            return records
        dirs = [r['directory'] for r in todo]
        try:
            master = self.master()
            launch = self._launches(launches, self.rsrc.properties)
            self.deploy(master, 'look', lambda d: job_deployments.
                        launch_script(d, launch, dirs, LOOK_WINDOW,
                                      'look at %d executions' % len(dirs)),
                        dirs, LOOK_WINDOW)
        except FAILED_TO_DEPLOY as exc:
            LOG.warning('%s: cannot look at the job executions: %s',
                        self.rsrc.name, exc)
        return records

    def view(self):
        if self._cache is None:
            self._cache = self.refresh()
        return self._cache

    # -- starting ----------------------------------------------------------
    def _start(self, master, record, props):
        directory = record['directory']
        launch = self._launches([record], props)
        try:
            self.deploy(master, 'launch', lambda d: job_deployments.
                        launch_script(d, launch, [directory], LOOK_WINDOW,
                                      'launch %s' % record['id']),
                        [directory], LOOK_WINDOW)
        except FAILED_TO_DEPLOY as exc:
            return self.records.save(jobs.mark(
                record, jobs.FAILED, 'launch failed: %s' % remote.redact(
                    str(exc), self.secrets()), jobs.utc_now()))
        return record

    def await_(self, record, on_failure):
        cookie = super(AgentRunner, self).await_(record, on_failure)
        # the agent's polling and the signal back come on top
        cookie['deadline'] += sv_config.CONF.savanna.agent_signal_allowance
        return cookie

    # -- stopping ------------------------------------------------------------
    def stop(self, records):
        dirs = [r['directory'] for r in records]
        if dirs:
            self.deploy(self.master(), 'stop', lambda d: job_deployments.
                        kill_script(d, dirs, title='stop %d executions'
                                    % len(dirs)), dirs, 0)
        return dirs

    def start_delete(self):
        """Hand the master's agent the stop of every running execution and
        the removal of the job's directories: the cookie of the wait for
        its answer, or None if nothing is on the master."""
        records = self.records.all()
        job_dirs = sorted({posixpath.dirname(r['directory'])
                           for r in records})
        if not job_dirs:
            return None
        dirs = [r['directory'] for r in records if not jobs.is_terminal(r)]
        deployment_id = self.deploy(
            self.master(), 'delete', lambda d: job_deployments.kill_script(
                d, dirs, remove=job_dirs, title='delete job %s'
                % self.rsrc.resource_id), dirs, 0)
        # a look deployment the agent runs first may hold it a window long
        return {'deployment': deployment_id, 'deadline': time.time() +
                self._budget(LOOK_WINDOW)}

    def check_delete(self, cookie):
        """Done once the master's agent answered the delete deployment
        (or it is overdue); every deployment of the job is deleted."""
        outstanding = self.outstanding()
        if cookie['deployment'] in outstanding:
            if time.time() < cookie['deadline']:
                return False
            LOG.warning('%s: the master\'s agent did not answer the stop '
                        'of the job', self.rsrc.name)
        for deployment_id, entry in outstanding.items():
            self.forget(deployment_id, entry)
        return True


def runner_for(rsrc, records):
    """The runner of job ``rsrc``: through the master's agent on a
    cluster with transport heat-agent, else over SSH; None while the
    cluster cannot be found yet (e.g. at validation)."""
    ssh = job_runner.Runner(rsrc, records)
    cluster = ssh.cluster()
    if cluster is None:
        return None
    try:
        transport = cluster.properties[cluster.TRANSPORT]
    except (exception.StackValidationFailed, KeyError, ValueError) as exc:
        LOG.debug('%s: transport of the cluster unread: %s', rsrc.name, exc)
        transport = None
    if transport == model.AGENT_TRANSPORT:
        return AgentRunner(rsrc, records)
    return ssh
