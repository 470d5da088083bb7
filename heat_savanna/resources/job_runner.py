"""What an ``OS::Savanna::Job`` does on its cluster's master.

:class:`Runner` finds the job's cluster (in the stack, else from its own
DB row), reaches the cluster's master with the cluster's
:class:`~heat_savanna.resources.access.ClusterAccess` (:class:`Master`:
the one way to open a session to it), and launches, looks at, relaunches,
stops and cleans up the executions, storing what it sees in the job's
:class:`~heat_savanna.resources.job_records.Records`. Every look is one
short SSH command (:mod:`heat_savanna.provisioning.jobs`); nothing here
waits on a job.
"""

import dataclasses
import posixpath
import time
import typing

from oslo_log import log as logging

from heat.common import exception
from heat.common.i18n import _
from heat.engine import resource
from heat.objects import resource as resource_objects

from heat_savanna.common import config as sv_config
from heat_savanna.common import exceptions as sv_exc
from heat_savanna.core import job as core_job
from heat_savanna.provisioning import jobs
from heat_savanna.resources import cluster as cluster_mod
from heat_savanna.resources import nested

LOG = logging.getLogger(__name__)

#: a PENDING execution whose directory is missing this long after it was
#: recorded was never launched (its engine went away): the next action
#: launches it
RELAUNCH_AFTER = 60
#: what the master (or its absence) may raise at a look or a command
UNREACHABLE = (exception.Error, sv_exc.SavannaError, ValueError)


@dataclasses.dataclass(frozen=True)
class Master:
    """The cluster's master node and what it takes to reach it."""
    access: typing.Any               # resources.access.ClusterAccess
    node: typing.Any                 # plugins.base.NodeInfo

    def remote(self, **kwargs):
        """A NodeRemote session to the master (a context manager)."""
        return self.access.remote_for(self.node, **kwargs)


