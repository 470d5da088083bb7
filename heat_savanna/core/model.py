"""The cluster model: frozen dataclasses parsed from property values.

Two callers feed :func:`parse_cluster`:

* the Heat resource, with values Heat has already type-converted (every
  property key present, ``None`` for unset optional ones);
* ``heat-savanna validate/render``, with raw YAML that may hold anything.

So parsing checks shapes and types itself and reports each problem as a
``ValidationError`` with the property path, never letting a ``TypeError``
escape. Semantic rules (known processes, counts, topology) are in
:mod:`heat_savanna.core.validation`. Pure: no Heat import, no I/O.
"""

import dataclasses
import re
import typing

from heat_savanna.common.exceptions import InvalidCluster
from heat_savanna.common.exceptions import ValidationError
from heat_savanna.core import autoheal
from heat_savanna.core import bootstrap
from heat_savanna.core import reader as reader_mod

# Property names, shared with the Heat resource's schema.
CLUSTER_PROPERTIES = (
    NAME, PLUGIN_NAME, PLUGIN_VERSION, IMAGE, FLAVOR, KEY_NAME, SSH_USER,
    MANAGEMENT_NETWORK, FLOATING_IP_POOL, NODE_GROUPS, ANTI_AFFINITY,
    ANTI_AFFINITY_POLICY, CLUSTER_CONFIGS, REMOVAL_CANDIDATES, ALARM_ACTION,
    TRANSPORT, ACCESS_CIDRS, AUTO_HEAL, BOOTSTRAP,
) = (
    'name', 'plugin_name', 'plugin_version', 'image', 'flavor',
    'key_name', 'ssh_user', 'management_network', 'floating_ip_pool',
    'node_groups', 'anti_affinity', 'anti_affinity_policy',
    'cluster_configs', 'removal_candidates', 'alarm_action', 'transport',
    'access_cidrs', 'auto_heal', 'bootstrap',
)

#: the keys of ``access_cidrs``: who may reach the nodes from outside the
#: cluster, per kind of access (SSH on port 22; the plugin's web UIs)
ACCESS_KEYS = (ACCESS_SSH, ACCESS_WEB_UI) = ('ssh', 'web_ui')

NODE_GROUP_KEYS = (
    NG_NAME, NG_COUNT, NG_MIN_ACTIVE, NG_FLAVOR, NG_IMAGE,
    NG_NODE_PROCESSES, NG_VOLUMES_PER_NODE, NG_VOLUME_SIZE,
    NG_VOLUME_TYPE, NG_VOLUMES_AZ, NG_AZ, NG_FLOATING_IP,
    NG_SECURITY_GROUPS, NG_AUTO_SECURITY_GROUP, NG_NODE_CONFIGS,
    NG_MIN_COUNT, NG_MAX_COUNT, NG_BOOTSTRAP,
) = (
    'name', 'count', 'min_active', 'flavor', 'image',
    'node_processes', 'volumes_per_node', 'volume_size',
    'volume_type', 'volumes_availability_zone', 'availability_zone',
    'floating_ip', 'security_groups', 'auto_security_group',
    'node_configs', 'min_count', 'max_count', 'bootstrap',
)

ANTI_AFFINITY_POLICIES = (HARD_ANTI_AFFINITY, SOFT_ANTI_AFFINITY) = (
    'anti-affinity', 'soft-anti-affinity')

#: how the plugin's work reaches the nodes: the engine over SSH, or each
#: node's Heat agent pulling software deployments (no engine-to-node
#: connection at all)
TRANSPORTS = (SSH_TRANSPORT, AGENT_TRANSPORT) = ('ssh', 'heat-agent')

DEFAULT_VOLUME_SIZE = 10
DEFAULT_CLUSTER_NAME = 'cluster'

