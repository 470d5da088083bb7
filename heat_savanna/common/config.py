"""oslo.config options of heat-savanna, all in the ``[savanna]`` group.

Heat loads its own configuration files; these options are read from the
same files (``heat.conf``), so an operator tunes the plugin where they tune
Heat. ``list_opts`` feeds ``oslo-config-generator`` through the
``oslo.config.opts`` entry point.
"""

from oslo_config import cfg

GROUP = 'savanna'

savanna_group = cfg.OptGroup(
    GROUP, title='heat-savanna options',
    help='Options of the OS::Savanna::Cluster resource plugin.')

opts = [
    cfg.IntOpt('ssh_pool_size', default=16, min=1,
               help='Most SSH sessions opened at once while configuring '
                    'a cluster (size of the bounded thread pool).'),
    cfg.FloatOpt('ssh_connect_timeout', default=10, min=0.1,
                 help='Seconds one SSH connection attempt may take.'),
    cfg.IntOpt('ssh_connect_retries', default=5, min=1,
               help='SSH connection attempts to a node (with exponential '
                    'backoff) before the node is reported failed. Host '
                    'key mismatches and authentication failures are never '
                    'retried.'),
    cfg.FloatOpt('ssh_command_timeout', default=300, min=1,
                 help='Default seconds one remote command may run.'),
    cfg.StrOpt('host_key_policy', default='pinned',
               choices=[('pinned', 'Connect only if the node presents a '
                                   'host key pinned from its console '
                                   'output.'),
                        ('accept-new', 'Trust the first key seen when no '
                                       'key was pinned; refuse changes.'),
                        ('insecure-auto-add', 'Accept any host key. For '
                                              'test clouds only.')],
               help='How node SSH host keys are verified.'),
    cfg.IntOpt('decommission_timeout', default=1800, min=1,
               help='Seconds to wait for nodes to finish decommissioning '
                    '(HDFS block re-replication, Spark worker drain) '
                    'before the scale-down fails.'),
    cfg.IntOpt('service_start_timeout', default=300, min=1,
               help='Seconds to wait for services to report ready after '
                    'they were started; nodes still not ready are '
                    'reported failed.'),
    cfg.StrOpt('ssh_cidr', default='0.0.0.0/0',
               help='Source CIDR allowed to reach SSH (port 22) in the '
                    'auto security group of a cluster whose template '
                    'gives no access_cidrs.ssh; set it to the Heat engine '
                    'network.'),
    cfg.FloatOpt('provisioning_poll_interval', default=2, min=0.1,
                 help='Seconds between two readiness checks of a wait '
                      'step.'),
    cfg.IntOpt('host_key_timeout', default=300, min=0,
               help='Seconds to wait, after a server is ACTIVE, for its SSH '
                    'host keys to appear in its console output (cloud-init '
                    'prints them once the guest has booted). A node whose '
                    'keys do not appear in time fails in phase host-key. '
                    'Used with host_key_policy pinned.'),
    cfg.IntOpt('node_set_size', default=5, min=1, max=50,
               help='Most nodes per node set (one child stack of the '
                    "cluster's nested stack each). A resource that fails "
                    "for one node stops only its own set's other nodes, "
                    'which the set then finishes without the failed node; '
                    'with 1, nothing one node does stops another. Larger '
                    'sets mean fewer stacks for the engine to check (less '
                    'CPU per create and far less per scale-up). Applies to '
                    'nodes added from then on.'),
    cfg.IntOpt('max_concurrent_node_sets',
               default=0, min=0,
               help="Most node sets of one cluster that Heat builds, "
                    'updates or deletes at once (0: no limit). Each node '
                    'set waits for the one this many before it (a '
                    'depends_on in the cluster\'s nested stack). A node '
                    'set holds one heat-engine thread while its child '
                    'stack is in progress, so this bounds the threads a '
                    'cluster takes from the engine\'s '
                    'executor_thread_pool_size; it also paces the '
                    "engine's work. Applies to the cluster's next "
                    'operation.'),
    cfg.IntOpt('agent_signal_allowance', default=300, min=0,
               help='With the heat-agent transport: seconds a deployment '
                    "may take beyond its script's own time limits (the "
                    "agent's polling interval, its start after boot, the "
                    'signal back) before a node that has not signalled '
                    'fails in phase deploy.'),
    cfg.IntOpt('agent_running_allowance', default=60, min=0,
               help='With the heat-agent transport: the same allowance '
                    'for a round on nodes already running (a stack check, '
                    "an automatic heal's re-check, the auto-heal "
                    'watchdog): their agents are up and polling, so a '
                    'node silent this long past its script\'s limits is '
                    'lost. At least two of the agents\' polling '
                    'intervals.'),
]


def register_opts(conf):
    """Register the ``[savanna]`` options on ``conf`` (idempotent)."""
    conf.register_group(savanna_group)
    conf.register_opts(opts, group=savanna_group)


def list_opts():
    """For oslo-config-generator: ``[(group, [opts])]``."""
    return [(savanna_group, list(opts))]


register_opts(cfg.CONF)
CONF = cfg.CONF
