import base64
import subprocess
from unittest import mock

import pytest

from heat_savanna.remote import hostkeys

ED_KEY = ('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJjiTBQ5JmGY2y2WzxaxZehDQ'
          'pHv60aQryO5XYALd9p')
CONSOLE = """\
[   10.331240] cloud-init[801]: Cloud-init v. 22.4.2 running 'modules:final'
<14>Nov 23 20:49:22 ec2: 
<14>Nov 23 20:49:22 ec2: #############################################################
<14>Nov 23 20:49:22 ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----
<14>Nov 23 20:49:22 ec2: 256 SHA256:ksKmXTfqQMYnOxdvNIADnAyJuSDbz7YjcCVgHxglPAA root@node-1 (ED25519)
<14>Nov 23 20:49:22 ec2: 3072 SHA256:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE root@node-1 (RSA)
<14>Nov 23 20:49:22 ec2: -----END SSH HOST KEY FINGERPRINTS-----
<14>Nov 23 20:49:22 ec2: #############################################################
-----BEGIN SSH HOST KEY KEYS-----
%s root@node-1
-----END SSH HOST KEY KEYS-----
[   11.020001] cloud-init[801]: Cloud-init v. 22.4.2 finished
""" % ED_KEY  # noqa: W291


def test_parse_console_keys_then_fingerprints():
    pins = hostkeys.parse_console_host_keys(CONSOLE)
    assert pins == [
        ED_KEY,
        'SHA256:ksKmXTfqQMYnOxdvNIADnAyJuSDbz7YjcCVgHxglPAA (ED25519)',
        'SHA256:Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE (RSA)',
    ]


def test_parse_fingerprints_only_unprefixed():
    text = ('-----BEGIN SSH HOST KEY FINGERPRINTS-----\n'
            '256 SHA256:abc root@x (ECDSA)\n'
            '-----END SSH HOST KEY FINGERPRINTS-----\n')
    assert hostkeys.parse_console_host_keys(text) == ['SHA256:abc (ECDSA)']


@pytest.mark.parametrize('text', ['', None, 'booting...\nlogin: ',
                                  '-----BEGIN SSH HOST KEY KEYS-----\n'
                                  'garbage\n'])
def test_parse_nothing(text):
    assert hostkeys.parse_console_host_keys(text) == []


def test_fingerprint_matches_ssh_keygen(tmp_path):
    path = tmp_path / 'k'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                    str(path)], check=True)
    pub = (tmp_path / 'k.pub').read_text().split()
    out = subprocess.run(['ssh-keygen', '-l', '-E', 'sha256', '-f',
                          str(path) + '.pub'], check=True,
                         capture_output=True, text=True).stdout.split()
    assert hostkeys.fingerprint(base64.b64decode(pub[1])) == out[1]


def test_pins_match_by_key_or_fingerprint():
    key_type, b64 = ED_KEY.split()
    blob = base64.b64decode(b64)
    fp = hostkeys.fingerprint(blob)
    assert hostkeys.parse_pin(ED_KEY + ' comment').matches(key_type, blob)
    assert hostkeys.parse_pin(fp + ' (ED25519)').matches(key_type, blob)
    assert hostkeys.parse_pin(fp).matches(key_type, blob)
    # right fingerprint, wrong type; wrong blob
    assert not hostkeys.parse_pin(fp + ' (RSA)').matches(key_type, blob)
    assert not hostkeys.parse_pin(ED_KEY).matches(key_type, blob[:-1] + b'x')
    assert hostkeys.parse_pin(fp + ' (ECDSA)').key_types[0] == \
        'ecdsa-sha2-nistp256'


@pytest.mark.parametrize('bad', ['', 'hello', 'ssh-ed25519 !!!notbase64'])
def test_bad_pins_rejected(bad):
    with pytest.raises(ValueError):
        hostkeys.parse_pin(bad)


def _key(text):
    key_type, b64 = text.split()[:2]
    return key_type, base64.b64decode(b64), b64


def test_a_check_accepts_only_the_pinned_key():
    pinned = 'ssh-ed25519 ' + base64.b64encode(b'pinned-key').decode()
    other = 'ssh-ed25519 ' + base64.b64encode(b'other-key').decode()
    check = hostkeys.HostKeyCheck('n1', [pinned], 'pinned', mock.Mock())
    check.verify(*_key(pinned))
    with pytest.raises(hostkeys.UnknownHostKey) as err:
        check.verify(*_key(other))
    assert 'does not match the pinned host key' in str(err.value)
    assert check.seen == other


def test_accept_new_pins_the_first_key_and_refuses_a_second():
    first = 'ssh-ed25519 ' + base64.b64encode(b'first').decode()
    second = 'ssh-ed25519 ' + base64.b64encode(b'second').decode()
    check = hostkeys.HostKeyCheck('n1', [], 'accept-new', mock.Mock())
    check.verify(*_key(first))
    with pytest.raises(hostkeys.UnknownHostKey):
        check.verify(*_key(second))
    none = hostkeys.HostKeyCheck('n1', [], 'pinned', mock.Mock())
    with pytest.raises(hostkeys.UnknownHostKey) as err:
        none.verify(*_key(first))
    assert 'no host key was pinned' in str(err.value)


def test_the_pinned_key_type_is_asked_for_first():
    rsa = 'ssh-rsa ' + base64.b64encode(b'rsa').decode()
    check = hostkeys.HostKeyCheck('n1', [rsa], 'pinned', mock.Mock())
    assert check.preferred_algorithms(
        ['ssh-ed25519', 'rsa-sha2-256', 'ssh-rsa']) == [
        'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']
    with pytest.raises(ValueError):
        hostkeys.HostKeyCheck('n1', [], 'trust-me', mock.Mock())
