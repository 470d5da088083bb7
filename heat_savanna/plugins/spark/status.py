"""Reading the Spark master's ``/json/`` status page: the judges of
readiness.

Self-contained on purpose (standard library only, no other import): the
SSH transport calls these functions in the engine on the page it fetched
from the master, and the Heat agent transport runs this module's source
on a node, where the same functions judge the page the node fetched
itself (see ``heat_savanna.plugins.base.Probe``). One judge,
both transports.
"""

import json


def parse_master_json(text):
    """The master's /json/ document as a dict (ValueError if not JSON)."""
    data = json.loads(text) if isinstance(text, (str, bytes)) else text
    if not isinstance(data, dict):
        raise ValueError('master status is not a JSON object')
    return data


def _status(text):
    try:
        return parse_master_json(text)
    except ValueError:
        return {}


def worker_states(status):
    """``{host: state}`` from a master status; an ALIVE registration wins
    over older DEAD/DECOMMISSIONED ones of the same host."""
    states = {}
    for w in _status(status).get('workers') or ():
        host, state = w.get('host'), w.get('state')
        if states.get(host) != 'ALIVE':
            states[host] = state
    return states


def registration_stamp(worker_id):
    """``worker-20261129173426-10.0.0.5-35017`` -> ``20261129173426``."""
    parts = (worker_id or '').split('-')
    return parts[1] if len(parts) > 2 else ''


def master_alive(status):
    """The master says it is ALIVE."""
    return _status(status).get('status') == 'ALIVE'


def worker_alive(status, host, since=''):
    """``host`` has an ALIVE registration at the master, made at or after
    ``since`` (a ``%Y%m%d%H%M%S`` stamp of the worker's clock; '' for any
    registration)."""
    for w in _status(status).get('workers') or ():
        if w.get('host') == host and w.get('state') == 'ALIVE' and \
                registration_stamp(w.get('id')) >= (since or ''):
            return True
    return False


def worker_gone(status, host):
    """``host`` has no ALIVE registration at the master (decommissioned,
    stopped or never there)."""
    return not worker_alive(status, host)
