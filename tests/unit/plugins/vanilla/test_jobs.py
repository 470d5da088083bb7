"""The vanilla plugin's job command lines, exactly
(plugins/vanilla/jobs.py). Hadoop cannot run here: the exact commands are
the proof, as for the rest of the vanilla plugin."""

import pytest

from heat_savanna import plugins
from heat_savanna.plugins import base
from heat_savanna.plugins.vanilla import jobs

EXAMPLES = ('/opt/hadoop/share/hadoop/mapreduce/'
            'hadoop-mapreduce-examples-3.4.1.jar')


def node(name, ip, *processes):
    return base.NodeInfo(name=name, group=name.rsplit('-', 1)[0],
                         processes=processes, management_ip=ip,
                         internal_ip=ip)


def cluster(configs=None):
    return base.ClusterInfo(
        name='h', plugin_name='vanilla', plugin_version='3.4.1',
        cluster_configs=configs or {},
        nodes=(node('master-0', '10.0.0.2', 'namenode', 'resourcemanager'),
               node('worker-0', '10.0.0.3', 'datanode', 'nodemanager')))


def test_yarn_jar_with_program_name_and_generic_options():
    cmd = jobs.job_command(cluster(), base.JobSpec(
        job_type='mapreduce', main=EXAMPLES, main_class='wordcount',
        args=('/in', '/out'),
        configs=(('mapreduce.job.reduces', '2'),
                 ('mapreduce.map.memory.mb', '512'))))
    assert cmd.command == (
        'runuser -u hadoop -- env HADOOP_HOME=/opt/hadoop '
        'HADOOP_CONF_DIR=/etc/hadoop/conf /opt/hadoop/bin/yarn jar '
        + EXAMPLES + ' wordcount -D mapreduce.job.reduces=2 '
        '-D mapreduce.map.memory.mb=512 /in /out')
    assert cmd.work_root == '/var/lib/hadoop/jobs'
    assert cmd.owner == 'hadoop'


def test_jar_without_main_class_and_cluster_settings():
    info = cluster({'general': {'hadoop_user': 'yarn', 'data_dir': '/data',
                                'hadoop_home': '/srv/hadoop'}})
    cmd = jobs.job_command(info, base.JobSpec(
        job_type='mapreduce', main='app.jar', args=("it's",)))
    assert cmd.command == (
        'runuser -u yarn -- env HADOOP_HOME=/srv/hadoop '
        'HADOOP_CONF_DIR=/etc/hadoop/conf /srv/hadoop/bin/yarn jar app.jar '
        "'it'\"'\"'s'")
    assert (cmd.work_root, cmd.owner) == ('/data/jobs', 'yarn')


def test_shell_job_runs_as_the_hadoop_user_with_its_environment():
    cmd = jobs.job_command(cluster(), base.JobSpec(
        job_type='shell', main='main.sh', args=('1',),
        configs=(('INPUT', '/user/hadoop/in'),)))
    assert cmd.command == (
        'runuser -u hadoop -- env HADOOP_HOME=/opt/hadoop '
        'HADOOP_CONF_DIR=/etc/hadoop/conf INPUT=/user/hadoop/in '
        'bash main.sh 1')


def test_spark_is_not_a_vanilla_job():
    with pytest.raises(ValueError, match='mapreduce and shell'):
        jobs.job_command(cluster(), base.JobSpec(job_type='spark',
                                                 main='x.py'))


def test_plugin_offers_mapreduce_and_shell_jobs():
    plugin = plugins.get_plugin('vanilla')
    assert plugin.supported_job_types('3.4.1') == ('mapreduce', 'shell')
    assert 'yarn jar' in plugin.job_command(cluster(), base.JobSpec(
        job_type='mapreduce', main='a.jar')).command
