"""plugins/vanilla/config.py: the files every node gets, exactly, at 100
workers, and values that cannot change a file's structure."""

import pytest

from heat_savanna.plugins import base
from heat_savanna.plugins.vanilla import config
from heat_savanna.plugins.vanilla import start
from tests.unit.plugins.vanilla.cluster import cluster_info
from tests.unit.plugins.vanilla.cluster import props


def test_master_files_at_100_workers():
    ci = cluster_info(100, {'HDFS': {'dfs.blocksize': 67108864,
                                     'fs.trash.interval': 60},
                            'YARN': {'yarn.nodemanager.resource.memory-mb':
                                     8192}})
    files = config.node_files(ci, ci.nodes[0])
    assert sorted(files) == [
        '/etc/hadoop/conf/core-site.xml', '/etc/hadoop/conf/dn.exclude',
        '/etc/hadoop/conf/dn.include', '/etc/hadoop/conf/hadoop-env.sh',
        '/etc/hadoop/conf/hdfs-site.xml', '/etc/hadoop/conf/mapred-site.xml',
        '/etc/hadoop/conf/nm.exclude', '/etc/hadoop/conf/nm.include',
        '/etc/hadoop/conf/workers', '/etc/hadoop/conf/yarn-site.xml',
        '/etc/hosts']
    assert props(files['/etc/hadoop/conf/core-site.xml']) == {
        'fs.defaultFS': 'hdfs://master-0:9000',
        'fs.trash.interval': '60',
        'hadoop.tmp.dir': '/var/lib/hadoop/tmp',
        'hadoop.proxyuser.hadoop.hosts': '*',
        'hadoop.proxyuser.hadoop.groups': '*',
    }
    hdfs = props(files['/etc/hadoop/conf/hdfs-site.xml'])
    assert hdfs == {
        'dfs.replication': '3',
        'dfs.blocksize': '67108864',
        'dfs.datanode.du.reserved': '0',
        'dfs.namenode.handler.count': '40',
        'dfs.permissions.enabled': 'true',
        'dfs.namenode.name.dir': 'file:///var/lib/hadoop/hdfs/namenode',
        'dfs.datanode.data.dir': 'file:///var/lib/hadoop/hdfs/datanode',
        'dfs.namenode.checkpoint.dir':
            'file:///var/lib/hadoop/hdfs/namesecondary',
        'dfs.hosts': '/etc/hadoop/conf/dn.include',
        'dfs.hosts.exclude': '/etc/hadoop/conf/dn.exclude',
        'dfs.namenode.http-address': 'master-0:9870',
        'dfs.namenode.rpc-bind-host': '0.0.0.0',
        'dfs.namenode.http-bind-host': '0.0.0.0',
        'dfs.namenode.datanode.registration.ip-hostname-check': 'false',
    }
    yarn = props(files['/etc/hadoop/conf/yarn-site.xml'])
    assert yarn['yarn.resourcemanager.hostname'] == 'master-0'
    assert yarn['yarn.resourcemanager.nodes.include-path'] == \
        '/etc/hadoop/conf/nm.include'
    assert yarn['yarn.resourcemanager.nodes.exclude-path'] == \
        '/etc/hadoop/conf/nm.exclude'
    assert yarn['yarn.nodemanager.resource.memory-mb'] == '8192'
    assert yarn['yarn.nodemanager.aux-services'] == 'mapreduce_shuffle'
    assert yarn['yarn.log.server.url'] == \
        'http://master-0:19888/jobhistory/logs'
    mapred = props(files['/etc/hadoop/conf/mapred-site.xml'])
    assert mapred['mapreduce.framework.name'] == 'yarn'
    assert mapred['mapreduce.jobhistory.address'] == 'master-0:10020'
    assert mapred['yarn.app.mapreduce.am.env'] == \
        'HADOOP_MAPRED_HOME=/opt/hadoop'
    workers = ['workers-%d' % i for i in range(100)]
    assert files['/etc/hadoop/conf/workers'].splitlines() == workers
    assert files['/etc/hadoop/conf/dn.include'].splitlines() == workers
    assert files['/etc/hadoop/conf/nm.include'].splitlines() == workers
    assert files['/etc/hadoop/conf/dn.exclude'] == ''
    assert files['/etc/hadoop/conf/nm.exclude'] == ''
    hosts = files['/etc/hosts'].splitlines()
    assert len(hosts) == 3 + 101 and hosts[-1] == '10.0.1.109\tworkers-99'
    env = files['/etc/hadoop/conf/hadoop-env.sh']
    for line in ('export HADOOP_CONF_DIR=/etc/hadoop/conf',
                 'export HADOOP_LOG_DIR=/var/log/hadoop',
                 'export HADOOP_PID_DIR=/var/lib/hadoop/run',
                 'export HDFS_NAMENODE_USER=hadoop',
                 'export YARN_NODEMANAGER_USER=hadoop',
                 'export HADOOP_HEAPSIZE_MAX=1g'):
        assert line in env.splitlines()


