"""The benchmark's own arithmetic and parsing (benchmarks/): verdicts,
medians and ranges, /proc parsing, figure assembly from samples, the
stand-in Hadoop's answers, the CLI's plan of lock holds. No timing
asserts, no sandbox."""

import json
import os
import subprocess

import pytest

from benchmarks import fig_agent
from benchmarks import fig_e2e
from benchmarks import fig_fanout
from benchmarks import fig_infra
from benchmarks import fig_scale
from benchmarks import fig_template
from benchmarks import procstat
from benchmarks import results
from benchmarks import run
from benchmarks import sandbox
from benchmarks import stubhadoop

SAV, RG = fig_infra.SAVANNA, fig_infra.RG
DEFAULT = dict(run.DEFAULT_SETTINGS)


# -- results ------------------------------------------------------------------
def test_verdicts_and_line():
    assert results.Figure('a', 1.1, 1.1).verdict == 'ok'
    assert results.Figure('a', 1.11, 1.1).verdict == 'MISSED'
    assert results.Figure('a', 1.0, 1.0, op=results.LT).verdict == 'MISSED'
    assert results.Figure('a', 3.0).verdict == 'info'
    fig = results.Figure('a', None, 2.0, error='boom')
    assert fig.verdict == 'ERROR'
    assert fig.line().split()[:4] == ['a', '-', '<=2.00', 'ERROR']


def test_figure_of_samples_is_their_median_with_range():
    fig = results.Figure.of('1 infra', [1.3, 0.9, 1.0, None], 1.1,
                            unit='x')
    assert fig.value == 1.0 and fig.verdict == 'ok'
    assert fig.samples == [1.3, 0.9, 1.0]
    assert fig.range == (0.9, 1.3)
    assert fig.line().split() == ['1', 'infra', '1.00x', '[0.90-1.30]',
                                  'n=3', '<=1.10x', 'ok']
    assert fig.to_dict()['range'] == (0.9, 1.3)
    empty = results.Figure.of('e', [None], 1.0)
    assert empty.verdict == 'ERROR' and empty.error == 'no sample'
    assert results.Figure.of('s', [2.0]).range_text() == 'n=1'


def test_median_spread_ratios():
    assert results.median([3, None, 1, 2]) == 2
    assert results.median([None]) is None
    assert results.spread([3, 1, None]) == (1, 3)
    assert results.ratio(3, 2) == 1.5
    assert results.ratio(None, 2) is None
    assert results.ratio(1, 0) is None
    assert results.per_node(400, 100) == 4
    assert results.ratios([2, 3, None], [1, 0, 1]) == [2.0, None, None]


def test_summary_names_missed_and_errors():
    figs = [results.Figure('a', 1, 2), results.Figure('b', 3, 2),
            results.Figure('c', None, 2), results.Figure('d', 5)]
    counts, text = results.summary(figs)
    assert counts == {'ok': 1, 'MISSED': 1, 'ERROR': 1, 'info': 1}
    assert text.endswith('(b, c)')


def test_write_json(tmp_path):
    path = str(tmp_path / 'bench.json')
    results.write_json(path, [results.Figure('a', 1, 2)], {'nodes': 3},
                       'now', 1.23, extra={'samples': [{'kind': 'x'}]})
    doc = json.load(open(path))
    assert doc['figures'][0]['verdict'] == 'ok'
    assert doc['params'] == {'nodes': 3}
    assert doc['machine']['cpus'] >= 1
    assert doc['samples'] == [{'kind': 'x'}]


def test_commit_names_the_checkout():
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    assert results.commit(root)


# -- procstat -----------------------------------------------------------------
def test_parse_proc_stat_with_odd_command_name():
    text = ('1234 (heat-engine: (x) y) S 42 1234 1234 0 -1 4194560 100 0 '
            '0 0 250 50 0 0 20 0 3 0 100 1000 100')
    assert procstat.parse_stat(text) == (42, 300)


def test_parse_status_and_machine_busy():
    status = 'Name:\theat-engine\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n'
    assert procstat.parse_status_kib(status, 'VmRSS') == 1024
    assert procstat.parse_status_kib(status, 'VmSwap') == 0
    busy, total = procstat.parse_proc_stat_busy(
        'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n')
    assert (busy, total) == (150, 1000)


def test_family_and_meter_on_this_process():
    pid = os.getpid()
    assert pid in procstat.family(pid)
    meter = procstat.Meter({'self': pid}).start()
    sum(i * i for i in range(200000))
    mark = meter.mark('done')
    meter.stop()
    assert mark['self']['cpu_s'] >= 0
    assert set(procstat.cpu_of(mark)) == {'self'}


