"""Reaching a running cluster's nodes from another resource.

Resources that act on a cluster (``OS::Savanna::Job`` and anything after
it) get a :class:`ClusterAccess` from the cluster resource instead of
reading its data themselves: what the cluster stores, and how, stays the
cluster's own business.
"""

import dataclasses
import typing

from heat_savanna.core import lifecycle
from heat_savanna import remote


@dataclasses.dataclass(frozen=True)
class ClusterAccess:
    """One moment's view of a cluster, with what it takes to reach a node.

    ``info`` lists only the live nodes (ACTIVE or being configured);
    ``private_key`` is the cluster's management key: never log it, never
    put it in an attribute, output or event (pass it to
    :func:`heat_savanna.remote.redact` as a secret).
    """
    spec: typing.Any                 # core.model.ClusterSpec
    plugin: typing.Any               # plugins.base.ProvisioningPlugin
    info: typing.Any                 # plugins.base.ClusterInfo
    status: str                      # ACTIVE, PARTIALLY_ACTIVE, ...
    ssh_user: str
    private_key: str = dataclasses.field(repr=False)
    host_keys: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def secrets(self):
        return (self.private_key,) if self.private_key else ()

    def master(self):
        """The cluster's master node (see core.lifecycle.master), or
        None."""
        return lifecycle.master(self.plugin, self.spec, self.info)

    def remote_for(self, node, **kwargs):
        """A NodeRemote to ``node`` (a NodeInfo of ``info``); the caller
        closes it."""
        pkey = remote.load_private_key(self.private_key)
        return remote.NodeRemote(
            node.name, node.management_ip, self.ssh_user, pkey,
            self.host_keys.get(node.name) or [], secrets=self.secrets,
            **kwargs)
