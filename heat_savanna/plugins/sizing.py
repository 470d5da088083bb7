"""Sizing daemons from the flavor: what every plugin's rules share.

A node knows its flavor (:attr:`heat_savanna.plugins.base.NodeInfo.flavor`,
read from Nova by the engine once per flavor). A plugin turns it into
*derived* settings (``{section: {key: value}}``), a layer between its
catalog's defaults and the author's ``cluster_configs`` / ``node_configs``:
whatever the author sets wins, and ``general.auto_configure: false`` turns
the layer off. Like Sahara's auto-configuration, but written down (the
template guide's "Sizing from the flavor") and the same on both transports,
since it only changes the files the plugin writes.

The rules here:

* **what a node keeps for itself**: a fifth of its RAM for the operating
  system, at least 512 MB and at most 4 GB, and the heap of each other
  daemon it runs (a worker beside a master keeps the master's heap);
* **what a node offers to work** (executors, containers): the rest,
  rounded down to 128 MB; none (the catalog's defaults stay) when that is
  under 512 MB, since no executor or container of a framework fits in less.

Pure: no Heat, no I/O.
"""

import dataclasses
import functools
import json

#: the smallest offer worth sizing; below it the defaults stay
MIN_OFFER_MB = 512
#: what the operating system keeps: a fifth of RAM, within these bounds
OS_SHARE, OS_MIN_MB, OS_MAX_MB = 5, 512, 4096
ROUND_MB = 128


@dataclasses.dataclass(frozen=True)
class Flavor:
    """What Nova says of a flavor, as far as sizing goes."""
    ram_mb: int
    vcpus: int
    disk_gb: int = 0

    @classmethod
    def from_dict(cls, data):
        """A Flavor of a stored ``{ram, vcpus, disk}`` (Nova's names), or
        None when ``data`` is not one."""
        try:
            return cls(int(data['ram']), int(data['vcpus']),
                       int(data.get('disk') or 0))
        except (KeyError, TypeError, ValueError):
            return None


def megabytes(size):
    """MB of a JVM-style size (``512m``, ``1g``, ``1024`` = MB), or None."""
    text = str(size).strip().lower()
    units = {'k': 1.0 / 1024, 'm': 1, 'g': 1024, 't': 1024 * 1024}
    if text[-1:] == 'b':
        text = text[:-1]
    factor = units.get(text[-1:], 1)
    try:
        return int(float(text[:-1] if text[-1:] in units else text) *
                   factor)
    except ValueError:
        return None


def round_down(mb):
    return int(mb) // ROUND_MB * ROUND_MB


def kept_mb(ram_mb):
    """What the operating system keeps of ``ram_mb``."""
    return min(max(ram_mb // OS_SHARE, OS_MIN_MB), OS_MAX_MB)


def offer_mb(flavor, other_daemons_mb=0):
    """MB a node of ``flavor`` offers to work once the system and its
    other daemons (``other_daemons_mb``, their heaps) took theirs; None
    when the flavor is unknown or the offer under :data:`MIN_OFFER_MB`."""
    if flavor is None or flavor.ram_mb <= 0:
        return None
    offer = round_down(flavor.ram_mb - kept_mb(flavor.ram_mb) -
                       other_daemons_mb)
    return offer if offer >= MIN_OFFER_MB else None


def enabled(general):
    """Whether ``general.auto_configure`` (a node's ``general`` settings)
    leaves sizing on."""
    return str(general.get('auto_configure', True)).lower() not in (
        'false', '0', 'no', 'off')


def by_group(nodes):
    """One node per distinct (group, flavor, node_configs) of ``nodes``:
    the nodes whose settings can differ, so a cluster-wide rule reads a
    few nodes, not a thousand."""
    seen = {}
    for node in nodes:
        key = (node.group, node.flavor,
               json.dumps(node.node_configs, sort_keys=True, default=str))
        seen.setdefault(key, node)
    return list(seen.values())


def per_cluster(derive):
    """``derive(cluster_info)``, a cluster-wide rule, worked out once per
    ClusterInfo (a plugin asks for it once per node and file): the last
    view and its result are kept."""
    last = [None, None]

    @functools.wraps(derive)
    def once(cluster_info):
        if last[0] is not cluster_info:
            last[:] = [cluster_info, derive(cluster_info)]
        return last[1]
    return once
