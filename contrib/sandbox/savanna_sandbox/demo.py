"""``make demo``: from a running sandbox to a Spark job result.

1. creates an operator keypair for the demo user (private key kept in the
   sandbox state dir, mode 0600),
2. creates contrib/templates/spark-cluster.yaml through python-heatclient as
   the ordinary ``demo`` project user, showing the resources' progress
   (status_reason moves while nodes boot, are configured, services start,
   then while the template's Pi job runs),
3. prints the cluster's status and attributes,
4. prints the Pi job's result from the ``pi`` resource's attributes
   (OS::Savanna::Job) through the Heat API: the demo itself opens no SSH
   session. When the stack already existed, it signals the job for a new
   execution first and waits for it.

The functions are reused by the functional tests (which also keep an SSH
path to the master, ``node_remote`` and ``run_pi``, to look behind the
resources).
"""

import argparse
import json
import os
import re
import sys
import time

from heat_savanna import remote
from savanna_sandbox import paths
from savanna_sandbox.services import platform as platform_mod

STACK = 'spark-demo'
KEYPAIR = 'demo-operator'
TEMPLATE = os.path.join(paths.repo_root(), 'contrib', 'templates',
                        'spark-cluster.yaml')
PI_RE = re.compile(r'Pi is roughly ([0-9.]+)')
JOB = 'pi'
JOB_ATTRIBUTES = ('status', 'exit_code', 'output', 'started_at',
                  'finished_at', 'log_path', 'executions')


def say(text, out=sys.stdout):
    print(text, file=out, flush=True)


def operator_keypair(nova, layout, name=KEYPAIR):
    """The demo user's keypair: created once, private key in the state dir."""
    path = layout.path('%s.key' % name)
    existing = {k.name for k in nova.keypairs.list()}
    if name in existing and os.path.exists(path):
        with open(path) as f:
            return name, f.read()
    if name in existing:
        nova.keypairs.delete(name)
    private, public = remote.generate_keypair(comment=name)
    paths.write_private(path, private)
    nova.keypairs.create(name, public_key=public)
    return name, private


def wait_stack(heat, stack, resource='spark', timeout=900, out=sys.stdout,
               quiet=False, action=None):
    """Poll until the stack is COMPLETE or FAILED (in ``action``, if
    given: suspend/resume are asynchronous), printing each new
    status_reason of the cluster resource (its progress), or of each
    resource of ``resource`` when it is a tuple of names."""
    names = (resource,) if isinstance(resource, str) else tuple(resource)
    start = time.monotonic()
    last = {}
    while True:
        st = heat.stacks.get(stack)
        for name in names:
            try:
                res = heat.resources.get(stack, name)
                line = '%s: %s' % (res.resource_status,
                                   res.resource_status_reason)
            except Exception:   # the resource row may not exist yet
                line = st.stack_status
            if len(names) > 1:
                line = '%s %s' % (name, line)
            if line != last.get(name) and not quiet:
                say('  %6.1fs  %s' % (time.monotonic() - start, line), out)
                last[name] = line
        if st.stack_status.endswith(('_COMPLETE', '_FAILED')) and (
                action is None or st.stack_status.startswith(action)):
            return st
        if time.monotonic() - start > timeout:
            raise TimeoutError('%s still %s after %ss'
                               % (stack, st.stack_status, timeout))
        time.sleep(2)


def delete_stack(heat, stack, timeout=300):
    """Delete ``stack`` by name and wait until Heat no longer lists it."""
    heat.stacks.delete(stack)
    wait_unlisted(heat, stack, timeout)


def wait_unlisted(heat, stack, timeout=300):
    """Wait until Heat's stack list no longer holds ``stack`` (a name or
    an id). Heat stores DELETE_COMPLETE first, then deletes the stack's
    trust and user, and only then soft-deletes the row the list reads:
    until then the name is still taken (a create of it is refused)."""
    deadline = time.monotonic() + timeout
    while [s for s in heat.stacks.list() if stack in (s.id, s.stack_name)]:
        if time.monotonic() > deadline:
            raise TimeoutError('%s still listed %ss after its delete'
                               % (stack, timeout))
        time.sleep(2)


def outputs(stack):
    return {o['output_key']: o.get('output_value')
            for o in (stack.outputs or [])}


def node_remote(nova, server_id, address, private_key, user='savanna'):
    """A NodeRemote pinned to the host key the server's console shows."""
    console = nova.servers.get_console_output(server_id)
    keys = remote.parse_console_host_keys(console)
    if not keys:
        raise RuntimeError('no host key in the console of %s' % server_id)
    return remote.NodeRemote('master', address, user,
                             remote.load_private_key(private_key), keys,
                             secrets=(private_key,))


def master_server_id(heat, stack, resource='spark'):
    res = heat.resources.get(stack, resource, with_attr=['nodes'])
    for node in res.attributes.get('nodes') or []:
        if 'master' in node.get('processes', []) and \
                node.get('state') == 'ACTIVE':
            return node['name'], node['address']
    raise RuntimeError('no active master in %s' % stack)


def server_id_of(heat, stack, node_name, resource='spark'):
    """The Nova server id of a node, from the cluster's ``nodes``
    attribute (the servers sit one level down, in the node sets)."""
    res = heat.resources.get(stack, resource, with_attr=['nodes'])
    for node in res.attributes['nodes']:
        if node['name'] == node_name:
            return node['server_id']
    raise KeyError(node_name)


def job_attributes(heat, stack, resource=JOB):
    """The job resource's attributes, live (Heat resolves each one)."""
    res = heat.resources.get(stack, resource, with_attr=list(JOB_ATTRIBUTES))
    return res.attributes


