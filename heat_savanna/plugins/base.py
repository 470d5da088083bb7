"""The one small interface between heat-savanna and a provisioning plugin.

A plugin knows one data-processing framework (Spark standalone, vanilla
Hadoop 3, ...). It never talks to Heat and never imports ``heat_savanna.core``
or ``heat_savanna.resources``: it receives plain views of the cluster
(:class:`ClusterInfo`, :class:`NodeInfo`, or any object with the attributes
documented on :class:`ClusterSpecView`) and returns data or :class:`Step`
lists. Only step actions do I/O, and only through the
:class:`heat_savanna.remote` API object they are handed.

Plugins are found through the ``heat_savanna.plugins`` entry-point group
(see :func:`heat_savanna.plugins.get_plugin`), so a third party can add one.

Split of a plugin package (after Sahara's plugin layout):
``catalog.py`` (versions, processes and every configuration key, declared
once: see :mod:`heat_savanna.plugins.catalog`), ``validation.py`` (pure
topology checks), ``config.py`` (files each node gets), ``start.py``
(image check, start order and readiness), ``scaling.py`` (scale-up and
decommission), ``reconfigure.py``, ``jobs.py`` and ``plugin.py``: the
class below, through :class:`heat_savanna.plugins.packaged.PackagedPlugin`
(which forwards every call to those modules), with what differs.
"""

import abc
import dataclasses
import inspect
import shlex
import typing

from heat_savanna.common import exceptions


class StepError(exceptions.SavannaError):
    """A step failed on a node for a reason the plugin words itself
    (e.g. the image lacks the framework): the message is the node's
    failure reason as is, with the fix."""


@dataclasses.dataclass(frozen=True)
class PortRule:
    """A port a plugin's services need opened in the auto security group.

    ``public`` ports (web UIs) are opened to the cluster's
    ``access_cidrs.web_ui`` (none by default); the others only between
    members of the cluster's security group. ``runs_code``: whoever
    reaches the port can run code on the cluster (an unauthenticated job
    submission API, e.g. YARN's REST API on the resourcemanager's web
    port): validation refuses ``web_ui`` open to the world when a public
    port of the cluster is one of these.
    """
    port: int
    protocol: str = 'tcp'
    description: str = ''
    public: bool = False
    port_max: typing.Optional[int] = None   # for ranges; None = single port
    runs_code: bool = False


@dataclasses.dataclass(frozen=True)
class NodeInfo:
    """What a plugin knows about one node."""
    name: str                  # stable node name, e.g. "workers-3"; hostname
    group: str                 # node group name
    processes: tuple           # e.g. ("datanode", "nodemanager")
    management_ip: str         # address the engine SSHes to (floating if any)
    internal_ip: str           # address inside the cluster network
    node_configs: dict = dataclasses.field(default_factory=dict)
    server_id: typing.Optional[str] = None
    volumes: tuple = ()        # device paths of attached volumes, in order
    fqdn: typing.Optional[str] = None
    image: typing.Optional[str] = None   # the image it booted from, to name
    flavor: typing.Any = None  # plugins.sizing.Flavor; None if not known

    def has(self, process):
        return process in self.processes


@dataclasses.dataclass(frozen=True)
class ClusterInfo:
    """A plugin's view of the cluster at one moment.

    ``nodes`` holds only the nodes that are (or are becoming) members:
    failed nodes are never in it, so no dead host appears in generated files.
    """
    name: str
    plugin_name: str
    plugin_version: str
    cluster_configs: dict
    nodes: tuple               # of NodeInfo

    def nodes_with(self, process):
        return [n for n in self.nodes if process in n.processes]

    def node_running(self, process):
        """The node running ``process`` (the first, for a process that may
        run on several), or None: how a plugin finds its master, namenode
        or resourcemanager."""
        nodes = self.nodes_with(process)
        return nodes[0] if nodes else None


class ClusterSpecView(typing.Protocol):
    """What a plugin may read of a cluster *definition* at validate time.

    ``heat_savanna.core.model.ClusterSpec`` satisfies this protocol.
    """
    name: str
    plugin_name: str
    plugin_version: str
    cluster_configs: dict
    anti_affinity: tuple
    node_groups: tuple   # each: .name, .count, .min_active, .node_processes,
    #                      .node_configs, .volumes_per_node


#: exit statuses of a shell that could not run a command at all (126: not
#: executable, 127: not found): a probe exiting so is final, not "not ready
#: yet", whichever transport runs it (retrying cannot help)
CANNOT_RUN = (126, 127)

