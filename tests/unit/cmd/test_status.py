"""``heat-savanna status``: its output and exit codes (0 ACTIVE, 1
PARTIALLY_ACTIVE, 2 FAILED, building or unreadable), read through the same
code as ``openstack savanna cluster`` (tests/unit/osc/fakeheat.py stands in
for heat-api; tests/functional/test_osc.py runs it against the real one).
"""

import io
import os
import subprocess
import sys
import types

import pytest

from heat_savanna import cli
from heat_savanna.cmd import status
from tests.unit.osc import fakeheat


def run(heat, stack, resource=None):
    out, err = io.StringIO(), io.StringIO()
    code = status.run(types.SimpleNamespace(stack=stack, resource=resource),
                      heat=heat, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def one_cluster(state, workers=1, failed=(), resource_status=None):
    heat = fakeheat.FakeHeat()
    heat.add_stack('st')
    attrs = fakeheat.spark_attributes(state, workers=workers, failed=failed)
    heat.add_resource(
        'st', 'spark', reason=attrs['info']['summary'], attributes=attrs,
        status=resource_status or ('CREATE_FAILED' if state == 'FAILED'
                                   else 'CREATE_COMPLETE'))
    return heat


def test_active_prints_the_table_and_exits_0():
    code, out, err = run(one_cluster('ACTIVE'), 'st')
    assert code == 0 and err == ''
    assert out == (
        'spark: CREATE_COMPLETE (ACTIVE)\n'
        '  ACTIVE: 2/2 nodes active\n'
        'NAME      GROUP   PROCESSES  ADDRESS    STATE   PHASE  REASON\n'
        '--------  ------  ---------  ---------  ------  -----  ------\n'
        'master-0  master  master     10.0.0.3   ACTIVE\n'
        'worker-0  worker  worker     10.0.0.10  ACTIVE\n')


def test_partially_active_exits_1_and_shows_the_failed_node():
    code, out, err = run(one_cluster('PARTIALLY_ACTIVE', workers=2,
                                     failed=(1,)), 'st')
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == 'spark: CREATE_COMPLETE (PARTIALLY_ACTIVE)'
    assert lines[1] == ('  PARTIALLY_ACTIVE: worker 1/2 active (min 1); 1 '
                        'node to rebuild')
    assert lines[-1].split() == ['worker-1', 'worker', 'worker', '-',
                                 'FAILED', 'boot', 'No', 'valid', 'host']


def test_failed_exits_2():
    code, out, _err = run(one_cluster('FAILED'), 'st')
    assert code == 2
    assert out.startswith('spark: CREATE_FAILED (FAILED)\n')


def test_building_exits_2():
    code, out, _err = run(one_cluster('BUILDING',
                                      resource_status='CREATE_IN_PROGRESS'),
                          'st')
    assert code == 2
    assert out.startswith('spark: CREATE_IN_PROGRESS (BUILDING)\n')


def test_several_clusters_exit_with_the_worst():
    heat = one_cluster('ACTIVE')
    attrs = fakeheat.spark_attributes('PARTIALLY_ACTIVE', workers=2,
                                      failed=(0,))
    heat.add_resource('st', 'second', attributes=attrs)
    code, out, _err = run(heat, 'st')
    assert code == 1
    headings = [ln for ln in out.splitlines() if ln and ln[0] != ' ' and
                ':' in ln]
    assert headings == ['second: CREATE_COMPLETE (PARTIALLY_ACTIVE)',
                        'spark: CREATE_COMPLETE (ACTIVE)']
    # --resource reads one cluster only
    code, out, _err = run(heat, 'st', 'spark')
    assert code == 0 and 'second' not in out


def test_no_cluster_exits_2_on_stderr():
    heat = fakeheat.FakeHeat()
    heat.add_stack('plain')
    heat.add_resource('plain', 'net', rtype='OS::Neutron::Net')
    code, out, err = run(heat, 'plain')
    assert (code, out) == (2, '')
    assert err == 'error: stack plain has no OS::Savanna::Cluster resource\n'
    code, out, err = run(heat, 'plain', 'net')
    assert code == 2
    assert err == ('error: resource net in stack plain is a '
                   'OS::Neutron::Net, not an OS::Savanna::Cluster\n')


def test_missing_stack_exits_2():
    code, out, err = run(fakeheat.FakeHeat(), 'nope')
    assert (code, out, err) == (2, '', 'error: stack nope not found\n')


def test_unreachable_heat_exits_2():
    class Down(object):
        class resources(object):
            @staticmethod
            def list(*args, **kwargs):
                raise ConnectionRefusedError('connection refused')
    code, out, err = run(Down(), 'st')
    assert code == 2
    assert err == 'error: cannot read stack st: connection refused\n'


def test_through_the_cli_entry_point(monkeypatch, capsys):
    heat = one_cluster('PARTIALLY_ACTIVE', workers=2, failed=(0,))
    monkeypatch.setattr(status, 'heat_client_from_env', lambda: heat)
    assert cli.main(['status', 'st', '--resource', 'spark']) == 1
    assert 'spark: CREATE_COMPLETE (PARTIALLY_ACTIVE)' in \
        capsys.readouterr().out


def test_console_script_without_credentials_exits_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['HOME'] = str(tmp_path)        # no clouds.yaml either
    script = os.path.join(os.path.dirname(sys.executable), 'heat-savanna')
    done = subprocess.run([script, 'status', 'st'], capture_output=True,
                          text=True, env=env, cwd=str(tmp_path),
                          timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ''
    assert done.stderr.startswith('error: cannot read stack st: ')


@pytest.mark.parametrize('column', status.HEADERS)
def test_headers_are_the_osc_node_columns(column):
    from heat_savanna.osc import clusters
    assert column in [c.upper() for c in clusters.NODE_COLUMNS]
