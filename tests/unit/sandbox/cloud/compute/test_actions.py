"""cloud.compute.actions: power actions, their conflicts, the console."""

import pytest

from savanna_sandbox.cloud.compute import actions
from tests.unit.sandbox.cloud import helpers


def _act(sim, rec, body):
    return helpers.call(sim.compute, 'POST',
                        '/v2.1/servers/%s/action' % rec['id'], body)


@pytest.mark.parametrize('status, action', [
    ('SHUTOFF', 'os-stop'), ('ACTIVE', 'os-start'),
    ('SHUTOFF', 'suspend'), ('ACTIVE', 'resume'),
    ('BUILD', 'reboot')])
def test_an_action_in_the_wrong_state_is_a_conflict(offline, status,
                                                    action):
    rec = helpers.add_server(offline, 'wrong-state', status=status)
    status, body, _ = _act(offline, rec, {action: None})
    assert status == 409
    assert body['conflictingRequest']['message'].startswith(
        "Cannot '%s' instance %s while it is in vm_state" % (
            {'os-stop': 'stop', 'os-start': 'start'}.get(action, action),
            rec['id']))


def test_one_known_action_per_request(offline):
    rec = helpers.add_server(offline, 'one-action')
    status, body, _ = _act(offline, rec, {'os-stop': None,
                                          'os-start': None})
    assert (status, body['badRequest']['message']) == (
        400, 'One action per request')
    status, body, _ = _act(offline, rec, {'shelve': None})
    assert (status, body['badRequest']['message']) == (
        400, 'Action shelve is not supported by the simulator')


def test_console_of_a_server_without_a_host_is_empty(offline):
    rec = helpers.add_server(offline, 'no-host')
    status, body, _ = _act(offline, rec, {'os-getConsoleOutput': {
        'length': 5}})
    assert (status, body) == (200, {'output': ''})


def test_late_host_keys_are_cut_from_the_console():
    console = ('boot\nBEGIN SSH HOST KEY FINGERPRINTS\nkey\n'
               'END SSH HOST KEY FINGERPRINTS\nlogin:\n')
    assert actions._without_host_keys(console) == 'boot\n'
    assert actions._without_host_keys('boot\n') == 'boot\n'