#: a :class:`Probe` argument standing for the node's mark (see
#: :class:`NodeWork`): the shell variable ``$SAVANNA_MARK`` on the node
MARK_VARIABLE = 'SAVANNA_MARK'
MARK = type('Mark', (), {'__repr__': lambda self: 'MARK'})()


@dataclasses.dataclass(frozen=True)
class Probe:
    """One condition of a wait for one node, described once for both
    transports.

    ``fetch`` is a shell command line (run as root) printing a status
    document, e.g. the Spark master's /json/ page or ``hdfs dfsadmin
    -report``; ``judge(document, *args)`` says whether the condition
    holds. ``judge`` must be a function of a self-contained module
    (standard library only): the SSH transport runs ``fetch`` on ``at``
    (the node of the service that knows, e.g. the master) and calls the
    judge in the engine; the agent transport runs ``fetch`` on the
    awaited node itself and the very source of the judge's module with
    ``python3`` there (:meth:`command`). Without a judge the condition is
    "``fetch`` exits 0". The arguments are passed as strings; :data:`MARK`
    stands for the node's mark. A fetch exiting non-zero is "not yet",
    except 126/127 (:data:`CANNOT_RUN`): the probe can never run, the node
    fails at once. ``awaiting`` says what is still awaited, in the
    failure reason of a node that was not ready in time.
    """
    fetch: str
    judge: typing.Optional[typing.Callable] = None
    args: tuple = ()
    at: typing.Optional['NodeInfo'] = None
    awaiting: str = 'not ready'
    fetch_timeout: float = 30.0

    def arguments(self, mark=''):
        """The judge's arguments, as strings, ``mark`` for :data:`MARK`."""
        return tuple(mark if a is MARK else str(a) for a in self.args)

    def holds(self, exit_code, document, mark=''):
        """The judge's verdict on what ``fetch`` printed (the engine's
        side); a judge that raises has not seen the condition hold."""
        if exit_code != 0:
            return False
        if self.judge is None:
            return True
        try:
            return bool(self.judge(document, *self.arguments(mark)))
        except Exception:
            return False

    def command(self):
        """The shell command line a node runs for this probe (the agent's
        side): it exits 0 when the condition holds, the fetch's own
        status when that fails (so 126/127 stay final) and 1 otherwise.
        """
        if self.judge is None:
            return '{ %s; } >/dev/null 2>&1' % self.fetch
        module = inspect.getmodule(self.judge)
        program = ('%s\nimport sys\nsys.exit(0 if %s(sys.stdin.read(), '
                   '*sys.argv[1:]) else 1)\n' % (
                       inspect.getsource(module).rstrip(),
                       self.judge.__name__))
        words = ''.join(' "${%s:-}"' % MARK_VARIABLE if a is MARK
                        else ' ' + shlex.quote(str(a)) for a in self.args)
        return ('savanna_doc=$( { %s; } 2>/dev/null ) && printf "%%s\\n" '
                '"$savanna_doc" | python3 -c %s%s' % (
                    self.fetch, shlex.quote(program), words))


@dataclasses.dataclass(frozen=True)
class NodeWork:
    """What one step does on one node, described as data so that either
    transport runs it: over SSH from the engine, or as a Heat software
    deployment that the node's own agent pulls (see
    :mod:`heat_savanna.provisioning`). A plugin says *what*, never how it
    reaches the node.

    Everything runs as root, in this order:

    * ``mark``: a shell command whose output (stripped) is kept as the
      node's mark for the step's wait (e.g. the node's clock before a
      restart, which a fresh registration must be newer than). Over SSH
      it lands in ``Step.marks[node.name]``; on the node it is the shell
      variable ``$SAVANNA_MARK`` of the probes that follow.
    * ``setup``: a shell snippet (directories, volumes, users); its
      failure stops the node.
    * ``files``: ``((path, content, mode), ...)``, installed atomically
      (see :mod:`heat_savanna.remote.install`).
    * ``commands``: shell command lines, in order; a non-zero exit fails
      the node. ``explain(exit_code, stdout)`` may word such a failure in
      the plugin's terms (e.g. what the image lacks); None keeps the
      default (the command and its stderr).
    """
    setup: str = ''
    files: tuple = ()
    commands: tuple = ()
    timeout: float = 300.0
    mark: str = ''
    explain: typing.Optional[typing.Callable] = None


