"""Every configuration key of the vanilla Hadoop plugin, declared once.

Sections of ``cluster_configs`` / ``node_configs``: ``general`` (paths and
the daemon user, read by heat-savanna itself), ``HDFS`` (hdfs-site.xml;
keys starting ``fs.``, ``hadoop.``, ``io.``, ``ipc.`` or ``net.`` go to
core-site.xml), ``YARN`` (yarn-site.xml), ``MapReduce`` (mapred-site.xml)
and ``Hadoop`` (exported by hadoop-env.sh). See
:mod:`heat_savanna.plugins.catalog`.
"""

from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins import config_catalog
from heat_savanna.plugins.catalog import Entry

VERSIONS = ['3.4.1']
PROCESSES = {
    'HDFS': ['namenode', 'secondarynamenode', 'datanode'],
    'YARN': ['resourcemanager', 'nodemanager'],
    'MapReduce': ['historyserver'],
}
DEFAULT_REPLICATION = 3

DAEMONS = tuple(sorted(p for ps in PROCESSES.values() for p in ps))
HDFS_DAEMONS = ('datanode', 'namenode', 'secondarynamenode')
YARN_DAEMONS = ('nodemanager', 'resourcemanager')
NN, SNN, DN = ('namenode',), ('secondarynamenode',), ('datanode',)
RM, NM = ('resourcemanager',), ('nodemanager',)
CORE_PREFIXES = ('fs.', 'hadoop.', 'io.', 'ipc.', 'net.')

MEGABYTES = cat.Integer(1, 2 ** 31 - 1, text='a whole number of MB')
BYTES = cat.Pattern(r'[0-9]{1,19}[kKmMgGtTpPeE]?',
                    'a number of bytes, or a size such as 128m')
PROPERTY_NAME = r'[A-Za-z][A-Za-z0-9_.\-]*'


def _xml_keys(file_name, restart, example):
    """Other keys of an XML section: any Hadoop property name."""
    return cat.OtherKeys(
        PROPERTY_NAME,
        'a Hadoop property name: a letter, then letters, digits, _ . and '
        '-, e.g. %s' % example,
        (cat.KeyRule(r'\.dirs?$', cat.URI_PATH_LIST, restart,
                     'local directories'),
         cat.KeyRule(r'\.address$', cat.HOST_PORT, restart,
                     'host:port; the port is opened between cluster '
                     'members', opens=cat.CLUSTER),
         cat.KeyRule(r'\.port$', cat.PORT_OR_ZERO, restart,
                     'a port (0: any free one); opened between cluster '
                     'members', opens=cat.CLUSTER),
         cat.KeyRule(r'^(fs|hadoop|io|ipc|net)\.', cat.Text('xml'), DAEMONS,
                     'written to core-site.xml'),
         cat.KeyRule('', cat.Text('xml'), restart,
                     'written to %s' % file_name)))


def _entries(section, *rows):
    return tuple(Entry(section, *row[:5], **(row[5:] or ({},))[0])
                 for row in rows)


GENERAL = cat.Section(
    'general',
    'Paths and the daemon user, read by heat-savanna when it writes the '
    'files and starts the daemons.',
    _entries(
        'general',
        ('hadoop_home', cat.PATH, '/opt/hadoop',
         'Where the image has Hadoop (bin/hdfs, bin/yarn, bin/mapred, '
         'share/hadoop/).', DAEMONS),
        ('conf_dir', cat.PATH, '/etc/hadoop/conf',
         'Directory of the generated *-site.xml, hadoop-env.sh, workers '
         'and include/exclude files.', DAEMONS),
        ('data_dir', cat.PATH, '/var/lib/hadoop',
         'Local data of nodes without volumes, hadoop.tmp.dir and the '
         'namenode\'s format marker.', DAEMONS),
        ('log_dir', cat.PATH, '/var/log/hadoop',
         'Log files of the daemons.', DAEMONS),
        ('pid_dir', cat.PATH, '/var/lib/hadoop/run',
         'Pid files of the daemons.', DAEMONS),
        ('hadoop_user', cat.USER, 'hadoop',
         'User the daemons run as (created if missing) and the HDFS '
         'superuser.', DAEMONS, {'cluster_only': True}),
        ('java_home', cat.PATH, None,
         'Java of the image (JAVA_HOME); unset: the java on the PATH.',
         DAEMONS),
        ('auto_configure', cat.Boolean(), True,
         'Size the nodemanagers (yarn.nodemanager.resource.*), the '
         'largest container and the MapReduce containers from the '
         'flavor; a value set in cluster_configs or node_configs wins. '
         'false: the defaults below.', YARN_DAEMONS),
    ))

