"""The one remote layer every plugin uses (paramiko over SSH).

Public API::

    NodeRemote(node_name, host, username, pkey, host_keys, port=22,
               policy=None, connect_timeout=None, command_timeout=None,
               secrets=(), connect_retries=None)
    CommandResult(exit_code, stdout, stderr)
    run_parallel(items, fn, max_workers=None) -> {key: Outcome}
    parse_console_host_keys(console_text) -> [pin, ...]
    redact(text, secrets)
"""

from heat_savanna.remote.hostkeys import fingerprint
from heat_savanna.remote.hostkeys import parse_console_host_keys
from heat_savanna.remote.parallel import Outcome
from heat_savanna.remote.parallel import run_parallel
from heat_savanna.remote.redaction import redact
from heat_savanna.remote.ssh import CommandResult
from heat_savanna.remote.ssh import generate_keypair
from heat_savanna.remote.ssh import load_private_key
from heat_savanna.remote.ssh import NodeRemote

__all__ = ['CommandResult', 'NodeRemote', 'Outcome', 'fingerprint',
           'generate_keypair', 'load_private_key', 'parse_console_host_keys',
           'redact', 'run_parallel']
