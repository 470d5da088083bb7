"""Bootstrap scripts (core/bootstrap.py): parsed with their paths, one
step on the nodes being built, and their commands really run here."""

import os
import subprocess

import pytest

from heat_savanna.common import exceptions
from heat_savanna.core import bootstrap
from heat_savanna.core import model
from heat_savanna.plugins import base

BASE = {'plugin_name': 'spark', 'image': 'img', 'flavor': 'f',
        'management_network': 'net'}


def spec(cluster=None, workers=None):
    return model.parse_cluster(dict(BASE, bootstrap=cluster, node_groups=[
        {'name': 'master', 'count': 1, 'node_processes': ['master']},
        {'name': 'worker', 'count': 2, 'node_processes': ['worker'],
         'bootstrap': workers}]))


def node(name):
    return base.NodeInfo(name, name.split('-')[0], (), '10.0.0.1',
                         '10.0.0.1')


def errors(**kw):
    with pytest.raises(exceptions.InvalidCluster) as exc:
        spec(**kw)
    return [str(e) for e in exc.value.errors]


def test_parsed_with_defaults_and_checked_by_path():
    s = spec([{'name': 'motd', 'script': 'echo hi'}],
             [{'name': 'extras', 'script': 'true', 'timeout': 20}])
    assert s.bootstrap == (bootstrap.Script('motd', 'echo hi', 300),)
    assert s.group('worker').bootstrap == (
        bootstrap.Script('extras', 'true', 20),)
    assert errors(cluster=[{'name': 'a', 'script': 'x'},
                           {'name': 'a', 'script': 'y'}]) == [
        "bootstrap[1].name: a second script named 'a' (give every script "
        "of a list its own name)"]
    assert errors(workers=[{'name': 'a b', 'script': 'x', 'timeout': 0}]) \
        == ["node_groups[1].bootstrap[0].name: must be at most 64 letters, "
            "digits, \"-\", \"_\" or \".\", not 'a b'",
            'node_groups[1].bootstrap[0].timeout: must be between 1 and '
            '3600 seconds, not 0']
    assert errors(cluster=[{'name': 'a'}]) == [
        'bootstrap[0].script: is required']
    assert errors(cluster='echo hi')[0].startswith(
        'bootstrap: must be a list of scripts')


def test_one_step_on_the_nodes_that_have_scripts():
    s = spec([{'name': 'all', 'script': 'echo all'}],
             [{'name': 'extras', 'script': 'echo w', 'timeout': 20}])
    step = bootstrap.step(s, [node('master-0'), node('worker-3')])
    assert step.name == 'bootstrap' == bootstrap.PHASE
    assert [n.name for n in step.nodes] == ['master-0', 'worker-3']
    work = step.work(node('worker-3'))
    assert [f[0] for f in work.files] == [
        '/var/lib/heat-savanna/bootstrap/01-all',
        '/var/lib/heat-savanna/bootstrap/02-extras']
    assert {f[2] for f in work.files} == {0o700}
    assert len(step.work(node('master-0')).commands) == 1
    assert bootstrap.step(spec(), [node('worker-0')]) is None
    only_workers = bootstrap.step(spec(workers=[{'name': 'x',
                                                 'script': 'true'}]),
                                  [node('master-0'), node('worker-0')])
    assert [n.name for n in only_workers.nodes] == ['worker-0']


def run_work(work, directory):
    """What a transport does with the work, here with bash: the files in
    place, then each command until one fails."""
    for path, content, mode in work.files:
        path = path.replace(bootstrap.DIRECTORY, directory)
        with open(path, 'w') as f:
            f.write(content)
        os.chmod(path, mode)
    for command in work.commands:
        done = subprocess.run(
            ['bash', '-c', command.replace(bootstrap.DIRECTORY, directory)],
            capture_output=True, text=True, timeout=30)
        if done.returncode:
            return done.returncode, done.stderr
    return 0, ''


def test_the_commands_run_in_order_and_fail_naming_the_script(tmp_path):
    s = spec([{'name': 'first', 'script': '#!/bin/sh\necho one > done1'}],
             [{'name': 'broken', 'script': 'echo no repo >&2; exit 3'},
              {'name': 'never', 'script': 'touch never'}])
    work = bootstrap.step(s, [node('worker-0')]).work(node('worker-0'))
    assert run_work(work, str(tmp_path)) == (3, 'no repo\n')
    assert (tmp_path / 'done1').read_text() == 'one\n'
    assert not (tmp_path / 'never').exists()
    slow = spec(workers=[{'name': 'slow', 'script': 'sleep 5',
                          'timeout': 1}])
    work = bootstrap.step(slow, [node('worker-0')]).work(node('worker-0'))
    assert run_work(work, str(tmp_path)) == (
        124, 'bootstrap script slow ran past its timeout of 1 s\n')


def test_a_change_is_said_to_apply_to_new_nodes_only():
    before = spec([{'name': 'a', 'script': 'x'}])
    assert bootstrap.change_event(before, before, 3) is None
    after = spec([{'name': 'a', 'script': 'y'}],
                 [{'name': 'b', 'script': 'z'}])
    assert bootstrap.change_event(before, after, 3) == (
        'bootstrap scripts changed (cluster, worker): they run on the nodes '
        'built from now on (a heal, a scale-up), not on the 3 running nodes')
