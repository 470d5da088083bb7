"""Exceptions shared by every layer of heat-savanna.

Nothing here imports Heat: the Heat resource translates these into Heat's
own exceptions (StackValidationFailed, ResourceFailure).
"""


class SavannaError(Exception):
    """Base class of every heat-savanna error."""


class ValidationError(SavannaError):
    """One problem in a cluster definition.

    :param path: the property path the problem is in, written the way a
        template author reads it, e.g. ``node_groups[1].node_processes``.
    :param message: what is wrong.
    :param hint: what would be valid / how to fix it (optional).
    """

    def __init__(self, path, message, hint=None):
        self.path = path
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self):
        text = '%s: %s' % (self.path, self.message) if self.path else \
            self.message
        if self.hint:
            text += ' (%s)' % self.hint
        return text

    def __eq__(self, other):
        return (isinstance(other, ValidationError) and
                (self.path, self.message, self.hint) ==
                (other.path, other.message, other.hint))

    def __hash__(self):
        return hash((self.path, self.message, self.hint))


class InvalidCluster(SavannaError):
    """A cluster definition with one or more ValidationErrors."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self):
        return '; '.join(str(e) for e in self.errors)


class PluginNotFound(SavannaError):
    def __init__(self, name, available):
        self.name = name
        self.available = sorted(available)
        super().__init__('no provisioning plugin %r (available: %s)'
                         % (name, ', '.join(self.available)))


class RemoteError(SavannaError):
    """An SSH-level failure talking to one node (connect, auth, host key,
    timeout, dropped connection)."""

    def __init__(self, node, message):
        self.node = node
        self.message = message
        super().__init__('%s: %s' % (node, message))


class RemoteTimeout(RemoteError):
    """A command did not end within its time limit."""


class HostKeyMismatch(RemoteError):
    """The node presented a host key that is not the pinned one."""


class RemoteCommandFailed(RemoteError):
    """A command exited non-zero. ``stderr_tail`` is already redacted."""

    def __init__(self, node, command, exit_code, stderr_tail):
        self.command = command
        self.exit_code = exit_code
        self.stderr_tail = stderr_tail
        super().__init__(node, 'command %r exited %s: %s'
                         % (command, exit_code, stderr_tail))


class NodeFailure(SavannaError):
    """A node failed in one provisioning phase; the cluster may survive."""

    def __init__(self, node, phase, reason):
        self.node = node
        self.phase = phase
        self.reason = reason
        super().__init__('%s failed in %s: %s' % (node, phase, reason))
