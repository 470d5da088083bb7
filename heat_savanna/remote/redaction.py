"""Removing secrets from text before it reaches a log, an exception or a
Heat event.

Every message built from remote output (stderr tails, failed commands) goes
through :func:`redact`, because a command may carry a password or a key and
its stderr may echo it back.
"""

import re

MASK = '***'

# Things that look like secrets even when nobody declared them.
_PATTERNS = [
    re.compile(r'-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?'
               r'(-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)', re.S),
    re.compile(r'(?i)\b(password|passwd|secret|token)(\s*[=:]\s*)(\S+)'),
]


def redact(text, secrets=()):
    """Return ``text`` with every secret in ``secrets`` (and anything shaped
    like a private key or ``password=...``) replaced by ``***``.

    ``text`` may be ``bytes`` (decoded as UTF-8 with replacement) or None.
    Longer secrets are replaced first so a secret containing another one is
    fully masked.
    """
    if text is None:
        return ''
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        if isinstance(secret, bytes):
            secret = secret.decode('utf-8', 'replace')
        text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(MASK, text)
    text = _PATTERNS[1].sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    return text


def tail(text, lines=10, limit=2000):
    """The last ``lines`` lines of ``text`` (at most ``limit`` chars): the
    part of stderr that usually says what went wrong."""
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    text = (text or '').rstrip('\n')
    out = '\n'.join(text.splitlines()[-lines:])
    return out[-limit:]
