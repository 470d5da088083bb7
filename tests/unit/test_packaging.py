"""The wheel an operator installs works in a Heat that has only the wheel.

The wheel and sdist are built from a copy of the checkout with PyPA
``build`` (no build isolation: the backend is the pinned setuptools and
wheel of constraints.txt, so the test needs no network) and their
contents checked by ``tools/check_dist.py`` (every module, the entry
points, README as the long description, the shim). Then the wheel is
installed with pip into a fresh venv, its console script writes the shim
into a temporary plugin dir, and Heat's own loader
(``heat.engine.resources.initialise()`` with ``plugin_dirs``, as
heat-engine does at start) registers the three types, in a subprocess
running the new venv's python.

The new venv is not a second Heat install (openstack-heat from PyPI
costs about 50 s and 350 MB): it is created without packages, and a
``.pth`` file adds this venv's site-packages directory to its path. A
``.pth`` line adds a directory to ``sys.path`` but does not run that
directory's own ``.pth`` files, so the editable install's finder
(``__editable__.heat_savanna-*.pth``) never runs: ``heat_savanna`` can
only come from the wheel, and the test asserts it does.
(``--system-site-packages`` would give the system Python's packages,
where Heat is not.)
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
TYPES = ('OS::Savanna::Cluster', 'OS::Savanna::Job', 'OS::Savanna::NodeSet')
HEAT_ETC = os.path.join(sys.prefix, 'etc', 'heat')

# Run by the new venv's python: load the plugin dir as heat-engine does
# (tests/unit/resources/conftest.py does the same in-process) and say
# where everything came from.
PROBE = r'''
import json, os, sys
from oslo_service import backend
backend.init_backend(backend.BackendType.THREADING)
from oslo_config import cfg
from heat.common import config  # noqa: F401
plugin_dir, heat_etc = sys.argv[1:3]
cfg.CONF.set_default('environment_dir', os.path.join(heat_etc,
                                                     'environment.d'))
cfg.CONF.set_default('template_dir', os.path.join(heat_etc, 'templates'))
cfg.CONF.set_default('plugin_dirs', [plugin_dir])
from heat.engine import resources
resources.initialise()
env = resources.global_env()
out = {'types': {}}
for name in sys.argv[3:]:
    cls = env.get_resource_info(name).value
    out['types'][name] = [cls.__module__,
                          sys.modules[cls.__module__].__file__]
import heat, heat_savanna
from heat_savanna import plugins
from importlib import metadata
out['heat_savanna'] = heat_savanna.__file__
out['heat'] = heat.__file__
# Heat sets plugin-dir modules as attributes of its plugins package
out['shim'] = sys.modules['heat.engine.plugins'].heat_savanna_plugin.__file__
out['spark'] = sys.modules[type(plugins.get_plugin('spark')).__module__
                           ].__file__
out['dist'] = str(metadata.distribution('heat-savanna').locate_file(''))
out['finders'] = [m for m in sys.modules if '__editable__' in m]
print(json.dumps(out))
'''


def _run(argv, **kw):
    result = subprocess.run(argv, capture_output=True, text=True,
                            timeout=120, **kw)
    assert result.returncode == 0, (argv, result.stdout[-3000:],
                                    result.stderr[-3000:])
    return result


@pytest.mark.slow
def test_wheel_installs_into_heat_and_registers_types(tmp_path):
    started = time.monotonic()
    # 1. build from a copy, so no build/ or egg-info lands in the checkout
    src = tmp_path / 'src'
    src.mkdir()
    shutil.copytree(os.path.join(REPO, 'heat_savanna'),
                    src / 'heat_savanna',
                    ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    for name in ('setup.cfg', 'pyproject.toml', 'README.rst'):
        shutil.copy(os.path.join(REPO, name), src / name)
    dist = tmp_path / 'dist'
    _run([sys.executable, '-m', 'build', '--no-isolation', '--outdir',
          str(dist), str(src)], cwd=str(tmp_path))
    wheels = sorted(dist.glob('heat_savanna-*-py3-none-any.whl'))
    sdists = sorted(dist.glob('heat-savanna-*.tar.gz'))
    assert len(wheels) == 1 and len(sdists) == 1, os.listdir(dist)
    check = _run([sys.executable, os.path.join(REPO, 'tools',
                                               'check_dist.py'),
                  str(wheels[0]), str(sdists[0])])
    assert check.stdout.startswith('OK: '), check.stdout
    built = time.monotonic()

    # 2. a fresh venv: the wheel, and Heat's venv without its editable
    # heat_savanna
    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)])
    py = str(venv / 'bin' / 'python')
    purelib = _run([py, '-I', '-c', 'import sysconfig; '
                    'print(sysconfig.get_paths()["purelib"])']).stdout.strip()
    pth = os.path.join(purelib, 'heat_venv.pth')
    heat_paths = ''.join(p + '\n' for p in sorted(
        {sysconfig.get_paths()['purelib'], sysconfig.get_paths()['platlib']}))
    with open(pth, 'w') as f:
        f.write(heat_paths)
    # Heat is there, heat_savanna is not (the editable finder stays off)
    probe = subprocess.run(
        [py, '-I', '-c', 'import heat.engine.resources, heat_savanna'],
        capture_output=True, text=True, timeout=60, cwd=str(tmp_path))
    assert "No module named 'heat_savanna'" in probe.stderr, probe.stderr
    # pip installs before the .pth is back, so it sees no other
    # heat-savanna (the editable one's metadata) to replace
    os.remove(pth)
    _run([sys.executable, '-m', 'pip', '--python', py, 'install', '-q',
          '--no-deps', '--no-index', '--no-cache-dir',
          '--disable-pip-version-check', str(wheels[0])])
    with open(pth, 'w') as f:
        f.write(heat_paths)

    # 3. the installed console script writes the shim into a plugin dir
    plugin_dir = tmp_path / 'lib-heat'
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('PYTHON')}
    _run([str(venv / 'bin' / 'heat-savanna'), 'shim', str(plugin_dir)],
         env=env, cwd=str(tmp_path))
    shim = plugin_dir / 'heat_savanna_plugin.py'
    with open(os.path.join(REPO, 'heat_savanna', 'shim.py')) as f:
        assert shim.read_text() == f.read()

    # 4. Heat's own loader, in the new venv (-I: no cwd, no PYTHON* vars)
    out = json.loads(_run(
        [py, '-I', '-c', PROBE, str(plugin_dir), HEAT_ETC] + list(TYPES),
        env=env, cwd=str(tmp_path)).stdout.strip().splitlines()[-1])
    finished = time.monotonic()
    print('\npackaging: build+check %.1f s, venv+install+load %.1f s'
          % (built - started, finished - built))

    inside = str(venv) + os.sep
    assert out['heat_savanna'].startswith(inside), out
    assert out['spark'].startswith(inside), out
    assert out['dist'].startswith(inside), out
    assert out['finders'] == [], out
    assert not out['heat'].startswith(inside), out   # Heat: the existing one
    assert out['shim'] == str(shim), out
    assert {name: module for name, (module, _) in out['types'].items()} == {
        'OS::Savanna::Cluster': 'heat_savanna.resources.cluster',
        'OS::Savanna::Job': 'heat_savanna.resources.job',
        'OS::Savanna::NodeSet': 'heat_savanna.resources.node_set',
    }
    for name, (_, path) in out['types'].items():
        assert path.startswith(inside), (name, path)
