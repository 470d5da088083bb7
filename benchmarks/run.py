"""``make bench``: every figure, one line each (median, range, target,
verdict), then a summary; the same and every sample as JSON (``--json``,
default bench-results.json).

The sandbox figures run in *holds*: each takes the sandbox lock
(/tmp/heat-savanna-sandbox.lock), starts a fresh sandbox with the hold's
settings (engine workers, node set size), measures, takes the sandbox
down and releases the lock, so others can use the sandbox between holds.
Do NOT wrap this script in ``flock`` yourself. A hold is one round of
repetitions (the rounds alternate which side goes first); ``--resume``
continues a run from its JSON file, skipping the holds already done.

Figures 2 and 6 need no sandbox (figure 2 takes the lock all the same:
a sandbox test running meanwhile would share the CPUs it measures).
``--quick`` is a smoke run with small sizes.
"""

import argparse
import collections
import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'contrib', 'sandbox'))

from benchmarks import fig_agent  # noqa: E402
from benchmarks import fig_e2e  # noqa: E402
from benchmarks import fig_fanout  # noqa: E402
from benchmarks import fig_heal  # noqa: E402
from benchmarks import fig_infra  # noqa: E402
from benchmarks import fig_scale  # noqa: E402
from benchmarks import fig_template  # noqa: E402
from benchmarks import results  # noqa: E402
from benchmarks import sandbox as sandbox_mod  # noqa: E402
from heat_savanna.core import layout  # noqa: E402
from heat_savanna.core import template  # noqa: E402

LOCK = '/tmp/heat-savanna-sandbox.lock'
#: what a leak is named like: the benchmark's stacks' resources, and the
#: ports Heat creates for figure 12's lean members (named after their
#: server resource, ``server-port-0``)
LEAK_PREFIXES = ('bench-', 'server-port-')
STUB_PARENT = '/var/tmp/heat-savanna-bench'
FULL = {'nodes': 100, 'small': 25, 'fanout': 100, 'workers': 10,
        'boot_latency': 5.0, 'rounds': 3, 'workers_nodes': 100,
        'set_size': 1, 'huge': fig_infra.HUGE, 'pacing': 5}
QUICK = {'nodes': 6, 'small': 3, 'fanout': 10, 'workers': 2,
         'boot_latency': 2.0, 'rounds': 3, 'workers_nodes': 6,
         'set_size': 1, 'huge': 8, 'pacing': 5}
FIGURES = ('1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11',
           '12', '13')
#: the sandbox's defaults: 2 engine workers, the plugin's defaults of
#: [savanna] node_set_size and max_concurrent_node_sets
DEFAULT_SETTINGS = {'engine_workers': 2,
                    'node_set_size': layout.DEFAULT_SET_SIZE,
                    'max_concurrent_node_sets':
                        template.DEFAULT_MAX_CONCURRENT_NODE_SETS}
#: Spark cluster figures, a hold a round: (figure, hold, module with
#: run_round(round, workers, boot latency, log), figures(samples, workers))
SPARK_FIGURES = (('3', 'e2e', fig_e2e), ('9', 'agent', fig_agent),
                 ('13', 'heal', fig_heal))


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog='benchmarks/run.py',
                                description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true',
                   help='smoke run with small sizes')
    p.add_argument('--nodes', type=int,
                   help='figures 1/4/5/8: nodes (default 100)')
    p.add_argument('--small', type=int,
                   help='figure 5e: the smaller cluster (default 25)')
    p.add_argument('--fanout', type=int,
                   help='figure 2: SSH hosts (default 100)')
    p.add_argument('--workers', type=int,
                   help='figures 3, 9 and 13: Spark workers (default 10)')
    p.add_argument('--workers-nodes', type=int,
                   help='figure 7: nodes (default 100)')
    p.add_argument('--set-size', type=int,
                   help='figure 8: the node set size compared with the '
                   'default %d (default 1)' % layout.DEFAULT_SET_SIZE)
    p.add_argument('--pacing', type=int,
                   help='figure 11: the max_concurrent_node_sets compared '
                   'with the default %d (default 5; 0 is no limit)'
                   % template.DEFAULT_MAX_CONCURRENT_NODE_SETS)
    p.add_argument('--huge', type=int,
                   help='figure 10: nodes without volumes (default %d)'
                   % fig_infra.HUGE)
    p.add_argument('--rounds', type=int,
                   help='repetitions of every sandbox figure (default 3)')
    p.add_argument('--boot-latency', type=float,
                   help='injected boot latency in seconds (default 5)')
    p.add_argument('--ssh-pool-size', type=int,
                   help='figure 2: [savanna] ssh_pool_size to use '
                   '(default: the option\'s default)')
    p.add_argument('--only', default=','.join(FIGURES),
                   help='comma-separated figures to run, e.g. 2,6')
    p.add_argument('--json', default=os.path.join(ROOT,
                                                  'bench-results.json'))
    p.add_argument('--resume', action='store_true',
                   help='keep the samples and finished holds of --json')
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [f.strip() for f in args.only.split(',') if f.strip()]
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        p.error('unknown figure(s): %s' % ', '.join(sorted(unknown)))
    if args.rounds < 1:
        p.error('--rounds must be at least 1')
    return args


