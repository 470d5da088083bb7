"""Host keys: reading them from a node's console and matching pins.

A new server's host key is unknown to the engine. cloud-init prints the
keys (and their fingerprints) to the console, which Nova serves over its
authenticated API: that is the trustworthy channel to learn them, so we
pin those and refuse any other key (no trust-on-first-use by default).

A pin is a string, so it can be kept in Heat's resource data as-is:

* a public key line: ``ssh-ed25519 AAAAC3... [comment]``
* a fingerprint: ``SHA256:47DEQpj8... (ED25519)``; the type part is
  optional (``SHA256:xxx`` matches a key of any type).
"""

import base64
import dataclasses
import hashlib
import re
import typing

_KEYS_BEGIN = '-----BEGIN SSH HOST KEY KEYS-----'
_KEYS_END = '-----END SSH HOST KEY KEYS-----'
_FP_BEGIN = '-----BEGIN SSH HOST KEY FINGERPRINTS-----'
_FP_END = '-----END SSH HOST KEY FINGERPRINTS-----'

# syslog-style prefix cloud-init's write-ssh-key-fingerprints adds,
# e.g. "<14>Nov 23 20:00:01 ec2: ", and the kernel-timestamp one
# "[   12.345678] cloud-init[901]: ".
_PREFIX = re.compile(r'^(?:\[\s*[\d.]+\]\s*)?(?:<\d+>.*?\bec2:\s?|'
                     r'\S*cloud-init\[\d+\]:\s?|ci-info:\s?)?')
_KEY_LINE = re.compile(r'^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|'
                       r'sk-[a-z0-9@.-]+)\s+([A-Za-z0-9+/=]+)(?:\s.*)?$')
_FP_LINE = re.compile(r'^\d+\s+(SHA256:[A-Za-z0-9+/=]+)\s+.*?'
                      r'\((\w+)\)\s*$')

# fingerprint type (as ssh-keygen prints it) -> key type names
FP_TYPES = {
    'ED25519': ('ssh-ed25519',),
    'ECDSA': ('ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384',
              'ecdsa-sha2-nistp521'),
    'RSA': ('ssh-rsa',),
    'DSA': ('ssh-dss',),
}


def _strip(line):
    return _PREFIX.sub('', line.rstrip('\r\n')).strip()


def _blocks(text, begin, end):
    inside = False
    for raw in text.splitlines():
        line = _strip(raw)
        if line == begin:
            inside = True
        elif line == end:
            inside = False
        elif inside and line:
            yield line


def parse_console_host_keys(console_text):
    """Pins found in cloud-init's console output.

    Returns a list of strings: first every public key of the
    ``SSH HOST KEY KEYS`` block (``"type base64"``, comment dropped), then
    every fingerprint of the ``SSH HOST KEY FINGERPRINTS`` block
    (``"SHA256:xxx (TYPE)"``). Duplicates are dropped, order is kept; an
    empty list means the console did not (yet) show any key.
    """
    pins = []
    text = console_text or ''
    for line in _blocks(text, _KEYS_BEGIN, _KEYS_END):
        m = _KEY_LINE.match(line)
        if m:
            pins.append('%s %s' % (m.group(1), m.group(2)))
    for line in _blocks(text, _FP_BEGIN, _FP_END):
        m = _FP_LINE.match(line)
        if m:
            pins.append('%s (%s)' % (m.group(1), m.group(2).upper()))
    return list(dict.fromkeys(pins))


def fingerprint(key_blob):
    """OpenSSH's ``SHA256:`` fingerprint of a public key blob."""
    digest = hashlib.sha256(key_blob).digest()
    return 'SHA256:' + base64.b64encode(digest).decode().rstrip('=')


@dataclasses.dataclass(frozen=True)
class Pin:
    """One parsed pin: either a full key or a fingerprint."""
    key_type: typing.Optional[str] = None    # for full keys
    blob: typing.Optional[bytes] = None      # for full keys
    fingerprint: typing.Optional[str] = None
    fp_type: typing.Optional[str] = None     # e.g. 'ED25519'

    @property
    def key_types(self):
        """Key algorithm names this pin can match (for negotiation)."""
        if self.key_type:
            return (self.key_type,)
        return FP_TYPES.get(self.fp_type or '', ())

    def matches(self, key_type, blob):
        if self.blob is not None:
            return self.key_type == key_type and self.blob == blob
        if self.fp_type and key_type not in FP_TYPES.get(self.fp_type, ()):
            return False
        return fingerprint(blob) == self.fingerprint


def parse_pin(text):
    """Parse one pin string (see module doc); ValueError if malformed."""
    text = (text or '').strip()
    if text.startswith('SHA256:'):
        fp, _, rest = text.partition(' ')
        fp = fp.rstrip('=')
        rest = rest.strip().strip('()').upper() or None
        return Pin(fingerprint=fp, fp_type=rest)
    parts = text.split()
    if len(parts) >= 2:
        try:
            blob = base64.b64decode(parts[1], validate=True)
        except ValueError:
            raise ValueError('host key %r is not valid base64'
                             % parts[1][:16])
        return Pin(key_type=parts[0], blob=blob)
    raise ValueError('not a host key or SHA256 fingerprint: %r' % text[:40])


#: host key policies: only pinned keys; the first key seen pinned when
#: there is no pin (trust on first use); anything, with a warning
POLICIES = ('pinned', 'accept-new', 'insecure-auto-add')

# Host-key algorithms to offer for a pinned key type.
_ALGORITHMS = {
    'ssh-rsa': ('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'),
}


class UnknownHostKey(Exception):
    """A presented key no pin matches (the message says which)."""


class HostKeyCheck(object):
    """Whether the key a node presents is the one pinned for it, under a
    policy (see :data:`POLICIES`); remembers the key it was shown."""

    def __init__(self, node_name, pins, policy, log):
        if policy not in POLICIES:
            raise ValueError('host key policy must be one of %s'
                             % ', '.join(POLICIES))
        self.node_name = node_name
        self.pins = [parse_pin(p) for p in (pins or ())]
        self.policy = policy
        self.log = log
        #: pin string of the key the server presented (after connecting)
        self.seen = None

    def preferred_algorithms(self, available):
        """``available`` host-key algorithms, those of the pinned keys'
        types first (the server presents the one the client asks for
        first)."""
        wanted = []
        for pin in self.pins:
            for kt in pin.key_types:
                wanted.extend(_ALGORITHMS.get(kt, (kt,)))
        first = [a for a in dict.fromkeys(wanted) if a in available]
        return first + [a for a in available if a not in first]

    def verify(self, key_type, blob, base64_text):
        """Accept the presented key or raise :class:`UnknownHostKey`."""
        seen = '%s %s' % (key_type, base64_text)
        self.seen = seen
        if any(p.matches(key_type, blob) for p in self.pins):
            return
        fp = fingerprint(blob)
        if self.policy == 'insecure-auto-add':
            self.log.warning('%s: accepting unverified host key %s %s '
                             '(host_key_policy=insecure-auto-add)',
                             self.node_name, key_type, fp)
            return
        if self.policy == 'accept-new' and not self.pins:
            self.log.info('%s: pinning first seen host key %s %s',
                          self.node_name, key_type, fp)
            self.pins.append(parse_pin(seen))
            return
        if not self.pins:
            raise UnknownHostKey('host key %s %s is unknown: no host key '
                                 'was pinned for this node' % (key_type, fp))
        raise UnknownHostKey('host key %s %s does not match the pinned host '
                             'key(s); refusing to connect' % (key_type, fp))
