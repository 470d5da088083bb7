"""Rows about what comes after a create: scale-down with a failed node,
a check that finds a dead node, a rolled-back update, and a vanilla
cluster on an image without Hadoop (found by the plugin's first step)."""

import time

from savanna_sandbox.faults import checks
from savanna_sandbox.faults import harness
from savanna_sandbox.faults import simulator
from savanna_sandbox.faults import templates
from savanna_sandbox.faults.registry import scenario


@scenario('scale-down-with-failed', 'fsd', 'failed worker-1 removed first, '
          'others untouched, ACTIVE', 'scale-down', ci=True)
def scale_down_failed(run):
    run.faults({'boot_failure': {'names': ['%s-worker-1' % run.name]}})
    st = run.create(templates.cluster_template(run.name, 4, 3))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    run.check(run.metadata().get('status') == 'PARTIALLY_ACTIVE',
              'status %s' % run.metadata().get('summary'))
    before = {n: s['id'] for n, s in run.servers().items()
              if s['status'] == 'ACTIVE'}
    run.reset_faults()
    st = run.update(templates.cluster_template(run.name, 3, 3), existing=False)
    md = run.metadata()
    checks.require_stack(run, st, 'UPDATE_COMPLETE', 'update')
    after = {n: s['id'] for n, s in run.servers().items()}
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))
    run.check(after == before, 'servers %s -> %s' % (sorted(before),
                                                     sorted(after)))


@scenario('check-finds-dead-node', 'fchk',
          'check found worker-1 dead, update rebuilt it', 'check')
def check_finds_dead(run):
    st = run.create(templates.cluster_template(run.name, 3, 2))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    simulator.admin('POST', '/servers/%s-worker-1/kill' % run.name, {})
    st = run.check_stack()
    md = run.metadata()
    run.check(st.stack_status == 'CHECK_COMPLETE',
              'check: %s %s' % (st.stack_status,
                                run.resource().resource_status_reason))
    run.check(md.get('status') == 'PARTIALLY_ACTIVE',
              'after check %s' % md.get('summary'))
    checks.check_failed_exactly(run, ['worker-1'], ('check',
                                                    'check Spark workers'))
    new = checks.heal_to_active(run, ['worker-1'])
    run.check(new == ['worker-3'], 'rebuilt %s' % new)


@scenario('rollback-failed-update', 'frb',
          'ROLLBACK_COMPLETE, cluster unchanged and ACTIVE', 'rollback',
          ci=True)
def rollback(run):
    """Scale 2 -> 4 workers (min_active = count) with the new ones failing
    to boot, rollback enabled: the stack rolls back and the cluster is
    the 2 workers it was, ACTIVE, no server replaced."""
    st = run.create(templates.cluster_template(run.name, 2))
    run.require(st.stack_status == 'CREATE_COMPLETE',
                'create: %s' % st.stack_status)
    before = {n: s['id'] for n, s in run.servers().items()}
    run.faults({'boot_failure': {'names': [
        '%s-worker-2' % run.name, '%s-worker-3' % run.name]}})
    st = run.update(templates.cluster_template(run.name, 4), existing=False,
                    rollback=True)
    run.reset_faults()
    md = run.metadata()
    # every server, not only the ACTIVE ones: the failed new workers must
    # be gone too, not left behind by the rollback
    after = {n: s['id'] for n, s in run.servers().items()}
    run.check(st.stack_status == 'ROLLBACK_COMPLETE',
              'update: %s %s' % (st.stack_status, st.stack_status_reason))
    run.check(after == before, 'servers %s -> %s' % (sorted(before),
                                                     sorted(after)))
    run.check(md.get('status') == 'ACTIVE', 'status %s' % md.get('summary'))


@scenario('vanilla-image-without-hadoop', 'fimg',
          'CREATE_FAILED within 60 s naming the image and the missing binary',
          'image', ci=True)
def vanilla_without_hadoop(run):
    """A vanilla cluster on an image without Hadoop (the sandbox's
    hadoop-3.4 image mounts nothing at /opt/hadoop): the plugin's first
    step checks the image, so the create fails within 60 s of the servers
    being up (not after the service start timeouts), and the reason names
    the image and the missing binary."""
    props = {'name': run.name, 'plugin_name': 'vanilla',
             'image': 'hadoop-3.4', 'flavor': 'm1.small',
             'management_network': 'private',
             'node_groups': [
                 {'name': 'master', 'count': 1,
                  'node_processes': ['namenode', 'resourcemanager']},
                 {'name': 'worker', 'count': 1,
                  'node_processes': ['datanode', 'nodemanager']}]}
    template = {'heat_template_version': '2021-04-16',
                'resources': {templates.RESOURCE: {
                    'type': 'OS::Savanna::Cluster', 'properties': props}}}
    resp = run.heat.stacks.create(stack_name=run.name, template=template,
                                  disable_rollback=True, timeout_mins=15)
    run.stack_id = resp['stack']['id']
    up = None
    deadline = time.time() + harness.TIMEOUT
    while up is None and time.time() < deadline:
        found = run.servers()
        if len(found) == 2 and all(s['status'] == 'ACTIVE'
                                   for s in found.values()):
            up = time.time()
            break
        if run.heat.stacks.get(run.stack_id).stack_status != \
                'CREATE_IN_PROGRESS':
            break
        time.sleep(0.5)
    st = run.wait('CREATE')
    seconds = time.time() - (up or time.time())
    reason = run.resource().resource_status_reason or ''
    run.require(up is not None, 'the servers never were all ACTIVE: %s'
                % st.stack_status)
    run.require(st.stack_status == 'CREATE_FAILED',
                'create: %s %s' % (st.stack_status, reason[:200]))
    run.note('failed %.0fs after the servers were up' % seconds)
    run.check(seconds <= 60, 'failed %.0fs after the servers were up'
              % seconds)
    run.check("image 'hadoop-3.4'" in reason and
              '/opt/hadoop/bin/hdfs' in reason,
              'reason does not name the image and the binary: %r'
              % reason[-300:])
