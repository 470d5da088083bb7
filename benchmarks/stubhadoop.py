"""A stand-in Hadoop home, so that a 100-node vanilla cluster can go all
the way through OS::Savanna::Cluster in the sandbox.

Hadoop's daemons cannot be installed here, and 100 real JVMs would not fit
in memory anyway. The figures that must run the real resource end to end
(create, and the scale-up 100 -> 110 with its validation, discovery and
configuration) point the cluster's ``general.hadoop_home`` at a directory
made by :func:`install`, whose ``bin/hdfs``, ``bin/yarn`` and
``bin/mapred`` answer the commands the vanilla plugin sends the way
Hadoop's CLI does:

* ``--daemon start|stop|status X`` keeps a marker per daemon in the node's
  own /var/lib/hadoop (private to each simulated host); a datanode or
  nodemanager that starts also registers its hostname in the home's
  ``registry``, as a real one registers with its master;
* ``hdfs dfsadmin -report`` and ``yarn node -list`` list the registered
  nodes as live / RUNNING, in the formats the plugin parses;
* everything else (format, ``dfs -mkdir``, ``-refreshNodes``) succeeds.

Everything else the plugin does is real: SSH to every node, the config
files, volumes, users and directories, the readiness checks. Each
cluster gets its own home (its registry is the cluster's membership).
"""

import os
import tempfile

TOOLS = ('hdfs', 'yarn', 'mapred')
#: the vanilla plugin version the benchmark's clusters ask for
VERSION = '3.4.1'

SCRIPT = r'''#!/bin/sh
# Benchmark stand-in for Hadoop's "%(tool)s" command (see
# benchmarks/stubhadoop.py): daemons are markers, members register here.
home=%(home)s
# per host: the sandbox gives every host its own /var/lib/hadoop
state=${STUB_HADOOP_STATE:-/var/lib/hadoop/stub-daemons}
registry="$home/registry"
me=$(hostname)
tool=%(tool)s

members() {
    ls "$registry/$1" 2>/dev/null
}

if [ "$1" = "--daemon" ]; then
    case "$2" in
    start)
        mkdir -p "$state" && touch "$state/$3" || exit 1
        case "$3" in
        datanode|nodemanager)
            mkdir -p "$registry/$3" && touch "$registry/$3/$me" || exit 1;;
        esac;;
    stop)
        rm -f "$state/$3" "$registry/$3/$me";;
    status)
        test -e "$state/$3"; exit $?;;
    esac
    exit 0
fi

case "$tool $1 $2" in
"hdfs dfsadmin -report")
    n=$(members datanode | wc -l)
    echo "Configured Capacity: 0 (0 B)"
    echo "-------------------------------------------------"
    echo "Live datanodes ($n):"
    for h in $(members datanode); do
        printf '\nName: %%s:9866 (%%s)\nHostname: %%s\n' "$h" "$h" "$h"
        printf 'Decommission Status : Normal\n'
    done
    echo
    echo "Dead datanodes (0):";;
"yarn node -list")
    echo "Total Nodes:$(members nodemanager | wc -l)"
    printf '         Node-Id\tNode-State\tNode-Http-Address\t'
    printf 'Number-of-Running-Containers\n'
    for h in $(members nodemanager); do
        printf '%%s:45454\tRUNNING\t%%s:8042\t0\n' "$h" "$h"
    done;;
esac
exit 0
'''


def script(home, tool):
    """The text of ``home``/bin/``tool``."""
    return SCRIPT % {'home': _sh_quote(home), 'tool': tool}


def _sh_quote(text):
    return "'" + text.replace("'", "'\"'\"'") + "'"


def install(parent, name='hadoop', version=VERSION):
    """A fresh stand-in Hadoop home under ``parent``; returns its path.

    Readable by every simulated host's users (the plugin runs the admin
    commands as the ``hadoop`` user); the registry is written by root.
    """
    os.makedirs(parent, exist_ok=True)
    home = tempfile.mkdtemp(prefix=name + '-', dir=parent)
    os.chmod(home, 0o755)
    bin_dir = os.path.join(home, 'bin')
    os.mkdir(bin_dir, 0o755)
    os.mkdir(os.path.join(home, 'registry'), 0o755)
    # the plugin's image check looks for Hadoop's common jar of the
    # cluster's version: an empty stand-in (nothing runs Java here)
    common = os.path.join(home, 'share', 'hadoop', 'common')
    os.makedirs(common, 0o755)
    open(os.path.join(common, 'hadoop-common-%s.jar' % version), 'w').close()
    for tool in TOOLS:
        path = os.path.join(bin_dir, tool)
        with open(path, 'w') as f:
            f.write(script(home, tool))
        os.chmod(path, 0o755)
    return home


def registered(home, daemon):
    """Hostnames registered as ``daemon`` (datanode / nodemanager)."""
    try:
        return sorted(os.listdir(os.path.join(home, 'registry', daemon)))
    except OSError:
        return []
