"""Profiles for the figures that miss: the same scenario, untimed, with
py-spy (``pip install py-spy``) sampling the processes that do the work.

A profiler costs the process it samples CPU (and, unless told not to,
pauses it), so a profiled run is never a timed one: ``make bench`` runs
none of this. By hand, under no lock (each scenario takes the sandbox
lock itself, like run.py)::

    python benchmarks/profile.py create,scale,preview,baseline --nodes 100
    python benchmarks/profile.py fanout --fanout 100    # the SSH fan-out

The first samples heat-engine (all its processes) while a cluster is
created, while it is scaled up by 10%, during a stack preview and while
the ResourceGroup of the same nodes is created, in one sandbox hold (and
prints the API requests per node of both creates, route by route); the
second samples the fan-out's own process. Each writes py-spy's raw
(collapsed) stacks to files named after --out and prints the functions
with the most samples, inclusive and own, as the performance page quotes
them. Only samples holding the GIL are taken
(``--gil``): threads waiting on a socket are not CPU, and without native
unwinding py-spy cannot always tell that they wait.
"""

import argparse
import collections
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'contrib', 'sandbox'))


SCENARIOS = ('create', 'scale', 'preview', 'baseline', 'fanout')

#: frames of the fan-out benchmark's own set-up
FANOUT_SETUP = ('_find_and_load', 'Hosts.__init__', 'Hosts.close',
                'SSHHost.')


def parse_collapsed(text):
    """``[(frames, count)]`` from py-spy's raw output: one stack a line,
    frames separated by ';' (outermost first), then a space and a count.
    """
    stacks = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        stack, _, count = line.rpartition(' ')
        if not count.isdigit():
            continue
        stacks.append((stack.split(';'), int(count)))
    return stacks


def frame_name(frame):
    """``function (path:line)`` -> ``function (short path)``: py-spy's
    frame label without the line number and the venv prefix."""
    name, _, where = frame.partition(' (')
    where = where.rstrip(')')
    path = where.rsplit(':', 1)[0]
    for marker in ('site-packages/', 'lib/python3'):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return '%s (%s)' % (name, path) if path else name


def summarize(stacks, top=15, keep=None, drop=()):
    """``(total, inclusive, own)``: the sample count, and the ``top``
    functions by samples with them anywhere on the stack (counted once
    per stack) and at its top. ``keep``: only functions whose label
    contains one of these strings (e.g. 'heat_savanna', 'heat/');
    ``drop``: leave out whole stacks with a frame containing one of
    these (e.g. the benchmark's own set-up)."""
    stacks = [(f, c) for f, c in stacks
              if not any(d in frame for frame in f for d in drop)]
    total = sum(c for _f, c in stacks)
    inclusive = collections.Counter()
    own = collections.Counter()
    for frames, count in stacks:
        names = [frame_name(f) for f in frames]
        for name in set(names):
            if keep is None or any(k in name for k in keep):
                inclusive[name] += count
        if names and (keep is None or any(k in names[-1] for k in keep)):
            own[names[-1]] += count
    return total, inclusive.most_common(top), own.most_common(top)


def report(stacks, top=15, keep=None, drop=()):
    total, inclusive, own = summarize(stacks, top, keep, drop)
    lines = ['%d samples' % total, 'inclusive:']
    lines += ['  %5.1f%%  %s' % (100.0 * c / max(total, 1), n)
              for n, c in inclusive]
    lines.append('own:')
    lines += ['  %5.1f%%  %s' % (100.0 * c / max(total, 1), n)
              for n, c in own]
    return '\n'.join(lines)


def _py_spy():
    path = os.path.join(os.path.dirname(sys.executable), 'py-spy')
    if not os.path.exists(path):
        raise SystemExit('py-spy is not installed: %s -m pip install py-spy'
                         % sys.executable)
    return path


