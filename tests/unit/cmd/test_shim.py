"""``heat-savanna shim DIR`` writes the packaged shim as Heat's plugin-dir
module; the checkout's contrib/heat one is the same file, not a copy.
(tests/unit/test_packaging.py runs the command from an installed wheel.)
"""

import os

from heat_savanna import cli
from heat_savanna.cmd import shim

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))


def test_writes_the_packaged_shim(tmp_path, capsys):
    target = tmp_path / 'usr-lib-heat'
    assert cli.main(['shim', str(target)]) == 0
    written = target / shim.SHIM_NAME
    with open(os.path.join(REPO, 'heat_savanna', 'shim.py')) as f:
        assert written.read_text() == f.read()
    assert oct(written.stat().st_mode & 0o777) == '0o644'
    assert str(written) in capsys.readouterr().err
    # again: replaced in place, nothing else left behind
    assert cli.main(['shim', str(target)]) == 0
    assert os.listdir(target) == [shim.SHIM_NAME]


def test_contrib_shim_is_the_packaged_module():
    contrib = os.path.join(REPO, 'contrib', 'heat', 'heat_savanna_plugin.py')
    assert os.path.islink(contrib)
    assert os.path.realpath(contrib) == os.path.realpath(
        os.path.join(REPO, 'heat_savanna', 'shim.py'))
    assert 'from heat_savanna.resources import resource_mapping' in \
        shim.shim_source()
