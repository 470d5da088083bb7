"""The spark plugin's job command lines, exactly (plugins/spark/jobs.py)."""

import shlex

import pytest

from heat_savanna import plugins
from heat_savanna.plugins import base
from heat_savanna.plugins.spark import jobs


def node(name, ip, *processes):
    return base.NodeInfo(name=name, group=name.rsplit('-', 1)[0],
                         processes=processes, management_ip=ip,
                         internal_ip=ip)


def cluster(configs=None):
    return base.ClusterInfo(
        name='c', plugin_name='spark', plugin_version='4.3.0',
        cluster_configs=configs or {},
        nodes=(node('master-0', '10.0.0.2', 'master'),
               node('worker-0', '10.0.0.3', 'worker')))


def spec(**kw):
    values = dict(job_type='spark', main='main.py')
    values.update(kw)
    return base.JobSpec(**values)


def test_python_file_is_submitted_to_the_master_url_with_confs():
    cmd = jobs.job_command(cluster(), spec(
        args=('10', 'two words'),
        configs=(('spark.executor.memory', '512m'),
                 ('spark.app.name', "it's mine"))))
    assert cmd.command == (
        "env SPARK_HOME=/opt/spark SPARK_CONF_DIR=/etc/spark/conf "
        "/opt/spark/bin/spark-submit --master spark://10.0.0.2:7077 "
        "--deploy-mode client --conf spark.executor.memory=512m "
        "--conf 'spark.app.name=it'\"'\"'s mine' main.py 10 'two words'")
    assert cmd.work_root == '/var/lib/spark/jobs'
    assert cmd.owner is None


def test_jar_with_a_main_class_and_cluster_paths():
    info = cluster({'general': {'spark_home': '/srv/spark',
                                'master_port': 7177,
                                'java_home': '/usr/lib/jvm/java-17'}})
    cmd = jobs.job_command(info, spec(
        main='/srv/spark/examples/jars/spark-examples.jar',
        main_class='org.apache.spark.examples.SparkPi', args=('100',)))
    argv = shlex.split(cmd.command)
    assert argv[:4] == ['env', 'SPARK_HOME=/srv/spark',
                        'SPARK_CONF_DIR=/etc/spark/conf',
                        'JAVA_HOME=/usr/lib/jvm/java-17']
    assert argv[4:] == [
        '/srv/spark/bin/spark-submit', '--master', 'spark://10.0.0.2:7177',
        '--deploy-mode', 'client', '--class',
        'org.apache.spark.examples.SparkPi',
        '/srv/spark/examples/jars/spark-examples.jar', '100']


def test_shell_job_gets_the_spark_environment_and_its_configs():
    cmd = jobs.job_command(cluster(), spec(
        job_type='shell', main='main.sh', args=('a b', '$HOME'),
        configs=(('WORDS', '1 2; rm -rf /'),)))
    assert cmd.command == (
        "env SPARK_HOME=/opt/spark SPARK_CONF_DIR=/etc/spark/conf "
        "WORDS='1 2; rm -rf /' bash main.sh 'a b' '$HOME'")


def test_every_value_reaching_the_shell_is_quoted():
    nasty = "x'; touch /tmp/pwned; echo '"
    cmd = jobs.job_command(cluster(), spec(
        main=nasty, main_class=nasty, args=(nasty,),
        configs=((nasty, nasty),)))
    argv = shlex.split(cmd.command)
    assert argv.count(nasty) == 3           # main, main class, argument
    assert '%s=%s' % (nasty, nasty) in argv


def test_mapreduce_is_not_a_spark_job():
    with pytest.raises(ValueError, match='spark and shell'):
        jobs.job_command(cluster(), spec(job_type='mapreduce'))


def test_no_master_no_command():
    info = base.ClusterInfo(name='c', plugin_name='spark',
                            plugin_version='4.3.0', cluster_configs={},
                            nodes=(node('worker-0', '10.0.0.3', 'worker'),))
    with pytest.raises(ValueError, match='no live Spark master'):
        jobs.job_command(info, spec())


def test_plugin_offers_spark_and_shell_jobs():
    plugin = plugins.get_plugin('spark')
    assert plugin.supported_job_types('4.3.0') == ('spark', 'shell')
    assert plugin.job_command(cluster(), spec()).command.startswith('env ')
