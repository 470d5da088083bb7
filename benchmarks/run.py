"""``make bench``: every figure of issue 6, one line each, then a summary;
the same as JSON (``--json``, default bench-results.json).

Figures 1, 3, 4 and 5 use the shared sandbox (``make bench`` brings it
up; by hand: ``heat-savanna sandbox up``); each takes the sandbox lock
(/tmp/heat-savanna-sandbox.lock) while it runs, so do NOT wrap this
script in ``flock`` yourself. Figures 2 and 6 need no sandbox.
``--quick`` is a smoke run with small sizes.
"""

import argparse
import contextlib
import fcntl
import os
import sys
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'contrib', 'sandbox'))

from benchmarks import results  # noqa: E402

LOCK = '/tmp/heat-savanna-sandbox.lock'
FULL = {'nodes': 100, 'fanout': 100, 'workers': 10, 'scale_from': 100,
        'template_nodes': 1000, 'boot_latency': 5.0}
QUICK = {'nodes': 6, 'fanout': 10, 'workers': 2, 'scale_from': 10,
         'template_nodes': 1000, 'boot_latency': 2.0}
FIGURES = ('1', '2', '3', '4', '5', '6')


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog='benchmarks/run.py',
                                description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true',
                   help='smoke run with small sizes')
    p.add_argument('--nodes', type=int,
                   help='figures 1/5: nodes (default 100)')
    p.add_argument('--fanout', type=int,
                   help='figure 2: SSH hosts (default 100)')
    p.add_argument('--workers', type=int,
                   help='figure 3: Spark workers (default 10)')
    p.add_argument('--scale-from', type=int,
                   help='figure 4: nodes before +10%% (default 100)')
    p.add_argument('--template-nodes', type=int,
                   help='figure 6: nodes (default 1000)')
    p.add_argument('--boot-latency', type=float,
                   help='injected boot latency in seconds (default 5)')
    p.add_argument('--ssh-pool-size', type=int,
                   help='figure 2: [savanna] ssh_pool_size to use '
                   '(default: the option\'s default)')
    p.add_argument('--only', default=','.join(FIGURES),
                   help='comma-separated figures to run, e.g. 2,6')
    p.add_argument('--json', default=os.path.join(ROOT,
                                                  'bench-results.json'))
    args = p.parse_args(argv)
    defaults = QUICK if args.quick else FULL
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.only = [f.strip() for f in args.only.split(',') if f.strip()]
    unknown = set(args.only) - set(FIGURES)
    if unknown:
        p.error('unknown figure(s): %s' % ', '.join(sorted(unknown)))
    return args


@contextlib.contextmanager
def sandbox_lock(log):
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


def log(text):
    print(text, file=sys.stderr, flush=True)


def plan(args):
    """``[(figure names, needs sandbox, callable)]`` for ``args.only``."""
    from benchmarks import fig_e2e
    from benchmarks import fig_fanout
    from benchmarks import fig_infra
    from benchmarks import fig_scale
    from benchmarks import fig_template
    steps = []
    if '6' in args.only:
        steps.append((['6 generate+validate'], False,
                      lambda: fig_template.run(args.template_nodes, log)))
    if '2' in args.only:
        steps.append((['2 fan-out'], False, lambda: fig_fanout.run(
            args.fanout, log, pool_size=args.ssh_pool_size)))
    if '1' in args.only or '5' in args.only:
        steps.append((['1 infra vs ResourceGroup', '5 cost per node'],
                      True, lambda: fig_infra.run(args.nodes,
                                                  args.boot_latency, log)))
    if '4' in args.only:
        steps.append((['4 scale-up'], True, lambda: fig_scale.run(
            args.scale_from, args.boot_latency, log)))
    if '3' in args.only:
        steps.append((['3 e2e'], True, lambda: fig_e2e.run(
            args.workers, args.boot_latency, log)))
    return steps


def main(argv=None):
    args = parse_args(argv)
    started = time.strftime('%Y-%m-%dT%H:%M:%S%z')
    t0 = time.monotonic()
    figures = []
    for names, needs_sandbox, fn in plan(args):
        try:
            if needs_sandbox:
                with sandbox_lock(log):
                    figures.extend(fn())
            else:
                figures.extend(fn())
        except Exception as exc:   # one figure's failure: report, go on
            log(traceback.format_exc())
            figures.extend(results.Figure(n, None, error='%s: %s' % (
                type(exc).__name__, str(exc)[:200])) for n in names)
    figures.sort(key=lambda f: f.name)
    for fig in figures:
        print(fig.line())
    counts, text = results.summary(figures)
    print('summary: ' + text)
    params = {k: v for k, v in vars(args).items() if k != 'json'}
    results.write_json(args.json, figures, params, started,
                       time.monotonic() - t0)
    print('results: %s' % args.json)
    return 1 if counts['ERROR'] else 0


if __name__ == '__main__':
    sys.exit(main())
