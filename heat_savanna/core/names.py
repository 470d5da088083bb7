"""What a cluster's resources are called, and the marks they carry.

Every name a node's resources get in Heat and Nova (the server, hence the
hostname; its port, floating IP, volumes and attachments; with the agent
transport its software config and deployment), how a nested resource's
name leads back to its node and provisioning phase, and the owner/node
marks that find a resource whose create answer never reached Heat. Pure:
no Heat import, no I/O.
"""

#: server and volume metadata (and, as ``key=value`` words, port
#: descriptions: a port has no metadata) naming the node set's stack (the
#: cluster's nested stack) and the node a server, port or volume was made
#: for: what finds one made for a request whose answer never reached Heat
#: (see heat_savanna.core.build.strays)
OWNER_KEY = 'savanna_owner'
NODE_KEY = 'savanna_node'


def server_name(cluster_name, node):
    """The Nova server name (and so the hostname cloud-init gives it) of a
    node: unique across clusters of a project, stable across updates."""
    return '%s-%s' % (cluster_name, node)


def port_name(node):
    return node + '-port'


def port_marks_text(owner, node):
    """A port's description: the marks servers and volumes carry in their
    metadata, as ``key=value`` words. It goes in the create request itself
    (tags would come in a second call, after the answer that may be
    lost)."""
    return '%s=%s %s=%s' % (OWNER_KEY, owner, NODE_KEY, node)


def port_marks(text):
    """The marks in a port's description (see :func:`port_marks_text`):
    ``{key: value}``, empty for a port without them."""
    marks = {}
    for word in (text or '').split():
        key, sep, value = word.partition('=')
        if sep and key in (OWNER_KEY, NODE_KEY):
            marks[key] = value
    return marks


def fip_name(node):
    return node + '-fip'


def config_name(node):
    return node + '-config'


def deployment_name(node):
    return node + '-deployment'


def volume_name(node, k):
    return '%s-volume-%d' % (node, k)


def attachment_name(node, k):
    return '%s-attachment-%d' % (node, k)


#: per-node resource name suffixes (see the *_name helpers above) and the
#: provisioning phase a failure of that resource is reported in.
_NODE_RESOURCE_PHASES = (('-port', 'network'), ('-fip', 'floating-ip'),
                         ('-volume-', 'volume'),
                         ('-attachment-', 'volume-attach'),
                         ('-config', 'deploy'), ('-deployment', 'deploy'))

#: when several resources of one node failed, the one reported is the
#: earliest in this order (a port that failed explains the rest)
PHASE_ORDER = ('network', 'volume', 'boot', 'volume-attach', 'floating-ip',
               'deploy')


def node_of_resource(resource_name, node_names):
    """``(node, phase)`` for a nested resource generated for a node, or
    ``(None, None)`` for a shared one (keypair, security or server group).
    The server itself is named after its node and fails in phase 'boot'.
    """
    if resource_name in node_names:
        return resource_name, 'boot'
    for suffix, phase in _NODE_RESOURCE_PHASES:
        head, sep, _tail = resource_name.rpartition(suffix)
        if sep and head in node_names:
            return head, phase
    return None, None


def device_name(k):
    """Device of the k-th volume (the first one after the root disk)."""
    return '/dev/vd' + chr(ord('b') + k)