def test_worker_files_use_volumes():
    ci = cluster_info(100)
    files = config.node_files(ci, ci.nodes[7])
    assert 'dn.include' not in ''.join(files)      # masters only
    hdfs = props(files['/etc/hadoop/conf/hdfs-site.xml'])
    assert hdfs['dfs.datanode.data.dir'] == (
        'file:///volumes/disk1/hdfs/datanode,'
        'file:///volumes/disk2/hdfs/datanode')
    yarn = props(files['/etc/hadoop/conf/yarn-site.xml'])
    assert yarn['yarn.nodemanager.local-dirs'] == \
        '/volumes/disk1/yarn/local,/volumes/disk2/yarn/local'
    assert yarn['yarn.nodemanager.log-dirs'] == \
        '/volumes/disk1/yarn/logs,/volumes/disk2/yarn/logs'
    cmds = start.configure_commands(ci, ci.nodes[7])
    assert 'mount /dev/vdc /volumes/disk2' in cmds[0]
    assert 'mkfs.ext4 -q /dev/vdb' in cmds[0]      # only if blkid finds none
    assert cmds[1] == ('id -u hadoop >/dev/null 2>&1 || useradd --system '
                       '--create-home --shell /bin/bash hadoop || '
                       'id -u hadoop >/dev/null 2>&1')
    assert '/volumes/disk2/hdfs/datanode' in cmds[2]
    assert cmds[3].startswith('chown -R hadoop:hadoop ')
    assert '/etc/hadoop/conf' not in cmds[3]


def test_xml_escapes_values():
    ci = cluster_info(3, {'YARN': {'x.y': 'a<b&c'}})
    text = config.node_files(ci, ci.nodes[1])[
        '/etc/hadoop/conf/yarn-site.xml']
    assert '<value>a&lt;b&amp;c</value>' in text
    assert props(text)['x.y'] == 'a<b&c'


def test_xml_values_with_markup_parse():
    ci = cluster_info(1, {'HDFS': {'dfs.x': '</value><x>&amp;"\'\n\t'}})
    text = config.node_files(ci, ci.nodes[0])[
        '/etc/hadoop/conf/hdfs-site.xml']
    assert props(text)['dfs.x'] == '</value><x>&amp;"\'\n\t'


def test_names_in_generated_scripts_cannot_break_out():
    ci = base.ClusterInfo('c\ntouch /tmp/x', 'vanilla', '3.4.1', {},
                          cluster_info(1).nodes)
    env = config.hadoop_env(ci, ci.nodes[0])
    assert env.splitlines()[0] == ('# Generated by heat-savanna for '
                                   'cluster c?touch /tmp/x, node master-0.')
    bad = cluster_info(1, {'Hadoop': {'X=1; touch /tmp/p; Y': 1}})
    with pytest.raises(ValueError):
        config.hadoop_env(bad, bad.nodes[0])


def test_the_hadoop_user_is_made_once_whatever_the_interleaving(tmp_path):
    # two set-ups racing on one /etc/passwd: the loser's useradd says
    # "already exists" (exit 9), and the step still succeeds
    import subprocess
    ci = cluster_info(3, {})
    line = start.configure_commands(ci, ci.nodes[1])[1]
    fake = tmp_path / 'bin'
    fake.mkdir()
    (fake / 'id').write_text('#!/bin/sh\n[ -e %s/made ]\n' % tmp_path)
    (fake / 'useradd').write_text(
        '#!/bin/sh\ntouch %s/made\necho "useradd: user already exists" '
        '>&2\nexit 9\n' % tmp_path)
    for tool in ('id', 'useradd'):
        (fake / tool).chmod(0o755)
    out = subprocess.run(['sh', '-c', line], capture_output=True, text=True,
                         env={'PATH': '%s:/usr/bin:/bin' % fake})
    assert out.returncode == 0, out.stderr
