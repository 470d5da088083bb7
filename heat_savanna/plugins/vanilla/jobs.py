"""Command lines of jobs on a vanilla Hadoop cluster: pure builders.

A ``mapreduce`` job is ``yarn jar JAR [MAIN_CLASS] -D key=value ... ARGS``
run as the cluster's Hadoop user (``general.hadoop_user``, the user the
daemons run as and HDFS's superuser), with the cluster's HADOOP_HOME and
HADOOP_CONF_DIR. The ``-D`` options come right after the main class, where
Hadoop's GenericOptionsParser (ToolRunner) reads them. A ``shell`` job is a
bash script run as the same user with the same environment. Hadoop cannot
run where heat-savanna is built: these command lines are proven by their
exact text only.
"""

import shlex

from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.vanilla import config

JOB_TYPES = (base.JOB_MAPREDUCE, base.JOB_SHELL)


def _general(cluster_info):
    master = cluster_info.node_running('resourcemanager') or \
        cluster_info.node_running('namenode')
    return config.settings(cluster_info, master)['general']


def work_root(cluster_info):
    """Where execution directories live on the master."""
    return '%s/jobs' % _general(cluster_info)['data_dir']


def environment(cluster_info):
    """``(name, value)`` pairs every job command gets."""
    return utils.job_environment('HADOOP', _general(cluster_info))


def yarn_jar_argv(cluster_info, job):
    """``yarn jar`` argv (unquoted) for a ``mapreduce`` job."""
    argv = ['%s/bin/yarn' % _general(cluster_info)['hadoop_home'], 'jar',
            job.main]
    if job.main_class:
        argv.append(job.main_class)
    for key, value in job.configs:
        argv += ['-D', '%s=%s' % (key, value)]
    return argv + [str(a) for a in job.args]


def job_command(cluster_info, job):
    env = environment(cluster_info)
    user = _general(cluster_info)['hadoop_user']
    if job.job_type == base.JOB_MAPREDUCE:
        q = shlex.quote
        command = ' '.join(
            ['runuser', '-u', q(user), '--', 'env'] +
            ['%s=%s' % (k, q(v)) for k, v in env] +
            [q(a) for a in yarn_jar_argv(cluster_info, job)])
    elif job.job_type == base.JOB_SHELL:
        command = base.shell_job_command(job, env, user=user)
    else:
        raise ValueError('the vanilla plugin runs %s jobs, not %r'
                         % (' and '.join(JOB_TYPES), job.job_type))
    return base.JobCommand(command=command, work_root=work_root(cluster_info),
                           owner=user)