def test_delta_per_family_and_process():
    before = {'heat-engine': {1: 10.0, 2: 5.0}}
    after = {'heat-engine': {1: 12.0, 2: 5.5, 3: 1.0}}
    d = procstat.delta(before, after)
    assert d['heat-engine']['cpu_s'] == pytest.approx(3.5)
    assert d['heat-engine']['per_pid'] == {1: 2.0, 2: 0.5, 3: 1.0}
    assert procstat.busiest_share({1: 3.0, 2: 1.0}) == 0.75
    assert procstat.busiest_share({1: 0.0}) is None


def test_part_pids_from_run_records(tmp_path):
    (tmp_path / 'heat-engine.json').write_text('{"pid": 42}')
    (tmp_path / 'mariadb.json').write_text('not json')
    assert procstat.part_pids(str(tmp_path)) == {'heat-engine': 42}


# -- sandbox (pure parts) -----------------------------------------------------
def _row(name, depth, updated='t0', template=1, key=1, phys='p'):
    return dict(name=name, stack_id='s', depth=depth, updated_at=updated,
                template=template, atomic_key=key, physical_id=phys)


def test_touched_counts_rows_stored_again_below_a_depth():
    before = {1: _row('workers-0-set', 1), 2: _row('workers-0', 2),
              3: _row('workers-0-port', 2), 4: _row('workers-1', 2)}
    after = {1: _row('workers-0-set', 1, updated='t1', template=2),
             2: _row('workers-0', 2),
             3: _row('workers-0-port', 2, key=2),
             5: _row('workers-9', 2)}
    changed, replaced = sandbox.touched(before, after, 2)
    assert changed == ['workers-0-port', 'workers-1']
    assert replaced == ['workers-1']
    assert sandbox.touched(before, after, 1)[0] == [
        'workers-0-port', 'workers-0-set', 'workers-1']


def test_settings_env_empty_means_the_default():
    assert sandbox.settings_env() == {sandbox.ENGINE_WORKERS_ENV: '',
                                      sandbox.NODE_SET_SIZE_ENV: '',
                                      sandbox.CONCURRENT_SETS_ENV: ''}
    env = sandbox.settings_env(engine_workers=4, node_set_size=5,
                               max_concurrent_node_sets=0)
    assert env == {sandbox.ENGINE_WORKERS_ENV: '4',
                   sandbox.NODE_SET_SIZE_ENV: '5',
                   sandbox.CONCURRENT_SETS_ENV: '0'}


def test_sandbox_reads_the_variables_the_benchmark_sets():
    from savanna_sandbox.services import heat
    assert heat.ENGINE_WORKERS_ENV == sandbox.ENGINE_WORKERS_ENV
    assert heat.NODE_SET_SIZE_ENV == sandbox.NODE_SET_SIZE_ENV
    assert heat.CONCURRENT_SETS_ENV == sandbox.CONCURRENT_SETS_ENV
    assert heat.run_settings(sandbox.settings_env(4, 5, 0)) == \
        (4, {'node_set_size': 5, 'max_concurrent_node_sets': 0})


# -- the stand-in Hadoop ------------------------------------------------------
def test_stub_hadoop_answers_as_the_plugin_parses(tmp_path):
    from heat_savanna.plugins import base
    from heat_savanna.plugins.vanilla import reports
    home = stubhadoop.install(str(tmp_path), 'c1')
    env = dict(os.environ, STUB_HADOOP_STATE=str(tmp_path / 'state'))

    def run_tool(*argv):
        return subprocess.run([os.path.join(home, 'bin', argv[0])] +
                              list(argv[1:]), env=env, capture_output=True,
                              text=True, timeout=30)
    assert run_tool('hdfs', '--daemon', 'status', 'datanode').returncode
    assert run_tool('hdfs', '--daemon', 'start', 'datanode').returncode == 0
    assert run_tool('yarn', '--daemon', 'start',
                    'nodemanager').returncode == 0
    assert run_tool('hdfs', '--daemon', 'status',
                    'datanode').returncode == 0
    me = subprocess.run(['hostname'], capture_output=True,
                        text=True).stdout.strip()
    node = base.NodeInfo(name='worker-0', group='worker',
                         processes=('datanode', 'nodemanager'),
                         management_ip='10.0.0.1', internal_ip='10.0.0.1',
                         fqdn=me)
    report = reports.parse_dfsadmin_report(
        run_tool('hdfs', 'dfsadmin', '-report').stdout)
    assert reports.datanode_state(report, node) == ('live', 'Normal')
    nodes = reports.parse_yarn_node_list(
        run_tool('yarn', 'node', '-list', '-all').stdout)
    assert reports.nodemanager_state(nodes, node) == 'RUNNING'
    assert run_tool('hdfs', 'namenode', '-format').returncode == 0
    assert stubhadoop.registered(home, 'datanode') == [me]
    run_tool('hdfs', '--daemon', 'stop', 'datanode')
    assert stubhadoop.registered(home, 'datanode') == []
    assert stubhadoop.install(str(tmp_path), 'c2') != home


