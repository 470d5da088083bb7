"""A minimal driver of plugin Steps for tests (the real one is
heat_savanna.provisioning, owned elsewhere): fan-out steps through
run_parallel, wait steps polled until done or timeout."""

import time

from heat_savanna import remote as remote_api


class StepFailed(Exception):
    pass


def run_steps(steps, remotes, failed=None, log=None):
    """Run ``steps``; ``remotes`` is ``{node_name: Remote}``. Returns
    ``{node_name: reason}`` of the nodes that failed."""
    failed = {} if failed is None else failed
    for step in steps:
        if log is not None:
            log.append(step.name)
        if step.action is not None:
            nodes = [n for n in step.nodes if n.name not in failed]
            out = remote_api.run_parallel(
                nodes, lambda n, s=step: s.action(remotes[n.name], n))
            for name, outcome in out.items():
                if not outcome.ok:
                    failed[name] = '%s: %s' % (step.name, outcome.error)
            continue
        deadline = time.monotonic() + step.timeout
        while True:
            result = step.check(lambda n: remotes[n.name])
            if result[0]:
                if len(result) > 2:
                    failed.update(result[2])
                break
            if time.monotonic() > deadline:
                raise StepFailed('%s timed out: %s' % (step.name, result[1]))
            time.sleep(min(step.poll_interval, 1.0))
    return failed
