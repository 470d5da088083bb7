"""Figure: create time of a Spark cluster with the Heat agent transport
against the same cluster configured over SSH.

The same cluster (a master and N workers, the same injected boot latency)
is created twice through the sandbox's Heat: once with ``transport: ssh``
on the ``spark-4.3`` image, once with ``transport: heat-agent`` on the
``spark-4.3-agent`` image, whose servers run Heat's agent
(os-collect-config polling heat-api) and no sshd. Measured: create request
to CREATE_COMPLETE with every node ACTIVE (every Spark worker registered
at the master). The figure is the ratio agent / SSH; it has no target:
the agent pays for the agents' polling and for a second round-trip of
the nested stack (the servers first, then the deployments), and the
figure says how much. Each cluster is deleted right after.
"""

import time

from benchmarks import results
from benchmarks import sandbox


def _template(name, workers, transport):
    from savanna_sandbox import faults
    return faults.cluster_template(name, workers, min_active=workers,
                                   transport=transport)


def one_cluster(heat, name, workers, transport, log):
    t0 = time.monotonic()
    try:
        heat.stacks.create(stack_name=name, disable_rollback=True,
                           template=_template(name, workers, transport))
        t_created = sandbox.wait_stack(heat, name, 'CREATE_COMPLETE')
        res = heat.resources.get(name, 'cluster')
        reason = res.resource_status_reason
    finally:
        sandbox.delete_stack(heat, name)
    log('  %s, %d workers: CREATE_COMPLETE %.1fs (%s)'
        % (transport, workers, t_created - t0, reason))
    return {'create_s': t_created - t0, 'reason': reason}


def run(workers, boot_latency, log):
    """The agent-vs-SSH figure for ``workers`` workers."""
    heat = sandbox.heat_client()
    log('figure: agent vs SSH create time, %d workers, boot latency %.1fs'
        % (workers, boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    try:
        ssh = one_cluster(heat, 'bench-ssh-%d' % workers, workers, 'ssh',
                          log)
        agent = one_cluster(heat, 'bench-agent-%d' % workers, workers,
                            'heat-agent', log)
    finally:
        sandbox.reset_faults()
    return [results.Figure(
        'agent vs ssh create %d workers' % workers,
        results.ratio(agent['create_s'], ssh['create_s']), None, unit='x',
        measured='create request -> CREATE_COMPLETE, every node ACTIVE; '
        'heat-agent transport / ssh transport',
        detail={'agent_create_s': agent['create_s'],
                'ssh_create_s': ssh['create_s'], 'workers': workers,
                'boot_latency_s': boot_latency,
                'agent_status': agent['reason'],
                'ssh_status': ssh['reason']})]


def main(argv=None):
    """``python -m benchmarks.fig_agent [WORKERS]``: this figure alone
    (the sandbox must be up)."""
    import sys
    args = sys.argv[1:] if argv is None else argv
    workers = int(args[0]) if args else 10
    for figure in run(workers, 0.0, print):
        print(figure)


if __name__ == '__main__':
    main()