def grown(nodes):
    return nodes + fig_scale.added_count(nodes)


def fresh_size(nodes):
    """The cluster figure 4 compares the scale-up with: the added count,
    at least the smallest valid vanilla cluster (a master, a worker)."""
    return max(2, grown(nodes) - nodes)


# -- what each hold does ------------------------------------------------------
#: one lock hold: a fresh sandbox with ``settings``, then ``steps``
#: (callables taking a fig_infra.Bench and returning samples)
Hold = collections.namedtuple('Hold', 'name settings steps')


def _create_scale_delete(side, nodes, scale_to, tag=''):
    def step(bench):
        name = fig_infra.stack_name(side, nodes, tag)
        sample, stack_id = fig_infra.create(bench, side, nodes, name)
        samples = [sample]
        try:
            if scale_to:
                samples.append(fig_scale.scale(bench, side, stack_id, name,
                                               nodes, scale_to))
        finally:
            fig_infra.delete(bench, stack_id)
        return samples
    return step


def _sides(round_no):
    """Which side goes first alternates from round to round."""
    sides = fig_infra.SIDES
    return sides if round_no % 2 == 0 else tuple(reversed(sides))


def main_round(args, r):
    """Figures 1, 4, 5 and 6b: one round, both sides."""
    want = set(args.only)
    steps = []
    sides = _sides(r)
    if want & {'1', '4', '5'}:
        to = grown(args.nodes) if '4' in want else None
        steps += [_create_scale_delete(s, args.nodes, to) for s in sides]
    if '4' in want:
        steps += [_create_scale_delete(s, fresh_size(args.nodes), None)
                  for s in sides]
    if '5' in want:
        steps += [_create_scale_delete(s, args.small, None) for s in sides]
    if '6' in want:
        steps.append(lambda bench: [
            fig_template.preview(bench, fig_template.largest())])
    return steps


def plan(args):
    """``[Hold]`` for ``args.only``, in the order they run."""
    want = set(args.only)
    holds = []
    if want & {'1', '4', '5', '6'}:
        holds += [Hold('round-%d' % (r + 1), DEFAULT_SETTINGS,
                       main_round(args, r)) for r in range(args.rounds)]
    scaled = _create_scale_delete(fig_infra.SAVANNA, args.nodes,
                                  grown(args.nodes))
    for fig, tag, key, value in (
            ('8', 'node-sets', 'node_set_size', args.set_size),
            ('11', 'pacing', 'max_concurrent_node_sets', args.pacing)):
        if fig in want:
            holds += [Hold('%s-%d-round-%d' % (tag, value, r + 1),
                           dict(DEFAULT_SETTINGS, **{key: value}), [scaled])
                      for r in range(args.rounds)]
    if '7' in want:
        # 1 and 4 engine workers, and 2 (the default) unless figures 1 and
        # 5 give that point at figure 7's size
        two = args.workers_nodes != args.nodes or not want & {'1', '5'}
        holds += [Hold('engine-workers-%d' % w,
                       dict(DEFAULT_SETTINGS, engine_workers=w),
                       _every_round(args, args.workers_nodes))
                  for w in (1, 4, 2) if w != 2 or two]
    if '12' in want:
        holds += [Hold('shapes-round-%d' % (r + 1), DEFAULT_SETTINGS,
                       [_shape(shape, args.nodes)
                        for shape in _shapes(r)])
                  for r in range(args.rounds)]
    if '10' in want:
        holds += [Hold('huge-round-%d' % (r + 1), DEFAULT_SETTINGS,
                       [_huge(s, args.huge) for s in _sides(r)])
                  for r in range(args.rounds)]
    for fig, tag, module in SPARK_FIGURES:
        if fig in want:
            holds += [Hold('%s-round-%d' % (tag, r + 1), DEFAULT_SETTINGS,
                           [_spark(module, args, r)])
                      for r in range(args.rounds)]
    return holds


