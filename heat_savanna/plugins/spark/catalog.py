"""Every configuration key of the Spark plugin, declared once.

Sections of ``cluster_configs`` / ``node_configs``: ``general`` (paths,
ports and daemon memory, read by heat-savanna itself), ``spark-env``
(exported by ``spark-env.sh``) and ``spark-defaults`` (written to
``spark-defaults.conf``). See :mod:`heat_savanna.plugins.catalog`.
"""

from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins import config_catalog
from heat_savanna.plugins.catalog import Entry

VERSIONS = ['4.3.0']
PROCESSES = {'Spark': ['master', 'worker', 'historyserver']}

DAEMONS = ('historyserver', 'master', 'worker')
MASTER, WORKER, HISTORY = ('master',), ('worker',), ('historyserver',)


def _general(key, kind, default, description, restart, **extra):
    return Entry('general', key, kind, default, description, restart,
                 **extra)


GENERAL = cat.Section(
    'general',
    'Paths, ports and daemon memory, read by heat-savanna when it writes '
    'the files and starts the daemons.',
    (
        _general('spark_home', cat.PATH, '/opt/spark',
                 'Where the image has Spark (bin/spark-class, '
                 'sbin/spark-daemon.sh, jars/).', DAEMONS),
        _general('conf_dir', cat.PATH, '/etc/spark/conf',
                 'Directory of the generated spark-env.sh, '
                 'spark-defaults.conf and workers files.', DAEMONS),
        _general('work_dir', cat.PATH, '/var/lib/spark/work',
                 'Work directory of the applications a worker runs '
                 '(SPARK_WORKER_DIR).', WORKER),
        _general('pid_dir', cat.PATH, '/var/lib/spark/run',
                 'Pid files of the daemons.', DAEMONS),
        _general('log_dir', cat.PATH, '/var/log/spark',
                 'Log files of the daemons.', DAEMONS),
        _general('event_log_dir', cat.PATH, '/var/lib/spark/events',
                 'Event logs of the applications, read by the history '
                 'server (used when a group runs historyserver).', HISTORY),
        _general('daemon_memory', cat.SIZE, '256m',
                 'Heap of each Spark daemon (SPARK_DAEMON_MEMORY).',
                 DAEMONS),
        _general('master_port', cat.PORT, 7077,
                 'Port of the master that workers and jobs connect to; '
                 'opened between cluster members.', MASTER + WORKER,
                 cluster_only=True, opens=cat.CLUSTER,
                 label='Spark master RPC'),
        _general('master_webui_port', cat.PORT, 8080,
                 'Port of the master\'s web UI (and of the status page '
                 'heat-savanna reads); opened between cluster members and to '
                 'access_cidrs.web_ui.', MASTER,
                 cluster_only=True, opens=cat.PUBLIC,
                 label='Spark master web UI'),
        _general('worker_webui_port', cat.PORT, 8081,
                 'Port of each worker\'s web UI; opened between cluster '
                 'members and to access_cidrs.web_ui.',
                 WORKER, opens=cat.PUBLIC, needs=WORKER,
                 label='Spark worker web UI'),
        _general('history_webui_port', cat.PORT, 18080,
                 'Port of the history server\'s web UI; opened between '
                 'cluster members and to access_cidrs.web_ui '
                 'when a group runs historyserver.', HISTORY,
                 cluster_only=True, opens=cat.PUBLIC, needs=HISTORY,
                 label='Spark history server'),
        _general('java_home', cat.PATH, None,
                 'Java of the image (JAVA_HOME); unset: the java on the '
                 'PATH.', DAEMONS),
        _general('auto_configure', cat.Boolean(), True,
                 'Size the workers (SPARK_WORKER_MEMORY, '
                 'SPARK_WORKER_CORES) and the executors '
                 '(spark.executor.memory, spark.executor.cores) from the '
                 'flavor; a value set in cluster_configs or node_configs '
                 'wins. false: the defaults below.', WORKER),
    ))

SPARK_ENV = cat.Section(
    'spark-env',
    'Environment of every Spark daemon and spark-submit, exported by '
    'spark-env.sh.',
    (
        Entry('spark-env', 'SPARK_WORKER_MEMORY', cat.SIZE, '1g',
              'Memory a worker offers to executors (sized from the '
              'flavor unless auto_configure is false).', WORKER),
        Entry('spark-env', 'SPARK_WORKER_CORES', cat.Integer(1, 4096), None,
              'Cores a worker offers to executors (the flavor\'s vCPUs '
              'unless auto_configure is false; unset: every core of the '
              'node).', WORKER),
    ),
    cat.env_variables('SPARK_WORKER_OPTS', DAEMONS, 'spark-env.sh'))

SPARK_DEFAULTS = cat.Section(
    'spark-defaults',
    'Spark properties written to spark-defaults.conf: read by the daemons '
    'when they start and by each job when it is submitted.',
    (
        Entry('spark-defaults', 'spark.decommission.enabled', cat.Boolean(),
              True, 'Workers leave gracefully on scale-down (SIGPWR).',
              MASTER + WORKER),
        Entry('spark-defaults', 'spark.storage.decommission.enabled',
              cat.Boolean(), True, 'Decommissioned executors hand their '
              'blocks over to others; read by each job.'),
        Entry('spark-defaults', 'spark.executor.memory', cat.SIZE, '512m',
              'Memory of each executor (sized from the workers unless '
              'auto_configure is false); read by each job.'),
        Entry('spark-defaults', 'spark.driver.memory', cat.SIZE, '512m',
              'Memory of each driver; read by each job.'),
    ),
    cat.OtherKeys(
        r'spark\.[A-Za-z0-9_.\-]+',
        'a Spark property name: spark. then letters, digits, _ . and -, '
        'e.g. spark.executor.cores',
        (cat.KeyRule(r'\.port$', cat.PORT_OR_ZERO, DAEMONS,
                     'a port (0: any free one); opened between cluster '
                     'members', opens=cat.CLUSTER),
         cat.KeyRule('', cat.Text('line'), DAEMONS,
                     'written to spark-defaults.conf'))))

CATALOG = config_catalog.ConfigCatalog(
    'spark', VERSIONS[0], (GENERAL, SPARK_ENV, SPARK_DEFAULTS))


def catalog_for(version):
    """The catalog of ``version`` (ValueError if not a Spark version the
    plugin deploys)."""
    if version not in VERSIONS:
        raise ValueError('Spark version %r is not supported' % (version,))
    return CATALOG