@dataclasses.dataclass
class Step:
    """One provisioning step, described as data so that either transport
    runs it the same way (:mod:`heat_savanna.provisioning`).

    Two kinds:

    * a *fan-out* step: ``work(node)`` describes, as a :class:`NodeWork`,
      what is done on every node of ``nodes`` (in parallel over SSH; by
      each node's agent with the Heat agent transport). A failure on one
      node marks only that node failed (phase = ``name``); the others go
      on, and no later step runs on it. The names of the nodes where the
      work succeeded are added to ``succeeded`` when it is a set.
    * a *wait* step: ``wait(node)`` gives the :class:`Probe` conditions
      (all must hold) that say ``node`` is ready; the step waits, polling
      every ``poll_interval`` seconds, until they hold for every node of
      ``nodes`` still in the run. A node not ready after ``timeout``
      seconds fails (``not ready after Ns: <probe.awaiting>``), unless
      ``fail_on_timeout`` is False (a drain that may run out of time: the
      step then goes on without failing anyone). With the agent
      transport each node waits for itself, and a node with steps after
      this one that is not in ``nodes`` waits for all of them first (at
      most ``timeout``): that is how "the master before the workers"
      holds without the engine.

    ``action(remote, node)`` instead of ``work`` is engine code for the
    SSH transport's own steps (e.g. authorising the operator's key as the
    login user); a plugin never returns one (its unit tests check it).
    """
    name: str
    nodes: tuple = ()
    work: typing.Optional[typing.Callable] = None
    wait: typing.Optional[typing.Callable] = None
    timeout: float = 600.0
    poll_interval: float = 2.0
    fail_on_timeout: bool = True
    succeeded: typing.Optional[set] = None
    marks: typing.Optional[dict] = None
    action: typing.Optional[typing.Callable] = None

    @property
    def is_wait(self):
        return self.wait is not None


class ProvisioningPlugin(metaclass=abc.ABCMeta):
    """Base class of every provisioning plugin."""

    #: entry-point name, the value of the ``plugin_name`` property
    name = None
    #: one-line human title
    title = None

    # -- what the plugin offers ------------------------------------------
    @abc.abstractmethod
    def get_versions(self):
        """Versions this plugin can deploy, newest first."""

    def get_default_version(self):
        """The version a cluster gets when ``plugin_version`` is not set:
        the newest one."""
        versions = list(self.get_versions())
        return versions[0] if versions else None

    @abc.abstractmethod
    def get_node_processes(self, version):
        """``{service: [process, ...]}`` for ``version``."""

    def get_all_processes(self, version):
        return {p for procs in self.get_node_processes(version).values()
                for p in procs}

    @abc.abstractmethod
    def get_mandatory_processes(self, version):
        """Processes the cluster cannot live without (a node carrying one
        must be up: spark master, namenode, resourcemanager)."""

    def get_config_catalog(self, version):
        """The :class:`heat_savanna.plugins.config_catalog.ConfigCatalog` of
        ``version``: every section and key of ``cluster_configs`` /
        ``node_configs`` with its kind, default, meaning and the processes
        a change must restart (``catalog.restart_for(section, key)``,
        ``catalog.restarts_needed(old_configs, new_configs)``). None for a
        plugin that declares none."""
        return None

    def get_config_sections(self, version):
        """``{section: {key: default}}`` of the declared keys accepted in
        ``cluster_configs`` / ``node_configs`` (from the catalog). Whether
        other keys of a section are accepted is the catalog's to say."""
        catalog = self.get_config_catalog(version)
        if catalog is None:
            raise NotImplementedError('%s declares no configuration'
                                      % self.name)
        return catalog.defaults()

    # -- validation (pure) -------------------------------------------------
    @abc.abstractmethod
    def validate(self, cluster):
        """Topology and config checks of a ClusterSpecView.

        Returns a list of ``heat_savanna.common.exceptions.ValidationError``
        (empty when valid); never raises for bad input.
        """

    def validate_scaling(self, cluster, new_counts):
        """Extra checks before resizing; ``new_counts`` is ``{group: n}``.
        Returns a list of ValidationError (e.g. below dfs.replication)."""
        return []

    # -- infrastructure needs ----------------------------------------------
    @abc.abstractmethod
    def get_ports(self, cluster):
        """List of :class:`PortRule` for the auto security group."""

    def get_endpoints(self, cluster_info):
        """``{name: url}`` of the cluster's web UIs and service endpoints."""
        return {}

    # -- provisioning steps ------------------------------------------------
    @abc.abstractmethod
    def create_steps(self, cluster_info):
        """Steps that configure and start a new cluster, in order. The
        first one checks each node's image (the framework's binaries at
        the configured place, in the plugin_version asked for) and fails
        the node with a :class:`StepError` naming the image and what is
        missing."""

    @abc.abstractmethod
    def scale_up_steps(self, cluster_info, new_nodes):
        """Steps that join ``new_nodes`` (already in ``cluster_info.nodes``)
        to the running cluster without restarting anything else."""

    @abc.abstractmethod
    def reconfigure_steps(self, cluster_info, nodes, restarts):
        """Steps that apply a configuration change to running ``nodes``
        (of ``cluster_info``, which carries the new configuration):
        rewrite every file of theirs, restart on each node the processes
        ``restarts[node.name]`` names (what the catalog's
        ``restarts_needed`` answered) and wait until they are ready again.
        Nothing else restarts. The caller runs nodes in rolling batches."""

    @abc.abstractmethod
    def membership_steps(self, cluster_info):
        """Steps that rewrite, on every node of ``cluster_info``, the files
        that list the cluster's members (hosts, worker and include lists)
        and make running services re-read them, restarting nothing.
        Used when nodes failed while those files were being written, so
        the survivors' files name only the nodes in ``cluster_info``."""

    @abc.abstractmethod
    def decommission_steps(self, cluster_info, leaving_nodes):
        """Steps that gracefully take ``leaving_nodes`` out of service.
        ``cluster_info.nodes`` still contains them."""

    @abc.abstractmethod
    def health_steps(self, cluster_info):
        """Steps that probe every node's services (used by stack check)."""

    def watch(self, cluster_info):
        """The auto-heal watchdog's rules (:class:`~heat_savanna.plugins.
        watch.Watch` list: a node, a probe holding while it lives)."""
        return []

    # -- jobs (OS::Savanna::Job) -------------------------------------------
    job_types = ()      # the job types it runs (see :data:`JOB_TYPES`)

    def supported_job_types(self, version):
        """The job types (:data:`JOB_TYPES`) this plugin runs on a
        cluster of ``version``."""
        return tuple(self.job_types)

    def job_command(self, cluster_info, job):
        """How the master runs one execution of ``job`` (a
        :class:`JobSpec`): a :class:`JobCommand`. Pure: no I/O."""
        raise NotImplementedError('plugin %s runs no jobs' % self.name)