# -- figures 1, 5, 7, 8 -------------------------------------------------------
def _create(side, nodes, infra, cpu, requests=100, settings=None, **kw):
    sample = {'kind': 'create', 'side': side, 'nodes': nodes,
              'settings': dict(settings or DEFAULT), 'call_s': 0.5,
              'infra_s': infra, 'done_s': infra + 10,
              'cpu_infra': {'heat-engine': cpu, 'heat-api': 1.0,
                            'mariadb': 2.0},
              'cpu_done': {'heat-engine': cpu + 1, 'heat-api': 1.0,
                           'mariadb': 2.0},
              'requests': requests, 'requests_by_service': {},
              'engine_peak_rss_mib': 300.0, 'engine_share': 0.6,
              'engine_processes': 3, 'status': 'ok'}
    sample.update(kw)
    return sample


def test_create_figures_pair_the_rounds():
    samples = [_create(SAV, 100, 50, 20), _create(RG, 100, 40, 25),
               _create(RG, 100, 50, 25), _create(SAV, 100, 50, 30),
               _create(SAV, 25, 10, 5)]
    figs = {f.name: f for f in fig_infra.figures_create(samples, 100)}
    one = figs['1 create 100 nodes vs RG']
    assert one.samples == [1.25, 1.0]
    assert one.value == pytest.approx(1.125)
    assert one.verdict == 'MISSED'
    assert figs['5c engine CPU/node vs RG'].samples == [0.8, 1.2]
    assert figs['5b engine CPU s/node'].samples == [0.2, 0.3]
    assert figs['5g MariaDB CPU/node vs RG'].value == 1.0
    assert figs['5d engine peak RSS'].verdict == 'info'
    assert figs['1b create+configure vs RG create'].samples == [1.5, 1.2]


def test_pick_filters_by_settings():
    samples = [_create(SAV, 100, 50, 20),
               _create(SAV, 100, 40, 20, settings={'engine_workers': 4,
                                                   'node_set_size': 1})]
    assert len(fig_infra.pick(samples, side=SAV, nodes=100)) == 2
    assert [s['infra_s'] for s in fig_infra.pick(
        samples, side=SAV, engine_workers=4)] == [40]


def test_linear_figure_per_node_cpu():
    samples = [_create(SAV, 100, 50, 20), _create(SAV, 25, 10, 4),
               _create(SAV, 100, 50, 30), _create(SAV, 25, 10, 6)]
    fig = fig_infra.figure_linear(samples, 100, 25)
    assert fig.samples == [pytest.approx(1.25), pytest.approx(1.25)]
    assert fig.target == 1.15 and fig.verdict == 'MISSED'


def test_workers_figures_against_one_worker():
    def s(side, w, infra):
        return _create(side, 50, infra, 10, settings={
            'engine_workers': w, 'node_set_size': 1})
    samples = [s(SAV, 1, 80), s(RG, 1, 60), s(SAV, 2, 40), s(RG, 2, 40)]
    figs = fig_infra.figures_workers(samples, 50)
    assert [f.name for f in figs] == [
        '7 1 engine worker: create vs RG',
        '7 2 engine workers: create vs RG']
    assert figs[0].value == pytest.approx(80 / 60.)
    assert figs[1].detail['speedup_vs_1_worker'] == {SAV: 2.0, RG: 1.5}


