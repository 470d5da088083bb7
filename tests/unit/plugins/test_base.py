"""plugins/base.py: the plugin interface and its views."""

from heat_savanna.plugins import base


def node(name, *processes):
    return base.NodeInfo(name, name.rsplit('-', 1)[0], processes, '1.1.1.1',
                         '10.0.0.1')


def test_cluster_info_finds_the_node_running_a_process():
    nodes = (node('m-0', 'master'), node('w-0', 'worker'),
             node('w-1', 'worker'))
    ci = base.ClusterInfo('c', 'spark', '4.3.0', {}, nodes)
    assert ci.node_running('master') is nodes[0]
    assert ci.node_running('worker') is nodes[1]
    assert ci.node_running('namenode') is None
    assert ci.nodes_with('worker') == [nodes[1], nodes[2]]
    assert nodes[0].has('master') and not nodes[0].has('worker')


def test_step_is_wait():
    assert base.Step('w', wait=lambda n: ()).is_wait
    assert not base.Step('f', work=lambda n: base.NodeWork()).is_wait


def judge(document, name, since=''):
    return name in document and since != 'late'


def test_probe_holds_only_for_a_fetch_that_succeeded():
    probe = base.Probe('cat status', judge, ('w-0', base.MARK))
    assert probe.holds(0, 'w-0 ok')
    assert not probe.holds(7, 'w-0 ok')        # the fetch failed
    assert not probe.holds(0, 'w-1 ok')
    assert not probe.holds(0, 'w-0 ok', mark='late')   # MARK is the mark
    assert base.Probe('true').holds(0, '')     # no judge: the exit says


def test_probe_command_judges_on_the_node_by_the_same_source():
    import subprocess
    probe = base.Probe('echo w-0 ok', judge, ('w-0', base.MARK))

    def on_node(mark):
        return subprocess.run(['bash', '-c', 'SAVANNA_MARK=%s; %s' % (
            mark, probe.command())]).returncode
    assert on_node('') == 0
    assert on_node('late') == 1
    assert subprocess.run(['bash', '-c', base.Probe(
        'exit 127', judge).command()]).returncode == 127


def test_shell_job_command():
    job = base.JobSpec('shell', 'run me.sh', args=('a b',),
                       configs=(('K', 'v w'),))
    assert base.shell_job_command(job) == "env K='v w' bash 'run me.sh' 'a b'"
    assert base.shell_job_command(job, env=(('E', 1),), user='hadoop') == (
        "runuser -u hadoop -- env E=1 K='v w' bash 'run me.sh' 'a b'")
