"""Figure 12's failure attribution and in-place volume test, untimed:
what Heat reports when one node of each ResourceGroup member shape
(templates/member.yaml, templates/member-lean.yaml) fails, and whether
adding a volume keeps a node's server. Not part of ``make bench``; by
hand, under no lock (it takes the sandbox lock and a fresh sandbox
itself, like run.py)::

    python benchmarks/shape_faults.py [--json /tmp/shape-faults.json]

* **attribution**: a group of 5 members of each shape, twice: member
  1's port create answers 409, then (another group) member 3's volume
  attach 500 (the simulator's ``resource_failure`` faults; a lean
  member's port, which Heat names ``server-port-0`` in every member, is
  picked by its description, the node's name). One fault a group: a
  ResourceGroup starts no more members once one has failed, and the
  members in progress are not all recorded, so a second fault in the
  same group shows or not depending on timing. One line per failed
  member resource: the shape, the member, the resource and its type,
  Heat's status_reason.
* **in place**: a group of 2 members of each shape created without
  volumes, then updated to one volume a node: were the servers kept?

Both print what the simulator has left after the deletes.
"""

import argparse
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, 'contrib', 'sandbox'))

from benchmarks import fig_infra  # noqa: E402

NODES, PORT_MEMBER, VOLUME_MEMBER = 5, 1, 3
FAULTS = ('port', 'attach')
BOOT_LATENCY = 1.0
_MEMBER = re.compile(r'-(\d+)-[a-z0-9]+$')


def node_name(stack, index):
    """The server name (and lean port description) baseline.yaml gives
    member ``index`` of ``stack``."""
    return '%s-node-%d' % (stack, index)


def faults(shape, stack, fault):
    """The fault document of the attribution test: ``fault`` 'port'
    (member PORT_MEMBER's port create) or 'attach' (member
    VOLUME_MEMBER's volume attach)."""
    if fault == 'attach':
        failure = {'volume_attach': {'names': [
            node_name(stack, VOLUME_MEMBER)]}}
    elif shape == 'lean':
        failure = {'port_create': {'descriptions': [
            node_name(stack, PORT_MEMBER)]}}
    else:
        # Heat names a member's port <group stack>-<index>-<id>-port-<id>
        failure = {'port_create': {'names': [
            '%s-nodes-*-%d-*-port-*' % (stack, PORT_MEMBER)]}}
    return {'boot_latency': BOOT_LATENCY, 'resource_failure': failure}


def member_index(member_stack_name):
    """The member index in a ResourceGroup member stack's name
    (``<group stack>-<index>-<short id>``), or None."""
    found = _MEMBER.search(member_stack_name or '')
    return int(found.group(1)) if found else None


def failed_rows(shape, rows):
    """``[{shape, member, resource, type, reason}]``: the failed
    resources inside the members, from ``(member stack name, depth,
    resource name, type, status, reason)`` rows."""
    found = []
    for stack, depth, name, rtype, status, reason in rows:
        if depth == 2 and status == 'FAILED':
            found.append({'shape': shape, 'member': member_index(stack),
                          'resource': name, 'type': rtype,
                          'reason': ' '.join((reason or '').split())})
    return sorted(found, key=lambda r: (r['member'] is None, r['member']))


def table(found):
    return ['%-5s member %s: %s (%s): %s' % (
        r['shape'], r['member'], r['resource'], r['type'], r['reason'][:220])
        for r in found]


# -- on the sandbox -----------------------------------------------------------
def _wait(heat, sid):
    while True:
        st = heat.stacks.get(sid)
        if not st.stack_status.endswith('IN_PROGRESS'):
            return st
        time.sleep(1)


def _create(bench, name, shape, count, volumes=1):
    return fig_infra.create_request(
        bench, fig_infra.RG, count, name, volumes,
        fig_infra.SHAPES[shape])['stack']['id']


def attribution(bench, shape, fault):
    from benchmarks import sandbox
    name = 'bench-attr-%s-%s' % (shape, fault)
    sandbox.reset_faults()
    sandbox.set_faults(faults(shape, name, fault))
    t0 = time.monotonic()
    sid = _create(bench, name, shape, NODES)
    st = _wait(bench.heat, sid)
    took = time.monotonic() - t0
    time.sleep(5)       # members still in progress settle
    rows = bench.db.query(
        'SELECT s.name, s.nested_depth, r.name, r.status, r.status_reason '
        'FROM resource r JOIN stack s ON r.stack_id = s.id '
        'WHERE r.root_stack_id = %s', (sid,))
    # every member has the same resources: their types by name
    types = {r.resource_name: r.resource_type for r in
             bench.heat.resources.list(sid, nested_depth=2)}
    rows = [(stack, depth, res, types.get(res), status, why)
            for stack, depth, res, status, why in rows]
    fired = sandbox.admin('GET', '/faults')['fired']
    sandbox.reset_faults()
    fig_infra.delete(bench, sid)
    return {'shape': shape, 'fault': fault, 'stack_status': st.stack_status,
            'stack_reason': ' '.join((st.stack_status_reason or '').split()),
            'seconds': took, 'fired': fired,
            'failed': failed_rows(shape, rows)}


def in_place(bench, shape):
    from benchmarks import sandbox
    name = 'bench-upd-%s' % shape
    sandbox.reset_faults()
    sandbox.set_faults({'boot_latency': BOOT_LATENCY})
    sid = _create(bench, name, shape, 2, volumes=0)
    _wait(bench.heat, sid)
    before = sandbox.server_ids(name)
    bench.heat.stacks.update(
        sid, template=fig_infra.read_template('baseline.yaml'),
        files={'member.yaml': fig_infra.read_template(
            fig_infra.SHAPES[shape])},
        parameters={'count': 2, 'public_key': bench.public_key,
                    'volumes': 1})
    time.sleep(2)
    st = _wait(bench.heat, sid)
    after = sandbox.server_ids(name)
    fig_infra.delete(bench, sid)
    return {'shape': shape, 'update': st.stack_status,
            'servers_kept': sorted(before.values()) ==
            sorted(after.values()), 'before': before, 'after': after}


def main(argv=None):
    from benchmarks import run
    from benchmarks import sandbox
    p = argparse.ArgumentParser(prog='benchmarks/shape_faults.py',
                                description=__doc__.split('\n\n')[0])
    p.add_argument('--json', default='/tmp/shape-faults.json')
    args = p.parse_args(argv)
    out = {'attribution': [], 'in_place': []}
    with run.sandbox_lock(), sandbox.fresh(run.DEFAULT_SETTINGS, run.log):
        bench = fig_infra.Bench(run.log, BOOT_LATENCY, run.STUB_PARENT,
                                run.DEFAULT_SETTINGS)
        try:
            for fault in FAULTS:
                for shape in fig_infra.SHAPES:
                    found = attribution(bench, shape, fault)
                    out['attribution'].append(found)
                    print('%s, %s fault: %s in %.0fs: %s' % (
                        shape, fault, found['stack_status'],
                        found['seconds'], found['fired']))
                    print('\n'.join(table(found['failed'])))
            for shape in fig_infra.SHAPES:
                upd = in_place(bench, shape)
                out['in_place'].append(upd)
                print('%s: volumes 0 -> 1: %s, servers kept: %s'
                      % (shape, upd['update'], upd['servers_kept']))
            out['left'] = sandbox.leftovers(run.LEAK_PREFIXES)
            print('left after the deletes: %s' % (out['left'] or 'nothing'))
        finally:
            bench.close()
    with open(args.json, 'w') as f:
        json.dump(out, f, indent=1, default=str)
    return 0


if __name__ == '__main__':
    sys.exit(main())