def test_pacing_hold_and_figures():
    # by default the figure compares a limit of 5 with the default (no
    # limit): never the default with itself
    args = run.parse_args(['--only', '11', '--rounds', '2'])
    assert args.pacing == 5 != \
        run.DEFAULT_SETTINGS['max_concurrent_node_sets']
    args = run.parse_args(['--only', '11', '--rounds', '2',
                           '--pacing', '0'])
    holds = run.plan(args)
    assert [h.name for h in holds] == ['pacing-0-round-1',
                                       'pacing-0-round-2']
    assert holds[0].settings == dict(run.DEFAULT_SETTINGS,
                                     max_concurrent_node_sets=0)

    def s(at_once, infra, cpu):
        return _create(SAV, 100, infra, cpu, settings=dict(
            run.DEFAULT_SETTINGS, max_concurrent_node_sets=at_once))
    figs = fig_infra.figures_setting(
        [s(0, 40, 50), s(5, 60, 40), s(0, 44, 60)], 100, '11',
        'max_concurrent_node_sets', 0, 5, {'node_set_size': 5})
    assert [f.name for f in figs] == [
        '11 create max_concurrent_node_sets 5 vs 0',
        '11b engine CPU max_concurrent_node_sets 5 vs 0']
    assert [f.samples for f in figs] == [[1.5], [0.8]]


def test_set_size_figures():
    def s(size, infra, cpu):
        return _create(SAV, 100, infra, cpu, settings={
            'engine_workers': 2, 'node_set_size': size})
    scale = {'kind': 'scale', 'side': SAV, 'nodes': 100, 'seconds': 20,
             'cpu': {fig_infra.ENGINE: 20.0},
             'settings': {'engine_workers': 2, 'node_set_size': 1}}
    scale5 = dict(scale, seconds=10, cpu={fig_infra.ENGINE: 5.0},
                  settings={'engine_workers': 2, 'node_set_size': 5})
    figs = fig_infra.figures_set_size(
        [s(1, 100, 50), s(5, 80, 30), scale, scale5], 100, (1, 5))
    assert [f.value for f in figs] == [0.8, 0.6, 0.5, 0.25]
    assert figs[-1].name == '8d scale-up engine CPU node_set_size 5 vs 1'


def _shape(shape, infra, cpu, delete_s, resources, nodes=100):
    return _create(RG, nodes, infra, cpu, kind='shape', shape=shape,
                   delete_s=delete_s, resources=resources)


def test_shape_figures_pair_lean_with_full_by_round():
    samples = [_shape('full', 110, 50, 60, 503),
               _shape('lean', 80, 30, 40, 303),
               _shape('lean', 70, 36, 30, 303),
               _shape('full', 100, 40, 50, 503),
               _shape('lean', 75, 33, 35, 303),      # no full pair: left out
               _create(RG, 100, 999, 999)]           # figure 1's, not 12's
    figs = {f.name: f for f in fig_infra.figures_shapes(samples, 100)}
    assert figs['12 create 100 nodes lean vs full'].samples == [
        pytest.approx(80 / 110.), pytest.approx(0.7)]
    assert figs['12 create 100 nodes, full'].samples == [110, 100]
    assert figs['12b engine CPU lean vs full'].samples == [
        pytest.approx(0.6), pytest.approx(0.9)]
    assert figs['12c engine CPU/node, lean'].samples == [
        pytest.approx(0.3), pytest.approx(0.36)]
    assert figs['12d delete lean vs full'].samples == [
        pytest.approx(40 / 60.), pytest.approx(0.6)]
    assert figs['12e resources in the tree lean vs full'].value == \
        pytest.approx(303 / 503.)
    assert figs['12e resources in the tree, lean'].value == 303
    # 5 resources a node (4 + the member stack resource) against 3
    assert figs['12f nodes fit: 1 volume, full members'].value == 199
    assert figs['12f nodes fit: 1 volume, lean members'].value == 332
    assert all(f.verdict == 'info' for f in figs.values())
    empty = fig_infra.figures_shapes([], 100)
    assert empty and all(f.verdict == 'ERROR' for f in empty)


def test_lean_members_fit_as_their_count_says():
    # figure 12's count from the rows agrees with figure 6d's formula
    for lean, per_node in ((False, 5), (True, 3)):
        total = fig_template.resourcegroup_resources(100, lean=lean)
        assert total == fig_infra.RG_SHARED + 100 * per_node
        assert fig_infra.fit_under(per_node) == fig_template.nodes_fit(
            lambda n: fig_template.resourcegroup_resources(n, lean=lean))
    fits = {f.name: f.value for f in fig_template.figures_fit()}
    assert fits['6d nodes fit: 1 volume, ResourceGroup of lean members'] \
        == 332