def record_pid(pid, out, rate=50):
    """Start py-spy on ``pid`` and its children; returns the process."""
    return subprocess.Popen(
        [_py_spy(), 'record', '--pid', str(pid), '--subprocesses',
         '--gil', '--rate', str(rate), '--format', 'raw', '--output', out,
         '--nonblocking'], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def stop_recording(proc, timeout=60):
    proc.send_signal(2)     # SIGINT: py-spy writes its output and exits
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


class _Spy(object):
    """py-spy on heat-engine for the duration of a ``with`` block."""

    def __init__(self, pid, out):
        self.pid, self.out = pid, out

    def __enter__(self):
        self.proc = record_pid(self.pid, self.out)
        time.sleep(1)       # py-spy attaches to every worker first
        return self

    def __exit__(self, *exc):
        stop_recording(self.proc)


def _sandbox_scenarios(args, scenarios):
    """The sandbox scenarios in one lock hold; ``{scenario: out file}``.

    create: a cluster of --nodes; scale: that cluster grown by 10%;
    preview: a stack preview of it (Heat's parse and validation);
    baseline: the ResourceGroup of --nodes (figure 1's other side), to
    compare with create, function by function and API route by route.
    """
    from benchmarks import fig_infra
    from benchmarks import fig_scale
    from benchmarks import fig_template
    from benchmarks import procstat
    from benchmarks import run
    from benchmarks import sandbox
    settings = dict(run.DEFAULT_SETTINGS, node_set_size=args.set_size)
    outs = {s: '%s-%s.txt' % (args.out, s) for s in scenarios}
    with run.sandbox_lock(), sandbox.fresh(settings, run.log):
        os.makedirs(run.STUB_PARENT, exist_ok=True)
        os.chmod(run.STUB_PARENT, 0o755)
        bench = fig_infra.Bench(run.log, args.boot_latency,
                                run.STUB_PARENT, settings)
        engine = procstat.part_pids(sandbox.run_dir())['heat-engine']
        name = fig_infra.stack_name(fig_infra.SAVANNA, args.nodes, '-prof')
        creates = {}
        try:
            if 'baseline' in scenarios:
                rg = fig_infra.stack_name(fig_infra.RG, args.nodes, '-prof')
                with _Spy(engine, outs['baseline']):
                    sample, rg_id = fig_infra.create(bench, fig_infra.RG,
                                                     args.nodes, rg)
                creates['baseline'] = sample
                fig_infra.delete(bench, rg_id)
            if 'preview' in scenarios:
                with _Spy(engine, outs['preview']):
                    fig_template.preview(bench, args.nodes)
            if {'create', 'scale'} & set(scenarios):
                stack_id = None
                try:
                    if 'create' in scenarios:
                        with _Spy(engine, outs['create']):
                            creates['create'], stack_id = fig_infra.create(
                                bench, fig_infra.SAVANNA, args.nodes, name)
                    else:
                        _s, stack_id = fig_infra.create(
                            bench, fig_infra.SAVANNA, args.nodes, name)
                    if 'scale' in scenarios:
                        with _Spy(engine, outs['scale']):
                            fig_scale.scale(bench, fig_infra.SAVANNA,
                                            stack_id, name, args.nodes,
                                            run.grown(args.nodes))
                finally:
                    if stack_id:
                        fig_infra.delete(bench, stack_id)
        finally:
            bench.close()
            shutil.rmtree(run.STUB_PARENT, ignore_errors=True)
    if len(creates) == 2:
        print(route_diff(creates['create'], creates['baseline']))
    return outs


def route_diff(sample, baseline):
    """Simulator requests per node by route, heat-savanna against the
    ResourceGroup, largest differences first."""
    def flat(s):
        return {'%s %s' % (svc, route): n / float(s['nodes'])
                for svc, routes in s['requests_by_route'].items()
                for route, n in routes.items()}
    mine, theirs = flat(sample), flat(baseline)
    keys = sorted(set(mine) | set(theirs),
                  key=lambda k: -abs(mine.get(k, 0) - theirs.get(k, 0)))
    lines = ['requests per node: heat-savanna, ResourceGroup, route']
    lines += ['  %6.2f %6.2f  %s' % (mine.get(k, 0), theirs.get(k, 0), k)
              for k in keys]
    return '\n'.join(lines)


def _fanout_scenario(args):
    """The fan-out in a child process, py-spy attached for its whole
    life (it starts the hosts too; their start is in another thread)."""
    out = '%s-fanout.txt' % args.out
    paths = [ROOT, os.path.join(ROOT, 'contrib', 'sandbox')]
    code = ('import sys; sys.path[:0] = %r; from benchmarks import '
            'fig_fanout; fig_fanout.run(%d, print, repeat=%d, '
            'pool_size=%r)' % (paths, args.fanout, args.repeat,
                               args.ssh_pool_size))
    subprocess.run([_py_spy(), 'record', '--rate', '100', '--gil',
                    '--format', 'raw', '--output', out, '--',
                    sys.executable, '-c', code],
                   check=True)
    return out


def main(argv=None):
    from benchmarks import run
    p = argparse.ArgumentParser(prog='benchmarks/profile.py')
    p.add_argument('scenarios',
                   help='comma-separated: create, scale, preview (one '
                   'sandbox hold for all of them) or fanout')
    p.add_argument('--nodes', type=int, default=100)
    p.add_argument('--fanout', type=int, default=100)
    p.add_argument('--set-size', type=int,
                   default=run.DEFAULT_SETTINGS['node_set_size'])
    p.add_argument('--ssh-pool-size', type=int)
    p.add_argument('--boot-latency', type=float, default=5.0)
    p.add_argument('--repeat', type=int, default=5,
                   help='fanout: repetitions (more samples)')
    p.add_argument('--top', type=int, default=25)
    p.add_argument('--keep', default='',
                   help='comma-separated substrings of the functions to '
                   'list (default: all)')
    p.add_argument('--out', default=os.path.join(
        ROOT, 'profile-%s' % time.strftime('%Y%m%d-%H%M%S')),
        help='prefix of the raw stack files')
    args = p.parse_args(argv)
    scenarios = [s.strip() for s in args.scenarios.split(',') if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown or not scenarios:
        p.error('scenarios are %s' % ', '.join(SCENARIOS))
    outs = {}
    if 'fanout' in scenarios:
        outs['fanout'] = _fanout_scenario(args)
    rest = [s for s in scenarios if s != 'fanout']
    if rest:
        outs.update(_sandbox_scenarios(args, rest))
    keep = [k for k in args.keep.split(',') if k] or None
    for scenario in scenarios:
        with open(outs[scenario]) as f:
            stacks = parse_collapsed(f.read())
        # the fan-out's own set-up (imports, starting the sshd hosts) is
        # not what the figure measures
        drop = FANOUT_SETUP if scenario == 'fanout' else ()
        print('== %s' % scenario)
        print(report(stacks, args.top, keep, drop))
        print('raw stacks: %s' % outs[scenario])


if __name__ == '__main__':
    main()