def _every_round(args, nodes):
    """Steps creating ``nodes`` on both sides, every round."""
    return [_create_scale_delete(s, nodes, None)
            for r in range(args.rounds) for s in _sides(r)]


#: sides of figure 10 that did not build in a round: a later round does
#: not spend another HUGE_TIMEOUT on them
_NOT_BUILT = set()


def _huge(side, nodes):
    def step(bench):
        name = fig_infra.stack_name(side, nodes, '-novol')
        if side in _NOT_BUILT:
            bench.log('  %s: not tried again (not built in an earlier '
                      'round)' % name)
            return []
        sample, stack_id = fig_infra.create_huge(bench, side, nodes, name)
        if sample.get('infra_s') is None:
            _NOT_BUILT.add(side)
        if stack_id:
            try:
                fig_infra.delete(bench, stack_id, fig_infra.HUGE_TIMEOUT)
            except sandbox_mod.BenchError as exc:
                # a create that never finished may not delete either; the
                # hold's sandbox goes down next, and the leak check says
                bench.log('  %s: delete did not finish: %s' % (name, exc))
                sample['delete_error'] = str(exc)
        return [sample]
    return step


def _shapes(round_no):
    """Figure 12's members, the first alternating from round to round."""
    shapes = tuple(fig_infra.SHAPES)
    return shapes if round_no % 2 == 0 else tuple(reversed(shapes))


def _shape(shape, nodes):
    def step(bench):
        return [fig_infra.create_shape(bench, shape, nodes)]
    return step


def _spark(module, args, r):
    """A round of a Spark cluster figure (``module.run_round``)."""
    def step(bench):
        return module.run_round(r, args.workers, args.boot_latency,
                                bench.log)
    return step


# -- running ------------------------------------------------------------------
def log(text):
    print(text, file=sys.stderr, flush=True)


@contextlib.contextmanager
def sandbox_lock():
    with open(LOCK, 'a') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log('  waiting for the sandbox lock %s' % LOCK)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_hold(hold, args):
    """Samples of one hold (the lock held for its whole duration)."""
    samples = []
    with sandbox_lock():
        t0 = time.monotonic()
        log('hold %s: %s' % (hold.name, hold.settings))
        with sandbox_mod.fresh(hold.settings, log):
            os.makedirs(STUB_PARENT, exist_ok=True)
            os.chmod(STUB_PARENT, 0o755)
            bench = fig_infra.Bench(log, args.boot_latency, STUB_PARENT,
                                    hold.settings)
            try:
                for step in hold.steps:
                    for s in step(bench):
                        s.setdefault('hold', hold.name)
                        samples.append(s)
                leaked = sandbox_mod.leftovers(LEAK_PREFIXES)
                if leaked:
                    log('  LEAKED after hold %s: %s' % (hold.name, leaked))
                    samples.append({'kind': 'leak', 'hold': hold.name,
                                    'leaked': leaked})
            finally:
                bench.close()
                shutil.rmtree(STUB_PARENT, ignore_errors=True)
        took = time.monotonic() - t0
        log('hold %s done in %.1f min%s' % (
            hold.name, took / 60, '  (LONGER than 25 min: split it)'
            if took > 25 * 60 else ''))
    return samples


def no_sandbox(args, log_fn, done):
    """Figures 6 (pure; recomputed every time) and 2 (samples, once: its
    name joins ``done``)."""
    samples, figs = [], []
    if '6' in args.only:
        figs += fig_template.run(log_fn)
    if '2' in args.only and 'fanout' not in done:
        # No sandbox, but its lock: a sandbox test running meanwhile
        # would share the CPUs and count in the machine's busy time.
        with sandbox_lock():
            samples += fig_fanout.run(args.fanout, log_fn,
                                      repeat=args.rounds,
                                      pool_size=args.ssh_pool_size)
        done.append('fanout')
    return samples, figs