# The limits of a cluster definition, declared here only: the resource's
# Heat schema (resources/cluster.py) reads them, and validation.py checks
# them for `heat-savanna validate`, which runs without the schema.
NAME_PATTERN = r'^[a-zA-Z][a-zA-Z0-9-]*$'     # cluster and group names
NAME_MAX = 40
SSH_USER_MAX = 32
VOLUMES_PER_NODE_MAX = 16
VOLUME_SIZE_MIN = 1
MIN_ACTIVE_PATTERN = r'^[0-9]+%?$'
#: most CIDRs per key of access_cidrs: each web UI CIDR costs one rule per
#: web UI port, against Neutron's security_group_rule quota (100 a project
#: by default)
ACCESS_CIDRS_MAX = 10

_MIN_ACTIVE_RE = re.compile(r'^([0-9]+)(%?)$')


@dataclasses.dataclass(frozen=True)
class NodeGroupSpec:
    """One node group: ``count`` identical nodes running the same
    processes. ``min_active`` is already resolved to a number."""
    name: str
    count: int
    min_active: int
    flavor: str
    image: str
    node_processes: tuple
    volumes_per_node: int = 0
    volume_size: int = DEFAULT_VOLUME_SIZE
    volume_type: typing.Optional[str] = None
    volumes_availability_zone: typing.Optional[str] = None
    availability_zone: typing.Optional[str] = None
    floating_ip: bool = False
    security_groups: tuple = ()
    auto_security_group: bool = True
    node_configs: dict = dataclasses.field(default_factory=dict)
    # bounds of a resize by signal (None: min_active .. count)
    min_count: typing.Optional[int] = None
    max_count: typing.Optional[int] = None
    #: the group's own bootstrap scripts (after the cluster's)
    bootstrap: tuple = ()

    def has(self, process):
        return process in self.node_processes


@dataclasses.dataclass(frozen=True)
class AccessCidrs:
    """Who may reach the nodes from outside the cluster (CIDRs as
    written; :mod:`heat_savanna.core.validation` checks them).

    ``ssh`` None: the operator's ``[savanna] ssh_cidr`` with the SSH
    transport, no SSH rule with the agent. ``web_ui`` empty: no web UI
    reachable from outside the cluster."""
    ssh: typing.Optional[tuple] = None
    web_ui: tuple = ()


@dataclasses.dataclass(frozen=True)
class ClusterSpec:
    """A whole cluster definition (satisfies the plugins'
    ``ClusterSpecView`` protocol). ``plugin_version`` is None when the
    template leaves it out, until validation sets the plugin's default."""
    name: str
    plugin_name: str
    plugin_version: typing.Optional[str]
    image: str
    flavor: str
    management_network: str
    node_groups: tuple
    key_name: typing.Optional[str] = None
    ssh_user: typing.Optional[str] = None
    floating_ip_pool: typing.Optional[str] = None
    anti_affinity: tuple = ()
    anti_affinity_policy: str = HARD_ANTI_AFFINITY
    cluster_configs: dict = dataclasses.field(default_factory=dict)
    removal_candidates: tuple = ()
    alarm_action: typing.Optional[dict] = None
    transport: str = SSH_TRANSPORT
    access_cidrs: AccessCidrs = AccessCidrs()
    auto_heal: autoheal.AutoHeal = autoheal.AutoHeal()
    #: bootstrap scripts of every node (core.bootstrap.Script)
    bootstrap: tuple = ()

    @property
    def uses_agent(self):
        return self.transport == AGENT_TRANSPORT

    def group(self, name):
        """The node group called ``name`` (KeyError if none)."""
        for g in self.node_groups:
            if g.name == name:
                return g
        raise KeyError(name)

    @property
    def desired_count(self):
        return sum(max(g.count, 0) for g in self.node_groups)


