"""The agent image: what a cloud image needs for Heat software deployments.

An image that takes Heat software deployments carries os-collect-config,
os-refresh-config and os-apply-config, and the heat-config element of
heat-agents with its ``script`` hook (heat-agents' own docs build it with
diskimage-builder). Here the "image" is a directory tree the agent hosts
bind-mount (see :mod:`savanna_sandbox.agenthost`), built once from the
published packages, never rewritten:

* ``venv/``: os-collect-config, os-refresh-config, os-apply-config (and
  their clients) from PyPI, pinned; heat-config-notify goes into its
  ``bin`` (the element installs it on the PATH);
* ``libexec/os-refresh-config``: heat-config's ``configure.d`` scripts
  (``20-os-apply-config``, ``55-heat-config``);
* ``libexec/os-apply-config/templates``: heat-config's templates
  (``/etc/os-collect-config.conf``, ``/var/run/heat-config/heat-config``);
* ``libexec/heat-config/hooks/script``: the script hook.

The files come from the heat-agents source distribution on PyPI (its
wheel carries no element files).
"""

import glob
import os
import shutil
import subprocess
import sys
import tarfile

VERSIONS = {'os-collect-config': '14.1.0', 'os-refresh-config': '14.1.0',
            'os-apply-config': '14.1.0', 'heat-agents': '13.0.0'}
#: what the image's layout is built from: (source in the heat-agents
#: tree, destination under the image directory)
ELEMENT_FILES = (
    ('heat-config/os-refresh-config/configure.d/20-os-apply-config',
     'libexec/os-refresh-config/configure.d/20-os-apply-config'),
    ('heat-config/os-refresh-config/configure.d/55-heat-config',
     'libexec/os-refresh-config/configure.d/55-heat-config'),
    ('heat-config/os-apply-config/etc/os-collect-config.conf',
     'libexec/os-apply-config/templates/etc/os-collect-config.conf'),
    ('heat-config/os-apply-config/var/run/heat-config/heat-config',
     'libexec/os-apply-config/templates/var/run/heat-config/heat-config'),
    ('heat-config-script/install.d/hook-script.py',
     'libexec/heat-config/hooks/script'),
    ('heat-config/bin/heat-config-notify', 'venv/bin/heat-config-notify'),
)
#: where the image's read-only directories appear on a host
BINDS = {
    '/usr/libexec/os-refresh-config': 'libexec/os-refresh-config',
    '/usr/libexec/os-apply-config': 'libexec/os-apply-config',
    '/usr/libexec/heat-config': 'libexec/heat-config',
}
STAMP = '.built'


def image_dir(state_dir):
    return os.path.join(state_dir, 'agent-image')


def venv_bin(root):
    return os.path.join(root, 'venv', 'bin')


def problem(root):
    """None when the image at ``root`` is built, else what is missing."""
    if not os.path.exists(os.path.join(root, STAMP)):
        return ('the agent image is not built (%s); `heat-savanna sandbox '
                'up` builds it' % root)
    return None


def _run(argv, log):
    log.write(('$ %s\n' % ' '.join(argv)).encode())
    log.flush()
    subprocess.run(argv, check=True, stdout=log, stderr=log)


def build(root, log_path=None, python=None, constraints=None):
    """Build the image at ``root`` unless it is built (idempotent)."""
    if problem(root) is None:
        return root
    python = python or sys.executable
    os.makedirs(root, exist_ok=True)
    log_path = log_path or os.path.join(root, 'build.log')
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, 'ab') as log:
        venv = os.path.join(root, 'venv')
        if not os.path.exists(os.path.join(venv_bin(root), 'python')):
            _run([python, '-m', 'venv', venv], log)
        pip = [os.path.join(venv_bin(root), 'python'), '-m', 'pip',
               '--disable-pip-version-check', '-q']
        wanted = ['%s==%s' % (name, version) for name, version
                  in sorted(VERSIONS.items()) if name != 'heat-agents']
        extra = ['-c', constraints] if constraints and \
            os.path.exists(constraints) else []
        _run(pip + ['install'] + extra + wanted +
             ['python-heatclient', 'python-keystoneclient'], log)
        src = os.path.join(root, 'src')
        os.makedirs(src, exist_ok=True)
        _run(pip + ['download', '--no-deps', '--no-binary', ':all:',
                    '-d', src, 'heat-agents==%s' % VERSIONS['heat-agents']],
             log)
        archive = sorted(glob.glob(os.path.join(src, 'heat_agents-*.tar.gz'))
                         + glob.glob(os.path.join(src,
                                                  'heat-agents-*.tar.gz')))
        if not archive:
            raise RuntimeError('no heat-agents source distribution in %s'
                               % src)
        with tarfile.open(archive[-1]) as tar:
            tar.extractall(src, filter='data')
        tree = glob.glob(os.path.join(src, 'heat_agents-*/')) or \
            glob.glob(os.path.join(src, 'heat-agents-*/'))
        for source, dest in ELEMENT_FILES:
            target = os.path.join(root, dest)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(os.path.join(tree[0], source), target)
            os.chmod(target, 0o755 if not dest.startswith(
                'libexec/os-apply-config') else 0o644)
    open(os.path.join(root, STAMP), 'w').close()
    return root