#: job types a plugin may offer: ``spark`` (spark-submit of a jar or a
#: Python file), ``shell`` (a shell script) and ``mapreduce`` (``yarn jar``)
JOB_TYPES = (JOB_SPARK, JOB_SHELL, JOB_MAPREDUCE) = (
    'spark', 'shell', 'mapreduce')


@dataclasses.dataclass(frozen=True)
class JobSpec:
    """One execution of a job, as a plugin sees it.

    ``main`` is where the main program is on the master: a file name
    relative to the execution directory (an inline or downloaded program
    is put there before the job starts), or an absolute path (a program
    the image carries). ``configs`` are the job's settings: ``--conf`` for
    spark, ``-D`` for mapreduce, environment variables for shell.
    """
    job_type: str
    main: str
    main_class: typing.Optional[str] = None
    args: tuple = ()
    configs: tuple = ()          # sorted ((key, value), ...) pairs


@dataclasses.dataclass(frozen=True)
class JobCommand:
    """How the master runs one execution.

    ``command`` is one shell command line, every value in it quoted, run
    from the execution directory; it runs as root (the user the cluster's
    daemons are started as) and may switch user itself (then ``owner``
    names that user). Execution directories are made under ``work_root``
    on the master.
    """
    command: str
    work_root: str
    #: the user the command switches to, if any: it gets the execution
    #: directory, so the job may write its own files there
    owner: typing.Optional[str] = None


def shell_job_command(job, env=(), user=None):
    """The command line of a ``shell`` job: ``bash MAIN ARGS...`` with the
    job's configs and ``env`` (``(name, value)`` pairs) exported, run as
    ``user`` (``runuser``) when given."""
    q = shlex.quote
    assignments = ['%s=%s' % (k, q(str(v)))
                   for k, v in tuple(env) + tuple(job.configs)]
    argv = ['bash', q(job.main)] + [q(str(a)) for a in job.args]
    prefix = ['env'] + assignments if assignments else []
    if user:
        prefix = ['runuser', '-u', q(user), '--'] + (prefix or ['env'])
    return ' '.join(prefix + argv)
