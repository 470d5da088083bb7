"""Server actions: stop, start, reboot, suspend, resume, force delete and
the console output."""

import logging
import time

from savanna_sandbox.cloud import wsgi
from savanna_sandbox.cloud.compute import base

LOG = logging.getLogger(__name__)


class Actions(base.ComputeBase):
    """POST /servers/{id}/action."""

    def server_action(self, req, id):
        rec = self._server(req, id)
        body = wsgi.json_body(req)
        if not isinstance(body, dict) or len(body) != 1:
            raise wsgi.bad_request('One action per request')
        action, args = next(iter(body.items()))
        handler = {
            'os-stop': self._stop, 'os-start': self._start,
            'reboot': self._reboot, 'suspend': self._suspend,
            'resume': self._resume,
            'os-getConsoleOutput': self._console,
            'forceDelete': self._force_delete,
        }.get(action)
        if handler is None:
            raise wsgi.bad_request('Action %s is not supported by the '
                                   'simulator' % action)
        return handler(req, rec, args or {})

    def _require(self, rec, action, states):
        if rec['status'] not in states or rec['task_state']:
            raise wsgi.conflict("Cannot '%s' instance %s while it is in "
                                "vm_state %s" % (action, rec['id'],
                                                 rec['vm_state']))

    def _power(self, rec, action, states, **power):
        """One power switch of ``rec`` if it is in one of ``states``."""
        self._require(rec, action, states)
        self.cloud.power(rec, **power)
        return wsgi.Reply(202)

    def _stop(self, req, rec, args):
        return self._power(rec, 'stop', ('ACTIVE', 'ERROR'), on=False,
                           status='SHUTOFF')

    def _start(self, req, rec, args):
        return self._power(rec, 'start', ('SHUTOFF',), on=True)

    def _suspend(self, req, rec, args):
        return self._power(rec, 'suspend', ('ACTIVE',), on=False,
                           status='SUSPENDED')

    def _resume(self, req, rec, args):
        return self._power(rec, 'resume', ('SUSPENDED',), on=True)

    def _reboot(self, req, rec, args):
        self._require(rec, 'reboot', ('ACTIVE', 'SHUTOFF'))
        self.cloud.power(rec, on=False, status='REBOOT')
        self.cloud.power(rec, on=True)
        return wsgi.Reply(202)

    def _force_delete(self, req, rec, args):
        self.cloud.delete_server(rec)
        return wsgi.Reply(202)

    def _console(self, req, rec, args):
        host = self.cloud.hosts.get(rec['id'])
        text = ''
        if host is not None:
            try:
                text = host.console_output() or ''
            except Exception:
                LOG.exception('console output of %s', rec['name'])
            delay = self.cloud.faults.host_keys_delay(rec['name'])
            if delay and time.monotonic() - rec.get(
                    '_active_at', time.monotonic()) < delay:
                text = _without_host_keys(text)
        length = args.get('length')
        if length is not None:
            length = int(length)
            lines = text.splitlines(True)
            text = ''.join(lines[-length:]) if length > 0 else ''
        return {'output': text}


def _without_host_keys(console):
    """The console as it reads before cloud-init printed the host keys."""
    lines = []
    for line in console.splitlines(True):
        if 'BEGIN SSH HOST KEY' in line:
            break
        lines.append(line)
    return ''.join(lines)