def figures(args, samples):
    """Every figure of ``args.only`` from the samples (pure)."""
    want = set(args.only)
    figs = []
    default = dict(DEFAULT_SETTINGS)
    if want & {'1', '5'}:
        figs += [f for f in fig_infra.figures_create(
            samples, args.nodes, default)
            if f.name[0] in want or f.name.startswith('6c')]
    if '5' in want:
        figs.append(fig_infra.figure_linear(samples, args.nodes, args.small,
                                            default))
    if '4' in want:
        figs += fig_scale.figures(samples, args.nodes, grown(args.nodes),
                                  default, fresh_size(args.nodes))
    if '6' in want:
        figs.append(fig_template.figure_preview(samples,
                                                fig_template.largest()))
    if '2' in want:
        figs += fig_fanout.figures(samples, args.fanout)
    figs += [f for fig, _tag, module in SPARK_FIGURES if fig in want
             for f in module.figures(samples, args.workers)]
    if '7' in want:
        figs += fig_infra.figures_workers(
            samples, args.workers_nodes,
            node_set_size=DEFAULT_SETTINGS['node_set_size'])
    if '10' in want:
        figs += fig_infra.figures_huge(samples, args.huge)
    if '12' in want:
        figs += fig_infra.figures_shapes(samples, args.nodes)
    if '8' in want:
        figs += fig_infra.figures_set_size(
            samples, args.nodes,
            tuple(sorted((args.set_size, DEFAULT_SETTINGS['node_set_size']))))
    if '11' in want:
        fixed = {k: v for k, v in DEFAULT_SETTINGS.items()
                 if k != 'max_concurrent_node_sets'}
        figs += fig_infra.figures_setting(
            samples, args.nodes, '11', 'max_concurrent_node_sets',
            DEFAULT_SETTINGS['max_concurrent_node_sets'], args.pacing,
            fixed)
    leaks = [s for s in samples if s.get('kind') == 'leak']
    if leaks:
        figs.append(results.Figure(
            'leaked resources', float(sum(sum(s['leaked'].values())
                                          for s in leaks)), 0.0,
            detail={'leaks': leaks}))
    return figs


def _load(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return [], []
    return doc.get('samples', []), doc.get('holds_done', [])


def main(argv=None):
    args = parse_args(argv)
    started = time.strftime('%Y-%m-%dT%H:%M:%S%z')
    t0 = time.monotonic()
    samples, done = _load(args.json) if args.resume else ([], [])
    extra_figs = []
    params = {k: v for k, v in vars(args).items()
              if k not in ('json', 'resume')}
    commit = results.commit(ROOT)

    def save():
        figs = sorted(figures(args, samples) + extra_figs,
                      key=lambda f: f.name)
        results.write_json(args.json, figs, params, started,
                           time.monotonic() - t0,
                           extra={'samples': samples, 'holds_done': done,
                                  'commit': commit})
        return figs

    errors = []
    try:
        more, extra_figs = no_sandbox(args, log, done)
        samples.extend(more)
    except Exception as exc:    # report, go on with the sandbox figures
        log(traceback.format_exc())
        errors.append('no-sandbox figures: %s' % exc)
    for hold in plan(args):
        if hold.name in done:
            log('hold %s: done in an earlier run' % hold.name)
            continue
        try:
            samples.extend(run_hold(hold, args))
            done.append(hold.name)
        except Exception as exc:   # one hold's failure: report, go on
            log(traceback.format_exc())
            errors.append('%s: %s: %s' % (hold.name, type(exc).__name__,
                                          str(exc)[:300]))
        save()
    figs = save()
    for fig in figs:
        print(fig.line())
    counts, text = results.summary(figs)
    print('summary: ' + text)
    for e in errors:
        print('error: ' + e)
    print('results: %s (commit %s)' % (args.json, commit))
    return 1 if counts['ERROR'] or errors else 0


if __name__ == '__main__':
    sys.exit(main())