class Runner(object):
    """The executions of one job resource (``rsrc``) on its cluster."""

    def __init__(self, rsrc, records):
        self.rsrc = rsrc
        self.records = records
        self._cache = None
        # the cluster resource loaded from the DB holds weak references
        # to these
        self._cluster_stacks = None

    # -- the cluster -------------------------------------------------------
    def cluster_name(self):
        """Name of the cluster resource, from ``{get_resource: NAME}``."""
        snippet = (self.rsrc.t.render_hot().get('properties') or {}).get(
            core_job.CLUSTER)
        return core_job.cluster_name(snippet)

    def cluster(self):
        """The job's cluster resource (stored), or None."""
        try:
            refid = self.rsrc.properties[core_job.CLUSTER]
        except Exception as exc:   # noqa: unresolvable while deleting
            LOG.debug('%s: no cluster reference: %s', self.rsrc.name, exc)
            refid = None
        found = self.rsrc.stack.resource_by_refid(refid) if refid else None
        if found is None:
            found = self._cluster_from_db()
        if not isinstance(found, cluster_mod.SavannaCluster) or \
                found.id is None:
            return None
        return found

    def _cluster_from_db(self):
        """The cluster resource loaded from its own row and template.

        resource_by_refid skips a cluster in a FAILED state (e.g. a heal
        that failed), and a stack being deleted no longer has the cluster
        in its template; a job on it must still be seen and stopped.
        """
        name = self.cluster_name()
        stack = self.rsrc.stack
        if not name or stack.id is None:
            return None
        rows = resource_objects.Resource.get_all_active_by_stack(
            self.rsrc.context, stack.id)
        row = nested.current(rows.values()).get(name)
        if row is None:
            return None
        found, initial, latest = resource.Resource.load(
            self.rsrc.context, row.id, stack.current_traversal, False, {})
        self._cluster_stacks = (initial, latest)
        return found

    def master(self):
        """The cluster's :class:`Master`; raises exception.Error if the
        cluster has no nodes or no live master."""
        found = self.cluster()
        access = found.access() if found is not None else None
        if access is None:
            raise exception.Error(_('cluster %s has no nodes to run the '
                                    'job on') % self.cluster_name())
        node = access.master()
        if node is None:
            raise exception.Error(_('cluster %s has no live master node')
                                  % self.cluster_name())
        return Master(access, node)

    # -- looking at the master ---------------------------------------------
    def refresh(self, records=None, relaunch=False):
        """Look at every unfinished execution (one SSH command) and store
        what changed; return the records. Never raises for an
        unreachable master: the records then stay as they were."""
        records = self.records.all() if records is None else records
        open_records = [r for r in records if not jobs.is_terminal(r)]
        if not open_records:
            return records
        try:
            master = self.master()
            with master.remote(connect_retries=2) as node:
                looks = jobs.probe(node, [r['directory']
                                          for r in open_records])
                if relaunch:
                    looks = self._relaunch_missing(node, open_records,
                                                   looks)
        except UNREACHABLE as exc:
            LOG.warning('%s: cannot look at the job executions: %s',
                        self.rsrc.name, exc)
            return records
        by_id = {}
        for record in open_records:
            new = jobs.advance(record, looks.get(record['directory']),
                               master.access.secrets)
            if new != record:
                new = self.records.save(new)
            by_id[record['id']] = new
        return [by_id.get(r['id'], r) for r in records]

    def _relaunch_missing(self, node, open_records, looks):
        """Launch executions recorded but never launched (their engine
        went away in between); the launch is idempotent."""
        awaited = self.records.awaited_id()
        now = time.time()
        for record in open_records:
            look = looks.get(record['directory'])
            if look is None or look.exists:
                continue
            age = now - core_job.epoch(record.get('requested_at'))
            if record['id'] != awaited and age < RELAUNCH_AFTER:
                continue     # a signal may be launching it right now
            LOG.info('%s: launching execution %s, recorded but never '
                     'launched', self.rsrc.name, record['id'])
            self._launch(node, record, self.rsrc.properties)
        return jobs.probe(node, [r['directory'] for r in open_records])

    def view(self):
        """The records as of this request (one look per resource load)."""
        if self._cache is None:
            self._cache = self.refresh()
        return self._cache

    def awaited_after_look(self):
        """The awaited execution's record (or None) after a look at every
        unfinished one, launching those recorded but never launched."""
        records = self.refresh(relaunch=True)
        return {r['id']: r for r in records}.get(self.records.awaited_id())

    # -- starting executions -----------------------------------------------
    def _files(self, props, record):
        main = props[core_job.MAIN] or {}
        name = core_job.main_file_name(props)
        url = main.get(core_job.MAIN_URL)
        files = {
            'run.sh': (jobs.wrapper_script(
                record['directory'], record['timeout'],
                fetch=(url, name) if url else None,
                label='%s %s' % (self.rsrc.physical_resource_name() or
                                 self.rsrc.name, record['id'])), 0o644),
            'job.sh': (record['command'] + '\n', 0o644),
        }
        if main.get(core_job.MAIN_INLINE):
            files[name] = (main[core_job.MAIN_INLINE], 0o644)
        return files

    def _launch(self, node, record, props):
        jobs.launch(node, record['directory'], self._files(props, record),
                    owner=record.get('owner'))

    def new_execution(self, trigger, props, args=None, configs=None,
                      awaited=False):
        """Record, then launch, one execution; returns its record.

        ``awaited``: the action waits for it. It is named as such before
        anything else is stored, so an engine dying at any point leaves
        either no record (the next action starts one) or an awaited record
        (the next action picks it up, launching it if it never was).
        """
        master = self.master()
        plugin = master.access.plugin
        job_type = props[core_job.TYPE]
        if job_type not in plugin.supported_job_types(
                master.access.spec.plugin_version):
            raise exception.Error(_('the %(p)s plugin runs no %(t)s jobs')
                                  % {'p': plugin.name, 't': job_type})
        spec = core_job.job_spec(props, args, configs)
        command = plugin.job_command(master.access.info, spec)
        execution_id = core_job.new_execution_id(time.time())
        directory = jobs.execution_dir(command.work_root,
                                       self.rsrc.resource_id, execution_id)
        record = jobs.new_record(execution_id, trigger, spec.args,
                                 dict(spec.configs), directory,
                                 props[core_job.TIMEOUT], jobs.utc_now())
        # what a relaunch needs, kept out of the public attribute
        record.update({'command': command.command, 'owner': command.owner})
        self.records.prune()
        if awaited:
            self.records.set_awaited(execution_id)
        self.records.save(record)      # before the launch: a restart finds it
        return self._start(master, record, props)

    def _start(self, master, record, props):
        """Launch the recorded execution; its record after a look."""
        directory = record['directory']
        try:
            with master.remote() as node:
                self._launch(node, record, props)
                look = jobs.probe(node, [directory]).get(directory)
        except (sv_exc.SavannaError, ValueError) as exc:
            reason = 'launch failed: %s' % exc
            return self.records.save(jobs.mark(record, jobs.FAILED, reason,
                                               jobs.utc_now()))
        return self.records.save(jobs.advance(record, look,
                                              master.access.secrets))

    # -- waiting for an execution (create, update, check) -------------------
    def await_(self, record, on_failure):
        """The cookie of an action waiting for ``record``."""
        self.records.set_awaited(record['id'])
        return {'awaited': record['id'], 'next_look': 0,
                'on_failure': on_failure,
                'deadline': time.monotonic() + record['timeout'] +
                jobs.KILL_GRACE + 60}

    def look_awaited(self, cookie):
        """The awaited record after a look, or None when the next look is
        not due yet; stops an execution past its deadline."""
        now = time.monotonic()
        if now < cookie['next_look']:
            return None
        cookie['next_look'] = now + sv_config.CONF.savanna.\
            provisioning_poll_interval
        record = {r['id']: r for r in self.refresh()}.get(cookie['awaited'])
        if record is None:
            raise exception.Error(_('execution %s is no longer recorded')
                                  % cookie['awaited'])
        if not jobs.is_terminal(record) and now > cookie['deadline']:
            # the master's own timeout should have stopped it
            self.stop([record])
            cookie['deadline'] = now + 60
        return record

    # -- stopping (kill signal, delete) --------------------------------------
    def stop(self, records):
        """TERM the executions of ``records`` (KILL follows on the
        master); returns their directories."""
        dirs = [r['directory'] for r in records]
        if dirs:
            with self.master().remote() as node:
                jobs.kill(node, dirs)
        return dirs

    def stop_running(self):
        """Stop every execution still running; returns how many."""
        running = [r for r in self.refresh() if not jobs.is_terminal(r)]
        self.stop(running)
        return len(running)

    def start_delete(self):
        """Stop every running execution: the cookie of the wait for its
        processes to go, or None if nothing is on the master. Raises an
        UNREACHABLE error if the master cannot be reached."""
        records = self.records.all()
        job_dirs = sorted({posixpath.dirname(r['directory'])
                           for r in records})
        running = [r for r in self.refresh(records)
                   if not jobs.is_terminal(r)]
        dirs = self.stop(running)
        if not job_dirs:
            return None
        return {'dirs': dirs, 'job_dirs': job_dirs, 'next_look': 0,
                'started': time.monotonic(), 'forced': False}

    def check_delete(self, cookie):
        """Done once no process of the job is left on the master (TERM
        was sent by :meth:`start_delete`, KILL follows) and its
        directories are removed."""
        now = time.monotonic()
        if now < cookie['next_look']:
            return False
        cookie['next_look'] = now + 1
        waited = now - cookie['started']
        try:
            master = self.master()
        except exception.Error as exc:     # the cluster went meanwhile
            LOG.warning('%s: %s: nothing left to clean up', self.rsrc.name,
                        exc)
            return True
        try:
            with master.remote(connect_retries=2) as node:
                if not self._killed(node, cookie, waited):
                    return False
                for directory in cookie['job_dirs']:
                    jobs.remove(node, directory)
        except (sv_exc.SavannaError, ValueError) as exc:
            LOG.warning('%s: cannot reach the master to clean up: %s',
                        self.rsrc.name, exc)
        return True

    @staticmethod
    def _killed(node, cookie, waited):
        """Whether no process of the stopped executions is left; KILLs
        them once the grace is over, gives up a minute later."""
        looks = jobs.probe(node, cookie['dirs'])
        left = sum(look.running_processes for look in looks.values())
        if left and waited > jobs.KILL_GRACE + 5 and not cookie['forced']:
            jobs.force_kill(node, cookie['dirs'])
            cookie['forced'] = True
        if left and waited > jobs.KILL_GRACE + 60:
            raise exception.Error(_('%d process(es) of the job still run '
                                    'on the master after SIGKILL') % left)
        return not left