HDFS = cat.Section(
    'HDFS',
    'Written to hdfs-site.xml (keys starting fs., hadoop., io., ipc. or '
    'net. to core-site.xml).',
    _entries(
        'HDFS',
        ('dfs.replication', cat.Integer(1, 512), DEFAULT_REPLICATION,
         'Copies of each block, the same on every node (cluster_configs '
         'only); the default is capped to the number of datanodes, a value '
         'set here may not exceed it and is never lowered. Applies to '
         'files written afterwards.', (), {'cluster_only': True}),
        ('dfs.blocksize', BYTES, 134217728,
         'Block size of files written afterwards.', ()),
        ('dfs.namenode.handler.count', cat.Integer(1, 1024), 40,
         'RPC handler threads of the namenode.', NN),
        ('dfs.permissions.enabled', cat.Boolean(), True,
         'HDFS permission checking.', NN),
        ('dfs.namenode.rpc-port', cat.PORT, 9000,
         'Port of the namenode RPC (fs.defaultFS); opened between cluster '
         'members.', DAEMONS,
         {'cluster_only': True, 'opens': cat.CLUSTER,
          'label': 'HDFS namenode RPC'}),
        ('dfs.namenode.http-port', cat.PORT, 9870,
         'Port of the namenode web UI (and WebHDFS); opened between '
         'cluster members and to access_cidrs.web_ui.', NN,
         {'cluster_only': True, 'opens': cat.PUBLIC,
          'label': 'HDFS namenode web UI'}),
        ('dfs.datanode.du.reserved', cat.Integer(0, 2 ** 62), 0,
         'Bytes per volume a datanode leaves free.', DN),
        ('dfs.namenode.name.dir', cat.URI_PATH_LIST, None,
         'Namenode metadata directories; unset: on the namenode\'s '
         'volumes, else under data_dir.', NN),
        ('dfs.datanode.data.dir', cat.URI_PATH_LIST, None,
         'Datanode block directories; unset: one per volume, else under '
         'data_dir.', DN),
        ('dfs.namenode.checkpoint.dir', cat.URI_PATH_LIST, None,
         'Secondary namenode checkpoint directories; unset: under '
         'data_dir.', SNN),
    ),
    _xml_keys('hdfs-site.xml', HDFS_DAEMONS,
              'dfs.namenode.safemode.threshold-pct'))

YARN = cat.Section(
    'YARN',
    'Written to yarn-site.xml.',
    _entries(
        'YARN',
        ('yarn.nodemanager.aux-services', cat.Text('xml'),
         'mapreduce_shuffle', 'Auxiliary services of the nodemanagers '
         '(the MapReduce shuffle).', NM),
        ('yarn.nodemanager.resource.memory-mb', MEGABYTES, 4096,
         'Memory a nodemanager offers to containers.', NM),
        ('yarn.nodemanager.resource.cpu-vcores', cat.Integer(1, 4096), 2,
         'Virtual cores a nodemanager offers to containers.', NM),
        ('yarn.scheduler.minimum-allocation-mb', MEGABYTES, 256,
         'Smallest container the resourcemanager grants.', RM),
        ('yarn.scheduler.maximum-allocation-mb', MEGABYTES, 4096,
         'Largest container the resourcemanager grants.', RM),
        ('yarn.log-aggregation-enable', cat.Boolean(), True,
         'Container logs are collected into HDFS.', YARN_DAEMONS),
        ('yarn.nodemanager.vmem-check-enabled', cat.Boolean(), False,
         'Kill containers over their virtual memory limit.', NM),
        ('yarn.nodemanager.local-dirs', cat.PATH_LIST, None,
         'Container work directories; unset: one per volume, else under '
         'data_dir.', NM),
        ('yarn.nodemanager.log-dirs', cat.PATH_LIST, None,
         'Container log directories; unset: one per volume, else under '
         'log_dir.', NM),
    ),
    _xml_keys('yarn-site.xml', YARN_DAEMONS,
              'yarn.nodemanager.pmem-check-enabled'))

MAPREDUCE = cat.Section(
    'MapReduce',
    'Written to mapred-site.xml; read by each job and the job history '
    'server.',
    _entries(
        'MapReduce',
        ('mapreduce.framework.name', cat.Choice('yarn', 'local'), 'yarn',
         'Where MapReduce jobs run.', ()),
        ('mapreduce.map.memory.mb', MEGABYTES, 1024,
         'Container memory of each map task.', ()),
        ('mapreduce.reduce.memory.mb', MEGABYTES, 1024,
         'Container memory of each reduce task.', ()),
        ('yarn.app.mapreduce.am.resource.mb', MEGABYTES, 1024,
         'Container memory of each job\'s application master.', ()),
    ),
    _xml_keys('mapred-site.xml', ('historyserver',),
              'mapreduce.job.reduces'))

HADOOP_ENV = cat.Section(
    'Hadoop',
    'Environment of every Hadoop daemon and command, exported by '
    'hadoop-env.sh.',
    _entries(
        'Hadoop',
        ('HADOOP_HEAPSIZE_MAX', cat.SIZE, '1g',
         'Largest heap of each Hadoop daemon.', DAEMONS),
    ),
    cat.env_variables('HADOOP_OPTS', DAEMONS, 'hadoop-env.sh'))

CATALOG = config_catalog.ConfigCatalog(
    'vanilla', VERSIONS[0], (GENERAL, HDFS, YARN, MAPREDUCE, HADOOP_ENV))


def catalog_for(version):
    """The catalog of ``version`` (ValueError if not a Hadoop version the
    plugin deploys)."""
    if version not in VERSIONS:
        raise ValueError('Hadoop version %r is not supported' % (version,))
    return CATALOG
