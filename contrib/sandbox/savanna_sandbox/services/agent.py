"""The agent image: built once from the registry, kept across restarts.

Servers of the ``spark-4.3-agent`` image run Heat's agent
(os-collect-config, os-refresh-config, os-apply-config, heat-agents'
heat-config and script hook) instead of sshd: see
:mod:`savanna_sandbox.agentimage`. Building it installs those packages
from PyPI into a venv of its own (about a minute the first time); it is a
cache, so ``sandbox down`` keeps it (``--purge`` removes it). A failed
build only degrades the sandbox: clusters with the SSH transport do not
need it.
"""

import os

from savanna_sandbox import agentimage
from savanna_sandbox import paths
from savanna_sandbox import services

#: the image's directory under the state directory (kept by ``down``)
DIR_NAME = 'agent-image'


def image_root(layout):
    return layout.path(DIR_NAME)


class AgentImage(services.Part):
    name = 'agent-image'
    deps = ()
    daemon = False
    hint = ('read the build log; clusters with transport heat-agent need '
            'this image, SSH clusters do not')

    def done(self):
        return agentimage.problem(image_root(self.layout)) is None

    def run_step(self):
        constraints = os.path.join(paths.repo_root(), 'constraints.txt')
        try:
            agentimage.build(image_root(self.layout), log_path=self.log,
                             constraints=constraints)
        except Exception as exc:   # only the agent image is missing then
            self.ctx.say('  %-12s WARNING: not built (%s); clusters with '
                         'transport heat-agent cannot boot, see %s'
                         % (self.name, exc, self.log))
