"""Command lines of jobs on a Spark standalone cluster: pure builders.

A ``spark`` job is ``spark-submit`` in client mode against the cluster's
master URL: the driver runs on the master, next to the engine's view of the
execution (its log, its exit code), and the executors on the workers. A
``.jar`` main program is submitted with ``--class`` when one is given (else
the jar's manifest names it); anything else is submitted as a Python file.
A ``shell`` job is a bash script with the cluster's Spark environment.
Jobs run as root, the user the Spark daemons run as.
"""

import shlex

from heat_savanna.plugins import base
from heat_savanna.plugins import utils
from heat_savanna.plugins.spark import config

JOB_TYPES = (base.JOB_SPARK, base.JOB_SHELL)

#: where execution directories live on the master
WORK_ROOT = '/var/lib/spark/jobs'


def environment(cluster_info):
    """``(name, value)`` pairs every job command gets."""
    return utils.job_environment('SPARK', config.settings(
        cluster_info, cluster_info.node_running('master'))['general'])


def submit_argv(cluster_info, job):
    """``spark-submit`` argv (unquoted) for a ``spark`` job."""
    g = config.settings(cluster_info, cluster_info.node_running('master'))[
        'general']
    argv = ['%s/bin/spark-submit' % g['spark_home'],
            '--master', config.master_url(cluster_info),
            '--deploy-mode', 'client']
    if job.main_class:
        argv += ['--class', job.main_class]
    for key, value in job.configs:
        argv += ['--conf', '%s=%s' % (key, value)]
    return argv + [job.main] + [str(a) for a in job.args]


def job_command(cluster_info, job):
    if cluster_info.node_running('master') is None:
        raise ValueError('the cluster has no live Spark master')
    env = environment(cluster_info)
    if job.job_type == base.JOB_SPARK:
        q = shlex.quote
        command = ' '.join(['env'] + ['%s=%s' % (k, q(v)) for k, v in env] +
                           [q(a) for a in submit_argv(cluster_info, job)])
    elif job.job_type == base.JOB_SHELL:
        command = base.shell_job_command(job, env)
    else:
        raise ValueError('the spark plugin runs %s jobs, not %r'
                         % (' and '.join(JOB_TYPES), job.job_type))
    return base.JobCommand(command=command, work_root=WORK_ROOT)