def resolve_min_active(raw, count):
    """``min_active`` as a number: ``None`` -> count, ``"90%"`` -> 90 % of
    count rounded up, ``"9"``/``9`` -> 9. ValueError if malformed (the
    strings the Heat schema refuses: signs, blanks, decimals)."""
    if raw is None or raw == '':
        return count
    if isinstance(raw, bool):
        raise ValueError(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if not isinstance(raw, str):
        raise ValueError(raw)
    match = _MIN_ACTIVE_RE.fullmatch(raw)
    if not match:
        raise ValueError(raw)
    number, percent = int(match.group(1)), match.group(2)
    if percent:
        # ceiling division in integers: no float rounding surprises
        return -(-number * count // 100)
    return number


def _access_cidrs(reader, data, key, path):
    """``{ssh: [CIDR], web_ui: [CIDR]}``; a list left out stays None
    (``ssh``: the operator's default) or empty (``web_ui``)."""
    value = data.get(key)
    if value is None:
        return AccessCidrs()
    if not isinstance(value, dict):
        reader.err(path, 'must be a map, not %s' % reader_mod.kind(value),
                   'e.g. {web_ui: [203.0.113.0/24]}')
        return AccessCidrs()
    reader.unknown_keys(value, ACCESS_KEYS, path)
    ssh = None
    if value.get(ACCESS_SSH) is not None:
        ssh = reader.str_list(value, ACCESS_SSH,
                              '%s.%s' % (path, ACCESS_SSH))
    return AccessCidrs(ssh=ssh, web_ui=reader.str_list(
        value, ACCESS_WEB_UI, '%s.%s' % (path, ACCESS_WEB_UI)))


def _parse_group(raw, index, cluster_image, cluster_flavor, reader):
    path = 'node_groups[%d]' % index
    if not isinstance(raw, dict):
        reader.err(path, 'must be a map, not %s' % reader_mod.kind(raw),
                   'e.g. {name: workers, count: 3, '
                   'node_processes: [worker]}')
        return None
    before = len(reader.errors)
    reader.unknown_keys(raw, NODE_GROUP_KEYS, path)

    def p(key):
        return '%s.%s' % (path, key)
    name = reader.string(raw, NG_NAME, p(NG_NAME), required=True)
    count = reader.integer(raw, NG_COUNT, p(NG_COUNT), required=True)
    procs_raw = raw.get(NG_NODE_PROCESSES)
    if procs_raw is None:
        reader.err(p(NG_NODE_PROCESSES), 'is required',
                   'a list of node processes')
    processes = reader.str_list(raw, NG_NODE_PROCESSES, p(NG_NODE_PROCESSES))
    min_active = None
    try:
        if count is not None:
            min_active = resolve_min_active(raw.get(NG_MIN_ACTIVE), count)
    except ValueError:
        reader.err(p(NG_MIN_ACTIVE),
                   'must be a whole number or a percentage of count, not %s'
                   % reader_mod.kind(raw.get(NG_MIN_ACTIVE)),
                   'e.g. 9 or "90%"')
    flavor = reader.string(raw, NG_FLAVOR, p(NG_FLAVOR)) or cluster_flavor
    image = reader.string(raw, NG_IMAGE, p(NG_IMAGE)) or cluster_image
    group = dict(
        volumes_per_node=reader.integer(raw, NG_VOLUMES_PER_NODE,
                                        p(NG_VOLUMES_PER_NODE), 0),
        volume_size=reader.integer(raw, NG_VOLUME_SIZE, p(NG_VOLUME_SIZE),
                                   DEFAULT_VOLUME_SIZE),
        volume_type=reader.string(raw, NG_VOLUME_TYPE, p(NG_VOLUME_TYPE)),
        volumes_availability_zone=reader.string(raw, NG_VOLUMES_AZ,
                                                p(NG_VOLUMES_AZ)),
        availability_zone=reader.string(raw, NG_AZ, p(NG_AZ)),
        floating_ip=reader.boolean(raw, NG_FLOATING_IP, p(NG_FLOATING_IP),
                                   False),
        security_groups=reader.str_list(raw, NG_SECURITY_GROUPS,
                                        p(NG_SECURITY_GROUPS)),
        auto_security_group=reader.boolean(raw, NG_AUTO_SECURITY_GROUP,
                                           p(NG_AUTO_SECURITY_GROUP), True),
        node_configs=reader.configs(raw, NG_NODE_CONFIGS,
                                    p(NG_NODE_CONFIGS)),
        min_count=reader.integer(raw, NG_MIN_COUNT, p(NG_MIN_COUNT)),
        max_count=reader.integer(raw, NG_MAX_COUNT, p(NG_MAX_COUNT)),
        bootstrap=bootstrap.parse(reader, raw.get(NG_BOOTSTRAP),
                                  p(NG_BOOTSTRAP)),
    )
    if len(reader.errors) > before:
        return None
    return NodeGroupSpec(name=name, count=count, min_active=min_active,
                         flavor=flavor, image=image,
                         node_processes=processes, **group)


def parse_cluster(props, default_name=None):
    """Build a :class:`ClusterSpec` from a property dict.

    Raises :class:`InvalidCluster` with every shape/type problem found
    (each a ValidationError naming the property path).
    """
    errors = []
    reader = reader_mod.Reader(errors)
    if not isinstance(props, dict):
        raise InvalidCluster([ValidationError(
            '', 'the cluster properties must be a map, not %s'
            % reader_mod.kind(props))])
    reader.unknown_keys(props, CLUSTER_PROPERTIES, '')
    name = reader.string(props, NAME, NAME) or default_name or \
        DEFAULT_CLUSTER_NAME
    values = dict(
        plugin_name=reader.string(props, PLUGIN_NAME, PLUGIN_NAME,
                                  required=True),
        plugin_version=reader.string(props, PLUGIN_VERSION, PLUGIN_VERSION),
        image=reader.string(props, IMAGE, IMAGE, required=True),
        flavor=reader.string(props, FLAVOR, FLAVOR, required=True),
        management_network=reader.string(
            props, MANAGEMENT_NETWORK, MANAGEMENT_NETWORK, required=True),
        key_name=reader.string(props, KEY_NAME, KEY_NAME),
        ssh_user=reader.string(props, SSH_USER, SSH_USER),
        floating_ip_pool=reader.string(props, FLOATING_IP_POOL,
                                       FLOATING_IP_POOL),
        anti_affinity=reader.str_list(props, ANTI_AFFINITY, ANTI_AFFINITY),
        cluster_configs=reader.configs(props, CLUSTER_CONFIGS,
                                       CLUSTER_CONFIGS),
        removal_candidates=reader.str_list(props, REMOVAL_CANDIDATES,
                                           REMOVAL_CANDIDATES),
        alarm_action=reader.mapping(props, ALARM_ACTION, ALARM_ACTION),
        access_cidrs=_access_cidrs(reader, props, ACCESS_CIDRS, ACCESS_CIDRS),
        auto_heal=autoheal.parse(reader, props.get(AUTO_HEAL), AUTO_HEAL),
        bootstrap=bootstrap.parse(reader, props.get(BOOTSTRAP), BOOTSTRAP),
    )
    policy = reader.string(props, ANTI_AFFINITY_POLICY,
                           ANTI_AFFINITY_POLICY) or HARD_ANTI_AFFINITY
    if policy not in ANTI_AFFINITY_POLICIES:
        reader.err(ANTI_AFFINITY_POLICY, 'unknown policy %r' % policy,
                   'valid policies: %s' % ', '.join(ANTI_AFFINITY_POLICIES))
    transport = reader.string(props, TRANSPORT, TRANSPORT) or SSH_TRANSPORT
    if transport not in TRANSPORTS:
        reader.err(TRANSPORT, 'unknown transport %r' % transport,
                   'valid transports: %s (ssh: the engine configures the '
                   'nodes over SSH; heat-agent: each node\'s Heat agent '
                   'pulls software deployments)' % ', '.join(TRANSPORTS))
    groups = []
    raw_groups = props.get(NODE_GROUPS)
    if raw_groups is None:
        reader.err(NODE_GROUPS, 'is required', 'a list of node groups')
    elif not isinstance(raw_groups, (list, tuple)):
        reader.err(NODE_GROUPS, 'must be a list of node groups, not %s'
                   % reader_mod.kind(raw_groups))
    else:
        for i, raw in enumerate(raw_groups):
            group = _parse_group(raw, i, values['image'], values['flavor'],
                                 reader)
            if group is not None:
                groups.append(group)
    if errors:
        raise InvalidCluster(errors)
    return ClusterSpec(name=name, node_groups=tuple(groups),
                       anti_affinity_policy=policy, transport=transport,
                       **values)