def test_lean_member_takes_and_gives_what_the_full_one_does():
    import yaml
    full, lean = [yaml.safe_load(fig_infra.read_template(m))
                  for m in (fig_infra.MEMBER, fig_infra.LEAN_MEMBER)]
    assert lean['parameters'] == full['parameters']
    assert set(lean['outputs']) == set(full['outputs']) == {'fixed_ip'}
    assert lean['conditions'] == full['conditions']
    assert sorted(r['type'] for r in lean['resources'].values()) == [
        'OS::Cinder::Volume', 'OS::Nova::Server']


def test_shape_faults_pick_one_member_and_read_the_failed_rows():
    from benchmarks import shape_faults as sf
    lean = sf.faults('lean', 'st', 'port')['resource_failure']
    assert lean == {'port_create': {'descriptions': ['st-node-1']}}
    attach = sf.faults('lean', 'st', 'attach')['resource_failure']
    assert attach == {'volume_attach': {'names': ['st-node-3']}}
    assert attach == sf.faults('full', 'st', 'attach')['resource_failure']
    full = sf.faults('full', 'st', 'port')['resource_failure'][
        'port_create']
    import fnmatch
    port = 'st-nodes-abcdef123456-1-xyz789abc012-port-q1w2e3r4t5y6'
    assert fnmatch.fnmatchcase(port, full['names'][0])
    assert not fnmatch.fnmatchcase(port.replace('-1-', '-3-'),
                                   full['names'][0])
    assert sf.member_index('st-nodes-abcdef123456-3-xyz789abc012') == 3
    assert sf.member_index('st') is None
    rows = [('st-nodes-a1-3-b2', 2, 'server', 'OS::Nova::Server', 'FAILED',
             'ResourceInError:  resources.server:\n Went to ERROR'),
            ('st-nodes-a1-1-c3', 2, 'server', 'OS::Nova::Server',
             'COMPLETE', ''),
            ('st-nodes-a1', 1, '3', 'member.yaml', 'FAILED', 'x')]
    found = sf.failed_rows('lean', rows)
    assert found == [{'shape': 'lean', 'member': 3, 'resource': 'server',
                      'type': 'OS::Nova::Server',
                      'reason': 'ResourceInError: resources.server: Went '
                      'to ERROR'}]
    assert sf.table(found)[0].startswith('lean  member 3: server')


def test_shape_holds_alternate_the_member_that_goes_first():
    args = run.parse_args(['--only', '12', '--rounds', '3'])
    holds = run.plan(args)
    assert [h.name for h in holds] == ['shapes-round-1', 'shapes-round-2',
                                       'shapes-round-3']
    assert holds[0].settings == run.DEFAULT_SETTINGS
    assert run._shapes(0) == ('full', 'lean')
    assert run._shapes(1) == ('lean', 'full')
    assert [len(h.steps) for h in holds] == [2, 2, 2]
    assert set(fig_infra.SHAPES.values()) == {'member.yaml',
                                              'member-lean.yaml'}
    # a lean member's port is named by Heat after its server resource
    assert 'server-port-0'.startswith(run.LEAK_PREFIXES)


# -- figure 4 -----------------------------------------------------------------
def test_huge_figure_reports_a_side_that_was_not_built():
    built = [_create(SAV, 300, 120, 90, volumes=0),
             _create(SAV, 300, 130, 99, volumes=0),
             _create(SAV, 300, 50, 9)]          # with volumes: not figure 10
    stuck = {'kind': 'create', 'side': RG, 'nodes': 300, 'volumes': 0,
             'settings': dict(DEFAULT), 'infra_s': None,
             'error': 'stack x still (CREATE, IN_PROGRESS) after 900s',
             'stuck': {'depth 1 CREATE IN_PROGRESS': 128}}
    figs = fig_infra.figures_huge(built[:2] + [built[2], stuck])
    assert [f.name for f in figs] == ['10 create 300 nodes, no volumes']
    assert figs[0].samples == [120, 130] and figs[0].verdict == 'info'
    assert figs[0].detail['resourcegroup'][0].startswith('NOT built')
    assert figs[0].detail['resourcegroup_stuck'] == [
        {'depth 1 CREATE IN_PROGRESS': 128}]
    both = fig_infra.figures_huge(built[:2] + [
        _create(RG, 300, 240, 120, volumes=0),
        _create(RG, 300, 260, 110, volumes=0)])
    named = {f.name: f for f in both}
    assert named['10b create 300 nodes vs RG'].samples == [0.5, 0.5]
    assert named['10c engine CPU/node 300 nodes vs RG'].samples == [
        pytest.approx(0.75), pytest.approx(0.9)]
    assert fig_infra.figures_huge([built[2]]) == []


