"""The simulator's state: every simulated resource, in memory, one lock.

Records are plain dicts in per-kind tables. The services render them into
their API shapes; the admin API lists them for the inventory. Records
created at start-up carry ``_preseeded`` so the inventory can tell the
cloud's furniture (flavors, images, networks) from what tests created.
"""

import ipaddress
import random
import threading
import uuid

KINDS = ('servers', 'volumes', 'attachments', 'ports', 'floatingips',
         'security_groups', 'security_group_rules', 'server_groups',
         'keypairs', 'networks', 'subnets', 'flavors', 'images',
         'volume_types')

#: Kinds the inventory reports (what a test can leak).
INVENTORY_KINDS = ('servers', 'volumes', 'attachments', 'ports',
                   'floatingips', 'security_groups', 'security_group_rules',
                   'server_groups', 'keypairs', 'networks', 'subnets')


class AddressPool(object):
    """Hands out a subnet's addresses round-robin, never the gateway.

    Round-robin (rather than lowest free) so a freed address is not reused
    at once: a new server on an old address would present new host keys to
    clients that pinned the old ones.
    """

    def __init__(self, cidr):
        self.network = ipaddress.ip_network(cidr)
        hosts = list(self.network.hosts())
        self.gateway = str(hosts[0])
        self.candidates = [str(h) for h in hosts[1:]]
        self.used = set()
        self.cursor = 0

    @property
    def first(self):
        return self.candidates[0]

    @property
    def last(self):
        return self.candidates[-1]

    def allocate(self, wanted=None):
        if wanted is not None:
            if wanted not in self.candidates or wanted in self.used:
                return None
            self.used.add(wanted)
            return wanted
        for step in range(len(self.candidates)):
            index = (self.cursor + step) % len(self.candidates)
            address = self.candidates[index]
            if address not in self.used:
                self.used.add(address)
                self.cursor = index + 1
                return address
        return None

    def release(self, address):
        self.used.discard(address)


class Store(object):
    """Tables of records plus the address pools, guarded by one lock."""

    def __init__(self, seed=0):
        self.lock = threading.RLock()
        self.tables = {kind: {} for kind in KINDS}
        self.pools = {}             # subnet id -> AddressPool
        self.rng = random.Random(seed)
        self._seq = 0

    def next_seq(self):
        """A number that is never reused (instance names, reservations)."""
        with self.lock:
            self._seq += 1
            return self._seq

    def new_id(self):
        return str(uuid.uuid4())

    def new_mac(self):
        with self.lock:
            return 'fa:16:3e:%02x:%02x:%02x' % tuple(
                self.rng.randrange(256) for _ in range(3))

    def add(self, kind, record, preseeded=False):
        with self.lock:
            record.setdefault('id', self.new_id())
            if preseeded:
                record['_preseeded'] = True
            self.tables[kind][record['id']] = record
            return record

    def get(self, kind, ident):
        with self.lock:
            return self.tables[kind].get(ident)

    def remove(self, kind, ident):
        with self.lock:
            return self.tables[kind].pop(ident, None)

    def values(self, kind):
        with self.lock:
            return list(self.tables[kind].values())

    def find(self, kind, **attrs):
        with self.lock:
            return [r for r in self.tables[kind].values()
                    if all(r.get(k) == v for k, v in attrs.items())]

    def inventory(self):
        """What exists that was not pre-seeded, per kind, in short form."""
        with self.lock:
            live = {}
            preseeded = {}
            for kind in INVENTORY_KINDS + ('flavors', 'images',
                                           'volume_types'):
                for rec in self.tables[kind].values():
                    entry = {k: rec.get(k) for k in
                             ('id', 'name', 'status', 'project_id')
                             if k in rec}
                    if kind == 'servers':
                        entry['addresses'] = rec.get('_addresses', [])
                        entry['host'] = rec.get('host')
                    if kind == 'attachments':
                        entry.update(server_id=rec['server_id'],
                                     volume_id=rec['volume_id'])
                    if kind == 'security_group_rules':
                        entry['security_group_id'] = \
                            rec['security_group_id']
                    target = preseeded if rec.get('_preseeded') else live
                    target.setdefault(kind, []).append(entry)
            count = sum(len(v) for v in live.values())
            return {'empty': count == 0, 'count': count,
                    'live': {k: live.get(k, []) for k in INVENTORY_KINDS},
                    'preseeded': preseeded}


def public(record):
    """A record without the simulator's private ``_`` keys."""
    return {k: v for k, v in record.items() if not k.startswith('_')}
