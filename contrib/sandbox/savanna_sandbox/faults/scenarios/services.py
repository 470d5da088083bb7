"""Rows whose fault is on a node: SSH refused, a service that cannot
start."""

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates
from savanna_sandbox.faults.registry import scenario


def _one_node_fails(run, fault, node, phases, transport=None):
    """``fault`` on ``node`` of a cluster of 3 workers (min_active 2): the
    create completes PARTIALLY_ACTIVE, exactly ``node`` failed, in one of
    ``phases``."""
    run.faults({fault: ['%s-%s' % (run.name, node)]})
    st = run.create(templates.cluster_template(run.name, 3, 2,
                                               transport=transport))
    md = run.metadata()
    checks.require_created(run, st)
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % md.get('status'))
    checks.check_failed_exactly(run, [node], phases)


@scenario('ssh-refused', 'fssh',
          'PARTIALLY_ACTIVE, worker-1 failed, left out of the member lists',
          'ssh')
def ssh_refused(run):
    _one_node_fails(run, 'ssh_refuse', 'worker-1', ('check Spark image',))
    # the survivors' member lists do not name the failed node
    srv = run.servers()
    workers_file = simulator.host_file(srv['master-0'], 'etc-spark', 'conf',
                                       'workers') or ''
    hosts = simulator.host_file(srv['master-0'], 'hosts') or ''
    run.check(set(workers_file.split()) == {srv['worker-0']['addresses'][0],
                                            srv['worker-2']['addresses'][0]},
              'master workers file: %r' % workers_file)
    run.check(' worker-1\n' not in hosts,
              'master /etc/hosts names worker-1: %r' % hosts)
    # healed: the new node is in them
    new = checks.heal_to_active(run, ['worker-1'])
    srv = run.servers()
    workers_file = simulator.host_file(srv['master-0'], 'etc-spark', 'conf',
                                       'workers') or ''
    run.check(all(srv[n]['addresses'][0] in workers_file.split()
                  for n in new),
              'rebuilt %s not in the workers file %r' % (new, workers_file))


@scenario('service-start-fails', 'fsvc', 'PARTIALLY_ACTIVE, worker-2 '
          'failed to start', 'service')
def service_fails(run):
    _one_node_fails(run, 'service_fail', 'worker-2',
                    ('start Spark workers', 'wait for Spark workers'))


@scenario('agent-deployment-fails', 'fagd', 'PARTIALLY_ACTIVE, worker-2 '
          'failed in its own step through its agent; healed to ACTIVE',
          'agent-deployment')
def agent_deployment_fails(run):
    """The agent transport: worker-2's Spark cannot start, so its
    software deployment fails; only it is failed, in the step its script
    was in, with the reason worded as over SSH; the heal rebuilds it."""
    _one_node_fails(run, 'service_fail', 'worker-2',
                    ('start Spark workers', 'wait for Spark workers'),
                    transport='heat-agent')
    failed = {f['name']: f for f in run.metadata().get('failed_nodes') or ()}
    reason = (failed.get('worker-2') or {}).get('reason') or ''
    run.check(reason.startswith("command '") or
              reason.startswith('not ready after'),
              'reason not worded as over SSH: %r' % reason[-200:])
    checks.heal_to_active(run, ['worker-2'])


#: what the workers' bootstrap script leaves on a node where it ran
BOOTSTRAP_MARK = ('var-lib-heat-savanna', 'bootstrap', 'ran')


@scenario('bootstrap-fails', 'fboot', 'PARTIALLY_ACTIVE, worker-1 failed in '
          'its bootstrap script, named with its stderr; healed, the new '
          'node ran the script', 'bootstrap', ci=True)
def bootstrap_fails(run):
    """The workers' own bootstrap script fails on worker-1 only (exit 3,
    a message on stderr): that node fails in phase ``bootstrap`` and the
    plugin never configures it; the others ran the script and are
    configured; the heal's new node runs it too."""
    tmpl = templates.cluster_template(run.name, 2, 1)
    tmpl['resources'][templates.RESOURCE]['properties']['node_groups'][1][
        'bootstrap'] = [{'name': 'site-setup', 'timeout': 60, 'script': (
            '#!/bin/sh\n'
            'case "$(hostname)" in *worker-1)\n'
            '  echo "no package mirror reachable from $(hostname)" >&2\n'
            '  exit 3;;\n'
            'esac\n'
            'hostname > ran\n')}]
    st = run.create(tmpl)
    checks.require_partially_active(run, st)
    checks.check_failed_exactly(run, ['worker-1'], ('bootstrap',))
    failed = {n['name']: n for n in run.metadata().get('failed_nodes') or ()}
    reason = (failed.get('worker-1') or {}).get('reason', '')
    run.check('exited 3' in reason and 'no package mirror reachable' in
              reason, 'reason %r' % reason)
    srv = run.servers()
    for name in ('worker-0',):
        mark = simulator.host_file(srv[name], *BOOTSTRAP_MARK) or ''
        run.check(mark.strip().endswith(name), '%s: script ran? %r'
                  % (name, mark))
    new = checks.heal_to_active(run, ['worker-1'])
    srv = run.servers()
    for name in new:
        mark = simulator.host_file(srv[name], *BOOTSTRAP_MARK) or ''
        run.check(mark.strip().endswith(name), '%s: script ran? %r'
                  % (name, mark))