def test_scale_up_adds_ten_percent():
    assert fig_scale.added_count(100) == 10
    assert fig_scale.added_count(10) == 1
    assert fig_scale.added_count(3) == 1
    assert run.grown(100) == 110 and run.fresh_size(100) == 10
    assert run.fresh_size(6) == 2


def _scale(side, seconds, replaced=(), touched=()):
    return {'kind': 'scale', 'side': side, 'nodes': 100, 'grown': 110,
            'settings': DEFAULT, 'seconds': seconds,
            'cpu': {'heat-engine': 5.0}, 'servers_replaced': list(replaced),
            'node_rows_touched': list(touched), 'rows_before': 500,
            'level1_rows_touched': 100, 'status': 'ok'}


def test_scale_figures():
    samples = [_scale(SAV, 26), _create(SAV, 10, 10, 2),
               _scale(RG, 80, touched=['node-1-port']),
               _create(RG, 10, 9, 2)]
    figs = {f.name: f for f in fig_scale.figures(samples, 100, 110)}
    assert figs['4 scale-up 100->110 vs create 10'].value == 26 / 20.
    assert figs['4 scale-up 100->110 vs create 10'].verdict == 'ok'
    assert figs['4b existing servers replaced'].verdict == 'ok'
    assert figs['4c existing nested rows touched'].value == 0
    rg = figs['4f RG existing nested rows touched']
    assert rg.value == 1 and rg.verdict == 'info'
    assert figs['4d RG scale-up 100->110 vs create 10'].value == 80 / 19.


# -- figure 2 -----------------------------------------------------------------
def test_fanout_prediction_and_bound():
    # 100 hosts, pool 16: 7 waves, unless the engine's CPU is longer
    assert fig_fanout.predicted_ratio(100, 16, 0.001, 0.2) == 7
    assert fig_fanout.predicted_ratio(100, 25, 0.012, 0.15) == 9
    assert fig_fanout.predicted_ratio(100, 16, 0.01, 0) is None
    assert fig_fanout.sandbox_bound(100, 16, 0.2, 8.0, 2) == 4.0
    assert fig_fanout.sandbox_bound(100, 16, 1.0, 8.0, 2) == 7.0


def test_fanout_figures():
    samples = [
        {'kind': 'fanout', 'hosts': 1, 'pool': 16, 'wall_s': 0.2,
         'engine_side_cpu_s': 0.01, 'machine_busy_s': 0.3, 'cpus': 2},
        {'kind': 'fanout', 'hosts': 100, 'pool': 16, 'wall_s': 4.4,
         'engine_side_cpu_s': 0.5, 'machine_busy_s': 8.0, 'cpus': 2}]
    figs = {f.name[:2]: f for f in fig_fanout.figures(samples, 100)}
    assert figs['2a'].value == 0.005 and figs['2a'].verdict == 'MISSED'
    assert figs['2b'].value == 7 and figs['2b'].verdict == 'MISSED'
    assert figs['2c'].value == pytest.approx(1.1)


# -- figure 3 -----------------------------------------------------------------
def test_e2e_figures_and_master_status():
    assert fig_e2e.alive_workers({'workers': [
        {'state': 'ALIVE'}, {'state': 'DEAD'}, {'state': 'ALIVE'}]}) == 2
    assert fig_e2e.alive_workers({}) == 0
    samples = [{'kind': 'e2e', 'workers': 1, 'registered_s': 20,
                'create_s': 22, 'total_s': 40, 'job_s': 18},
               {'kind': 'e2e', 'workers': 10, 'registered_s': 30,
                'create_s': 33, 'total_s': 50, 'job_s': 17}]
    figs = fig_e2e.figures(samples, 10)
    assert [f.value for f in figs] == [1.25, 1.5]
    assert figs[0].target == 1.5 and figs[1].verdict == 'info'


def test_e2e_template_is_the_example_without_its_job():
    tmpl = fig_e2e.cluster_only(fig_e2e.TEMPLATE)
    assert [r['type'] for r in tmpl['resources'].values()] == [
        'OS::Savanna::Cluster']
    assert 'pi_status' not in tmpl['outputs'] and 'status' in tmpl['outputs']
    assert 'pi_slices' not in tmpl['parameters']
    assert 'workers' in tmpl['parameters']


