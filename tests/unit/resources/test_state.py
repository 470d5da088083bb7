"""The cluster's state in Heat's resource data: one value per node, so
no value outgrows the column (TEXT, 64 KiB in MariaDB/MySQL) however big
the cluster, and a save writes only what changed."""

import base64
import json
import os

from heat_savanna.resources import state as state_mod

#: MariaDB's TEXT, the type of resource_data.value in Heat 27
TEXT_BYTES = 65535


class FakeResource(object):
    """The resource-data calls state.py makes, on a dict."""

    def __init__(self, data=None):
        self.stored = dict(data or {})
        self.writes, self.deletes = [], []

    def data(self):
        return dict(self.stored)

    def data_set(self, key, value, redact=False):
        self.writes.append(key)
        self.stored[key] = value

    def data_delete(self, key):
        self.deletes.append(key)
        del self.stored[key]


def host_keys():
    """A real cloud's three host keys, as random as real ones."""
    def b64(n):
        return base64.b64encode(os.urandom(n)).decode()
    return ['ssh-rsa ' + b64(407), 'ecdsa-sha2-nistp256 ' + b64(104),
            'ssh-ed25519 ' + b64(51)]


def cluster_state(workers):
    names = ['master-0'] + ['worker-%d' % i for i in range(workers)]
    nodes = {n: {'group': n.split('-')[0], 'processes': ['worker'],
                 'state': 'ACTIVE', 'phase': '', 'reason': '',
                 'server_id': '0f5c1d9e-%04d-4cde-9b1e-5d2f8a7c6b3a' % i,
                 'fixed_ip': '10.0.%d.%d' % (i // 250, i % 250 + 2),
                 'floating_ip': '172.24.%d.%d' % (i // 250, i % 250 + 2),
                 'host_keys': host_keys()}
             for i, n in enumerate(names)}
    return {'layout': {'groups': [
        {'name': 'master', 'next_index': 1, 'nodes': names[:1]},
        {'name': 'worker', 'next_index': workers, 'nodes': names[1:]}],
        'node_sets': [{'name': n, 'group': n.split('-')[0], 'nodes': [n]}
                      for n in names]},
        'ssh_user': 'savanna', 'summary': 'ACTIVE', 'nodes': nodes}


def test_no_value_outgrows_the_column_at_three_hundred_nodes():
    state = cluster_state(300)
    whole = json.dumps(state)
    assert len(whole) > 4 * TEXT_BYTES       # one value would not fit
    data = state_mod.pack(state)
    assert len(data) == 1 + 301
    # the layout (names of nodes and node sets) is the largest left
    assert max(len(v.encode()) for v in data.values()) < TEXT_BYTES // 2
    assert state_mod.unpack(data) == state


def test_save_writes_what_changed_and_drops_removed_nodes():
    rsrc = FakeResource()
    state = cluster_state(3)
    state_mod.save(rsrc, state)
    assert sorted(rsrc.writes) == ['cluster', 'node.master-0',
                                   'node.worker-0', 'node.worker-1',
                                   'node.worker-2']
    assert state_mod.load(rsrc) == state
    rsrc.writes.clear()
    state['nodes']['worker-1']['state'] = 'FAILED'
    del state['nodes']['worker-2']
    state_mod.save(rsrc, state)
    assert rsrc.writes == ['node.worker-1']
    assert rsrc.deletes == ['node.worker-2']
    assert state_mod.load(rsrc) == state
    rsrc.writes.clear()
    state_mod.save(rsrc, state)              # nothing changed
    assert rsrc.writes == []


def test_a_state_saved_whole_by_an_earlier_release_is_read_then_split():
    state = cluster_state(2)
    rsrc = FakeResource({'cluster': json.dumps(state),
                         'management_key': 'PRIVATE'})
    assert state_mod.load(rsrc) == state
    state_mod.save(rsrc, state)
    assert 'nodes' not in json.loads(rsrc.stored['cluster'])
    assert set(rsrc.stored) == {'cluster', 'management_key',
                                'node.master-0', 'node.worker-0',
                                'node.worker-1'}
    assert state_mod.load(rsrc) == state
    assert rsrc.deletes == []                 # the key is not a node's


def test_nothing_stored_is_an_empty_state():
    assert state_mod.load(FakeResource()) == {}
    assert state_mod.load(FakeResource({'cluster': 'not json'})) == {}
