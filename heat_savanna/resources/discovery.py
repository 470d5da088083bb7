"""Learning what a built node is: its addresses and its SSH host keys.

Addresses come from the node's outputs in its stack. Host keys come from
the server's console output through Nova's authenticated API (see
:mod:`heat_savanna.remote.hostkeys`): on a real cloud cloud-init prints
them some time after the server went ACTIVE, so with the ``pinned``
policy the console is read again every few seconds until every node's
keys are there or ``[savanna] host_key_timeout`` has passed; a node
without keys then fails in phase ``host-key``.
"""

import time

from oslo_log import log as logging

from heat_savanna.common import config as sv_config
from heat_savanna.core import build
from heat_savanna import remote

LOG = logging.getLogger(__name__)
CONF = sv_config.CONF

#: seconds between two readings of a node's console
CONSOLE_INTERVAL = 3.0


def console_host_keys(nova, server_id):
    """The host key pins printed on a server's console ([] if none yet or
    the console cannot be read)."""
    try:
        console = nova.servers.get_console_output(server_id)
    except Exception as exc:
        LOG.warning('console of server %s unreadable: %s', server_id,
                    type(exc).__name__)
        return []
    return remote.parse_console_host_keys(console or '')


class Discovery(object):
    """Addresses and host keys of some built nodes, one bounded look a
    call (:meth:`advance`), then :meth:`records`.

    :param rsrc: the Heat resource (for its Nova client).
    :param nodes: names of the built nodes.
    :param outputs: ``{node: {server_id, fixed_ip, floating_ip}}``.
    :param clock: injectable monotonic clock (tests).
    """

    def __init__(self, rsrc, nodes, outputs, clock=time.monotonic,
                 policy=None, timeout=None):
        self.rsrc = rsrc
        self.clock = clock
        self.policy = policy or CONF.savanna.host_key_policy
        self.timeout = (CONF.savanna.host_key_timeout if timeout is None
                        else timeout)
        self.started = None
        self.next_look = 0.0
        self._records = {}
        self.waiting = []
        for name in nodes:
            out = outputs.get(name) or {}
            rec = {'state': build.BUILT, 'phase': '', 'reason': '',
                   'server_id': out.get('server_id'),
                   'fixed_ip': out.get('fixed_ip'),
                   'floating_ip': out.get('floating_ip'),
                   'host_keys': []}
            if not rec['fixed_ip']:
                rec.update(state=build.FAILED, phase='network',
                           reason='no address reported')
            elif self.policy == 'pinned':
                self.waiting.append(name)
            self._records[name] = rec

    def advance(self):
        """Read the consoles still awaited; True when discovery is done."""
        if not self.waiting:
            return True
        now = self.clock()
        if self.started is None:
            self.started = now
        if now < self.next_look:
            return False
        self.next_look = now + CONSOLE_INTERVAL
        nova = self.rsrc.client('nova')
        still = []
        for name in self.waiting:
            rec = self._records[name]
            keys = console_host_keys(nova, rec['server_id'])
            if keys:
                rec['host_keys'] = keys
            else:
                LOG.debug('%s: no host keys on the console of server %s '
                          'yet (%.0fs)', name, rec['server_id'],
                          now - self.started)
                still.append(name)
        self.waiting = still
        if still and now - self.started >= self.timeout:
            for name in still:
                self._records[name].update(
                    state=build.FAILED, phase='host-key',
                    reason='no SSH host key in the console output to pin '
                    'after %ds ([savanna] host_key_timeout)'
                    % self.timeout)
            self.waiting = []
        return not self.waiting

    def records(self):
        """``{node: record}``: state BUILT or FAILED, phase, reason,
        server_id, fixed_ip, floating_ip, host_keys."""
        return {name: dict(rec) for name, rec in self._records.items()}
