"""Figure 9: create time of a Spark cluster with the Heat agent transport
against the same cluster configured over SSH.

The same cluster (a master and N workers, the same injected boot latency)
is created through the sandbox's Heat twice per round: once with
``transport: ssh`` on the ``spark-4.3`` image, once with ``transport:
heat-agent`` on the ``spark-4.3-agent`` image, whose servers run Heat's
agent (os-collect-config polling heat-api) and no sshd. The side that
goes first alternates from round to round. Measured, by the same polling
of Heat's database for both: create request to the stack's
CREATE_COMPLETE, which the cluster reaches with every node ACTIVE (every
Spark worker registered at the master, ``min_active`` = all workers).

The figure is the ratio agent / SSH within each round, median and range
over the rounds; it has no target: the agent pays for the agents' polling
interval and for a second round-trip of the node sets (the servers first,
then their deployments), and the figure says how much. Each cluster is
deleted right after it is measured.
"""

import time

from benchmarks import results
from benchmarks import sandbox

SSH, AGENT = 'ssh', 'heat-agent'
TRANSPORTS = (SSH, AGENT)


def _template(name, workers, transport):
    from savanna_sandbox import faults
    return faults.cluster_template(name, workers, min_active=workers,
                                   transport=transport)


def one_cluster(heat, db, name, workers, transport, log):
    """``{'transport', 'workers', 'create_s', 'reason'}`` of one create."""
    t0 = time.monotonic()
    try:
        stack_id = heat.stacks.create(
            stack_name=name, disable_rollback=True,
            template=_template(name, workers, transport))['stack']['id']
        t_created = db.wait(stack_id, 'CREATE')
        reason = heat.resources.get(name, 'cluster').resource_status_reason
    finally:
        sandbox.delete_stack(heat, name)
    log('  %s, %d workers: CREATE_COMPLETE %.1fs (%s)'
        % (transport, workers, t_created - t0, reason))
    return {'transport': transport, 'workers': workers,
            'create_s': t_created - t0, 'reason': reason}


def order(round_no):
    """Which transport goes first alternates from round to round."""
    return TRANSPORTS if round_no % 2 == 0 else TRANSPORTS[::-1]


def run_round(round_no, workers, boot_latency, log):
    """One repetition of both transports: samples of kind ``agent``."""
    heat = sandbox.heat_client()
    db = sandbox.HeatDB()
    log('figure 9, round %d: %s, %d workers, boot latency %.1fs'
        % (round_no + 1, ' then '.join(order(round_no)), workers,
           boot_latency))
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': boot_latency})
    samples = []
    try:
        for transport in order(round_no):
            sample = one_cluster(
                heat, db, 'bench-%s-%d' % (transport, workers), workers,
                transport, log)
            sample.update(kind='agent', round=round_no)
            samples.append(sample)
    finally:
        sandbox.reset_faults()
        db.close()
    return samples


# -- figures (pure) -----------------------------------------------------------
def figures(samples, workers):
    """Figure 9 from the samples: agent / SSH paired within each round."""
    mine = [s for s in samples if s.get('kind') == 'agent' and
            s['workers'] == workers]
    rounds = sorted({s['round'] for s in mine})
    pairs = []
    for r in rounds:
        by = {s['transport']: s for s in mine if s['round'] == r}
        if SSH in by and AGENT in by:
            pairs.append((by[AGENT], by[SSH]))
    return [results.Figure.of(
        '9 agent vs ssh create %d workers' % workers,
        [results.ratio(a['create_s'], s['create_s']) for a, s in pairs],
        unit='x',
        measured='create request -> CREATE_COMPLETE (every node ACTIVE, '
        'every worker registered); transport heat-agent / ssh, same round',
        detail={'agent_create_s': [a['create_s'] for a, _s in pairs],
                'ssh_create_s': [s['create_s'] for _a, s in pairs],
                'agent_status': [a['reason'] for a, _s in pairs],
                'ssh_status': [s['reason'] for _a, s in pairs]})]
