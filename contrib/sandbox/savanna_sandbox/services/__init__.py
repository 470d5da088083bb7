"""The sandbox's parts: one small class per daemon or set-up step.

A part knows its dependencies, how to prepare (config files, database
schema), the command that runs it, how to tell it is ready, and what to do
once it is (create databases, identity data). ``platform.Platform`` runs
them in dependency order, in parallel where it can.
"""

import os

from savanna_sandbox import paths
from savanna_sandbox import procs


class Part(object):
    """A supervised daemon of the sandbox."""

    #: Unique name: record, log file and status line.
    name = None
    #: Names of the parts that must be ready first.
    deps = ()
    #: TCP port it listens on (for status), if any.
    port = None
    #: Seconds it may take to become ready after start.
    timeout = 120
    #: What to try when it fails.
    hint = None
    #: False for a set-up step without a process of its own.
    daemon = True

    def __init__(self, ctx):
        self.ctx = ctx

    @property
    def layout(self):
        return self.ctx.layout

    @property
    def secrets(self):
        return self.ctx.secrets

    @property
    def log(self):
        return self.layout.log(self.name)

    def available(self):
        """None if this part can run here, else why not (it is skipped)."""
        return None

    def prepare(self):
        """Write configs, initialise data; runs before each start."""

    def argv(self):
        raise NotImplementedError

    def env(self):
        env = dict(os.environ)
        # Daemons must not inherit a caller's OS_* credentials.
        for key in list(env):
            if key.startswith('OS_'):
                del env[key]
        return env

    def ready(self):
        """True once the part serves requests."""
        if self.port:
            return procs.tcp_open(paths.HOST, self.port)
        return True

    def after_start(self):
        """Runs once the part is ready (only when it was started now)."""

    def done(self):
        """For set-up steps: True if nothing is left to do."""
        return False

    def run_step(self):
        """For set-up steps: do the work."""

    def fail(self, message, hint=None):
        return procs.SandboxError(self.name, message, self.log,
                                  hint or self.hint)

    def run(self, argv, env=None, timeout=600):
        procs.run(self.name, argv, self.log, env=env or self.env(),
                  timeout=timeout, hint=self.hint)