def wait_execution(heat, stack, count, resource=JOB, timeout=600):
    """Poll the job's attributes until it has ``count`` executions and
    the last one ended; return the attributes."""
    deadline = time.monotonic() + timeout
    while True:
        attrs = job_attributes(heat, stack, resource)
        execs = attrs.get('executions') or []
        if len(execs) >= count and execs[count - 1]['status'] in (
                'SUCCEEDED', 'FAILED', 'KILLED'):
            return attrs
        if time.monotonic() > deadline:
            raise TimeoutError('execution %d of %s not done after %ss: %s'
                               % (count, resource, timeout, execs[-1:]))
        time.sleep(2)


def pi_value(output):
    """The value of "Pi is roughly X" in a job's output, or None."""
    match = PI_RE.search(output or '')
    return float(match.group(1)) if match else None


def run_pi(node, master_ip, slices=8, timeout=300):
    """Run pyspark's Pi example on the cluster; return (value, stdout).

    The job's Python (PYSPARK_PYTHON / spark.pyspark.python) is the venv's
    interpreter, which can import pyspark; it lives under /root here, so
    the job is submitted through sudo, as a Spark image's admin would.
    """
    python = sys.executable
    cmd = ('env SPARK_CONF_DIR=/etc/spark/conf PYSPARK_PYTHON=%(py)s '
           '/opt/spark/bin/spark-submit --master spark://%(ip)s:7077 '
           '--conf spark.pyspark.python=%(py)s '
           '/opt/spark/examples/src/main/python/pi.py %(n)d'
           % {'py': python, 'ip': master_ip, 'n': slices})
    result = node.run(cmd, timeout=timeout, sudo=True)
    match = PI_RE.search(result.stdout + result.stderr)
    if not match:
        raise RuntimeError('no Pi result in the job output')
    return float(match.group(1)), result.stdout + result.stderr


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog='savanna-demo')
    parser.add_argument('--workers', type=int, default=3)
    parser.add_argument('--stack', default=STACK)
    parser.add_argument('--keep', action='store_true', default=True,
                        help='leave the cluster running (default)')
    args = parser.parse_args(argv)

    plat = platform_mod.Platform()
    heat = plat.heat_client('demo')
    from novaclient import client as nova_client
    nova = nova_client.Client('2.1', session=plat.session('demo'))

    say('== operator keypair', out)
    key_name, private = operator_keypair(nova, plat.layout)
    say('  %s (private key in %s)' % (
        key_name, plat.layout.path('%s.key' % key_name)), out)

    existing = [s for s in heat.stacks.list() if s.stack_name == args.stack]
    if existing and existing[0].stack_status not in ('CREATE_COMPLETE',
                                                     'UPDATE_COMPLETE'):
        say('== deleting the old %s (%s)' % (args.stack,
                                             existing[0].stack_status), out)
        delete_stack(heat, args.stack, timeout=900)
        existing = []
    if not existing:
        say('== creating %s from %s (%d workers)' % (
            args.stack, os.path.relpath(TEMPLATE), args.workers), out)
        with open(TEMPLATE) as f:
            heat.stacks.create(stack_name=args.stack, template=f.read(),
                               parameters={'workers': args.workers,
                                           'key_name': key_name})
    else:
        say('== %s already exists' % args.stack, out)
    stack = wait_stack(heat, args.stack, resource=('spark', JOB), out=out)
    say('== %s %s' % (args.stack, stack.stack_status), out)
    outs = outputs(stack)
    say(json.dumps({k: v for k, v in outs.items() if k != 'pi_output'},
                   indent=2, sort_keys=True), out)
    if stack.stack_status not in ('CREATE_COMPLETE', 'UPDATE_COMPLETE'):
        say('the stack did not complete: %s\nsee `heat-savanna status %s` '
            'and `heat-savanna sandbox logs heat-engine`'
            % (stack.stack_status_reason, args.stack), out)
        return 1

    if existing:
        say('== signalling the Pi job for a new execution', out)
        runs = len(job_attributes(heat, args.stack)['executions'])
        heat.resources.signal(args.stack, JOB)
        attrs = wait_execution(heat, args.stack, runs + 1)
    else:
        attrs = job_attributes(heat, args.stack)
    say('== the Pi job, from the %s resource\'s attributes' % JOB, out)
    last = attrs['executions'][-1]
    say('  execution %s (%s): %s, exit code %s, %s -> %s' % (
        last['id'], last['trigger'], attrs['status'], attrs['exit_code'],
        attrs['started_at'], attrs['finished_at']), out)
    say('  log on the master: %s' % attrs['log_path'], out)
    value = pi_value(attrs['output'])
    if attrs['status'] != 'SUCCEEDED' or value is None:
        say('the Pi job did not give a result; its output ends with:\n%s'
            % attrs['output'], out)
        return 1
    say('  Pi is roughly %s  (on %s)' % (
        value, outs.get('endpoints', {}).get('spark-master')), out)
    say('\nThe sandbox is still running. Try:\n'
        '  eval "$(.venv/bin/heat-savanna sandbox env)"\n'
        '  openstack stack list\n'
        '  openstack stack resource show %s spark\n'
        '  openstack stack resource signal %s pi '
        '--data \'{"args": ["20"]}\'\n'
        '  openstack orchestration resource type show OS::Savanna::Cluster\n'
        '  .venv/bin/heat-savanna status %s\n'
        'Stop everything with: make down' % (args.stack, args.stack,
                                             args.stack), out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