# -- figure 9 -----------------------------------------------------------------
def test_agent_figure_pairs_the_transports_within_a_round():
    assert fig_agent.order(0) == ('ssh', 'heat-agent')
    assert fig_agent.order(1) == ('heat-agent', 'ssh')

    def sample(transport, r, secs):
        return {'kind': 'agent', 'transport': transport, 'round': r,
                'workers': 10, 'create_s': secs, 'reason': 'ACTIVE'}
    samples = [sample('ssh', 0, 40), sample('heat-agent', 0, 60),
               sample('heat-agent', 1, 90), sample('ssh', 1, 45),
               # a round whose second create failed: no pair, no sample
               sample('ssh', 2, 41),
               sample('ssh', 0, 1) | {'workers': 2}]
    fig, = fig_agent.figures(samples, 10)
    assert fig.samples == [1.5, 2.0] and fig.value == 1.75
    assert fig.target is None and fig.verdict == 'info'
    assert fig.detail['ssh_create_s'] == [40, 45]
    assert fig_agent.figures([], 10)[0].verdict == 'ERROR'


# -- figure 6 -----------------------------------------------------------------
def test_tree_resources_match_the_generated_templates():
    for nodes, size in ((7, 1), (12, 5)):
        from heat_savanna.core import layout
        from heat_savanna.core import template
        from heat_savanna.core import validation
        spec = validation.check(fig_template.cluster_props(nodes))
        tpl = template.generate(spec, layout.Layout.initial(spec, size),
                                (), 'k', 'ssh-ed25519 AAAA')
        children = [template.node_set_template(r['properties'])
                    for r in tpl['resources'].values()
                    if r['type'] == template.NODE_SET_TYPE]
        total = 1 + len(tpl['resources']) + sum(
            len(c['resources']) for c in children)
        assert fig_template.tree_resources(nodes, size) == total


def test_nodes_fit_under_the_default_limit():
    assert fig_template.nodes_fit(lambda n: 3 + 5 * n) == 199
    assert fig_template.nodes_fit(lambda n: 2000) == 0
    assert fig_template.largest() == fig_template.nodes_fit(
        fig_template.tree_resources)
    assert fig_template.tree_resources(fig_template.largest()) <= 1000
    assert fig_template.tree_resources(fig_template.largest() + 1) > 1000
    fits = {f.name: f.value for f in fig_template.figures_fit()}
    assert fits['6d nodes fit: 1 volume, ResourceGroup'] == 199


def test_template_figure_props_are_valid():
    tpl = fig_template.generate_once(fig_template.cluster_props(20))
    node_sets = [r for r in tpl['resources'].values()
                 if r['type'] == 'OS::Savanna::NodeSet']
    # the master's set and 19 workers in sets of up to 5
    assert [len(r['properties']['nodes']) for r in node_sets] == [
        1, 5, 5, 5, 4]


def test_preview_figure():
    samples = [{'kind': 'preview', 'nodes': 199, 'seconds': s,
                'cpu': {'heat-engine': 1.0}} for s in (0.8, 1.2, 0.9)]
    fig = fig_template.figure_preview(samples, 199)
    assert fig.value == 0.9 and fig.verdict == 'ok'


# -- the CLI and its holds ----------------------------------------------------
def test_cli_defaults_quick_and_only():
    args = run.parse_args([])
    assert (args.nodes, args.small, args.fanout, args.workers,
            args.rounds, args.set_size) == (100, 25, 100, 10, 3, 1)
    # the default run is the plugin's default node set size
    assert run.DEFAULT_SETTINGS['node_set_size'] == 5
    quick = run.parse_args(['--quick', '--nodes', '8', '--only', '2,6'])
    assert quick.nodes == 8 and quick.fanout == run.QUICK['fanout']
    assert quick.only == ['2', '6']
    assert run.parse_args(['--only', '10']).huge == fig_infra.HUGE == 300
    with pytest.raises(SystemExit):
        run.parse_args(['--only', '99'])
    with pytest.raises(SystemExit):
        run.parse_args(['--rounds', '0'])


