"""The benchmark's own arithmetic and parsing (benchmarks/): verdicts,
ratios, /proc parsing, figure assembly, the CLI's defaults. No timing
asserts, no sandbox."""

import json

import pytest

from benchmarks import fig_infra
from benchmarks import fig_scale
from benchmarks import fig_template
from benchmarks import procstat
from benchmarks import results
from benchmarks import run


def test_verdicts_and_line():
    assert results.Figure('a', 1.1, 1.1).verdict == 'ok'
    assert results.Figure('a', 1.11, 1.1).verdict == 'MISSED'
    assert results.Figure('a', 1.0, 1.0, op=results.LT).verdict == 'MISSED'
    assert results.Figure('a', 3.0).verdict == 'info'
    fig = results.Figure('a', None, 2.0, error='boom')
    assert fig.verdict == 'ERROR'
    assert fig.line().split()[:4] == ['a', '-', '<=2.00', 'ERROR']
    line = results.Figure('1 infra', 1.234, 1.1, unit='x').line()
    assert line.split() == ['1', 'infra', '1.23x', '<=1.10x', 'MISSED']


def test_ratio_and_per_node():
    assert results.ratio(3, 2) == 1.5
    assert results.ratio(None, 2) is None
    assert results.ratio(1, 0) is None
    assert results.per_node(400, 100) == 4


def test_summary_names_missed_and_errors():
    figs = [results.Figure('a', 1, 2), results.Figure('b', 3, 2),
            results.Figure('c', None, 2), results.Figure('d', 5)]
    counts, text = results.summary(figs)
    assert counts == {'ok': 1, 'MISSED': 1, 'ERROR': 1, 'info': 1}
    assert text.endswith('(b, c)')


def test_write_json(tmp_path):
    path = str(tmp_path / 'bench.json')
    results.write_json(path, [results.Figure('a', 1, 2)], {'nodes': 3},
                       'now', 1.23)
    doc = json.load(open(path))
    assert doc['figures'][0]['verdict'] == 'ok'
    assert doc['params'] == {'nodes': 3}
    assert doc['machine']['cpus'] >= 1


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


def test_family_finds_this_process():
    import os
    assert os.getpid() in procstat.family(os.getpid())


def _run(seconds, requests, cpu):
    return {'seconds': seconds, 'requests': requests,
            'requests_by_service': {}, 'engine_cpu_s': cpu,
            'engine_peak_rss_mib': 300.0}


def test_infra_figures_arithmetic():
    figs = {f.name: f for f in fig_infra.figures(
        _run(50, 1200, 20), _run(40, 1000, 25), 100)}
    assert figs['1 infra vs ResourceGroup'].value == 1.25
    assert figs['1 infra vs ResourceGroup'].verdict == 'MISSED'
    assert figs['5a API requests/node vs RG'].value == pytest.approx(1.2)
    assert figs['5b engine CPU s/node'].value == 0.2
    assert figs['5c engine CPU/node vs RG'].value == pytest.approx(0.8)
    assert figs['5d engine peak RSS'].verdict == 'info'


def test_scale_up_adds_ten_percent():
    assert fig_scale.added_count(100) == 10
    assert fig_scale.added_count(10) == 1
    assert fig_scale.added_count(3) == 1


def test_scale_templates_keep_existing_nodes():
    gen, spec, layout, big, change = fig_scale._templates(10, 11)
    assert change.removed == ()
    assert change.added == ('worker-9',)
    before = gen(spec, layout, 's')['resources']
    after = gen(big, change.new_layout, 's')['resources']
    for name, res in before.items():
        assert after[name] == res       # nothing existing changes


def test_template_figure_props_are_valid():
    tpl = fig_template.generate_once(fig_template.cluster_props(20))
    node_sets = [r for r in tpl['resources'].values()
                 if r['type'] == 'OS::Savanna::NodeSet']
    assert len(node_sets) == 20


def test_cli_defaults_quick_and_only():
    args = run.parse_args([])
    assert (args.nodes, args.fanout, args.workers, args.scale_from,
            args.template_nodes) == (100, 100, 10, 100, 1000)
    quick = run.parse_args(['--quick', '--nodes', '8', '--only', '2,6'])
    assert quick.nodes == 8 and quick.fanout == run.QUICK['fanout']
    assert quick.only == ['2', '6']
    names = [names for names, _sb, _fn in run.plan(quick)]
    assert names == [['6 generate+validate'], ['2 fan-out']]
    with pytest.raises(SystemExit):
        run.parse_args(['--only', '9'])
