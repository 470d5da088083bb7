"""Simulated Nova (v2.1 with microversions up to MAX_VERSION).

Servers are booted in background threads: schedule onto a simulated
hypervisor (server-group policies enforced), apply injected faults, start a
real SSH host on the server's fixed IP, and go ACTIVE once sshd answers.
Response shapes follow the microversion the client asks for where Heat or
our plugin reads the difference (flavor in server, server-group policy,
keypair generation, volume-attachment fields).

One module per area of the API (servers, boot, actions, server_meta,
interfaces, volume_attachments, flavors, keypairs, server_groups with the
scheduler, hypervisors), the shared ground in ``base`` and ``ports``, the
real host's helpers in ``host``; ``app`` assembles them. What the rest of
the simulator uses is named here.
"""

from savanna_sandbox.cloud.compute.app import ComputeApp
from savanna_sandbox.cloud.compute.base import MAX_VERSION
from savanna_sandbox.cloud.compute.base import MIN_VERSION
from savanna_sandbox.cloud.compute.base import parse_version
from savanna_sandbox.cloud.compute.host import host_workdir
from savanna_sandbox.cloud.compute.host import remove_tree
from savanna_sandbox.cloud.compute.host import wait_for_port
from savanna_sandbox.cloud.compute.keypairs import fingerprint
from savanna_sandbox.cloud.compute.server_groups import NO_VALID_HOST
from savanna_sandbox.cloud.compute.server_groups import POLICIES
from savanna_sandbox.cloud.compute.server_groups import Scheduler

__all__ = ['ComputeApp', 'MAX_VERSION', 'MIN_VERSION', 'NO_VALID_HOST',
           'POLICIES', 'Scheduler', 'fingerprint', 'host_workdir',
           'parse_version', 'remove_tree', 'wait_for_port']