def test_plan_one_hold_per_round_alternating():
    args = run.parse_args(['--only', '1,4,5,7,8,3'])
    names = [h.name for h in run.plan(args)]
    assert names == ['round-1', 'round-2', 'round-3',
                     'node-sets-1-round-1', 'node-sets-1-round-2',
                     'node-sets-1-round-3', 'engine-workers-1',
                     'engine-workers-4', 'e2e-round-1', 'e2e-round-2',
                     'e2e-round-3']
    holds = {h.name: h for h in run.plan(args)}
    assert holds['engine-workers-4'].settings == dict(run.DEFAULT_SETTINGS,
                                                      engine_workers=4)
    assert holds['round-1'].settings['node_set_size'] == 5
    assert holds['node-sets-1-round-1'].settings['node_set_size'] == 1
    # round: N both sides (then scaled), the added size, the small size
    assert len(holds['round-1'].steps) == 6
    assert run._sides(0) == (SAV, RG) and run._sides(1) == (RG, SAV)
    assert run.plan(run.parse_args(['--only', '2'])) == []
    only7 = [h.name for h in run.plan(run.parse_args(['--only', '7']))]
    assert only7[-1] == 'engine-workers-2'
    only9 = run.plan(run.parse_args(['--only', '9']))
    assert [h.name for h in only9] == ['agent-round-1', 'agent-round-2',
                                       'agent-round-3']
    assert only9[0].settings == run.DEFAULT_SETTINGS
    only10 = run.plan(run.parse_args(['--only', '10']))
    assert [(h.name, len(h.steps)) for h in only10] == [
        ('huge-round-1', 2), ('huge-round-2', 2), ('huge-round-3', 2)]


def test_figures_without_samples_are_errors_not_crashes():
    args = run.parse_args(['--only', '1,3,4,5,7,8,9'])
    figs = run.figures(args, [])
    assert figs and all(f.verdict in ('ERROR', 'info') for f in figs)
    leak = run.figures(args, [{'kind': 'leak', 'leaked': {'servers': 2}}])
    assert [f.value for f in leak if f.name == 'leaked resources'] == [2.0]


# -- profiles -----------------------------------------------------------------
def test_profile_summary_of_collapsed_stacks():
    from benchmarks import profile
    site = '/v/lib/python3.11/site-packages/'
    raw = '\n'.join([
        'main (%sheat/engine/worker.py:10);check (%sheat_savanna/x.py:5) 6'
        % (site, site),
        'main (%sheat/engine/worker.py:10);load (%sheat/engine/stack.py:9)'
        ';load (%sheat/engine/stack.py:12) 3' % (site, site, site),
        'setup (bench.py:1);_find_and_load (<frozen x>) 5',
        'garbage line', ''])
    stacks = profile.parse_collapsed(raw)
    assert len(stacks) == 3
    total, inclusive, own = profile.summarize(stacks, drop=('_find_and',))
    assert total == 9
    assert inclusive[0] == ('main (heat/engine/worker.py)', 9)
    # a recursive function counts once per stack
    assert ('load (heat/engine/stack.py)', 3) in inclusive
    assert own[0] == ('check (heat_savanna/x.py)', 6)
    _t, kept, _o = profile.summarize(stacks, keep=['heat_savanna'])
    assert kept == [('check (heat_savanna/x.py)', 6)]
    assert 'inclusive:' in profile.report(stacks)


def test_profile_route_diff_per_node():
    from benchmarks import profile
    mine = {'nodes': 10, 'requests_by_route': {
        'compute': {'GET /servers/{id}': 30, 'POST /servers': 10}}}
    theirs = {'nodes': 10, 'requests_by_route': {
        'compute': {'GET /servers/{id}': 20, 'POST /servers': 10},
        'image': {'GET /v2/images': 5}}}
    lines = profile.route_diff(mine, theirs).splitlines()
    assert lines[1].split() == ['3.00', '2.00', 'compute', 'GET',
                                '/servers/{id}']
    assert lines[2].split()[:2] == ['0.00', '0.50']


def test_delete_waits_until_the_name_is_free(monkeypatch):
    # Heat shows DELETE_COMPLETE before it soft-deletes the row: a create
    # of the same name right then is refused (seen in figure 7's holds).
    class Stack(object):
        id = 'sid'
        stack_name = 'bench-sav-50'
        stack_status = 'DELETE_COMPLETE'

    class Stacks(object):
        listed = 3
        calls = []

        def delete(self, name):
            self.calls.append(('delete', name))

        def get(self, name, resolve_outputs=True):
            return Stack()

        def list(self):
            self.listed -= 1
            return [Stack()] if self.listed > 0 else []

    class Heat(object):
        stacks = Stacks()

    monkeypatch.setattr(sandbox.time, 'sleep', lambda s: None)
    heat = Heat()
    sandbox.delete_stack(heat, 'sid')
    assert heat.stacks.listed == 0
    assert heat.stacks.calls == [('delete', 'sid')]
