"""The one way files land on a node: a script and a tar stream, run over
SSH with the stream on stdin or by the node itself with it embedded."""

import subprocess

import pytest

from heat_savanna.remote import install


def test_a_bundle_is_reproducible_with_a_fixed_tag():
    files = [('/etc/x', 'a\n', 0o644)]
    one = install.bundle(files, 'true', tag='t', mtime=0)
    assert one == install.bundle(files, 'true', tag='t', mtime=0)
    assert install.describe(files, 'true') == \
        'install 1 file(s) after the node set-up'
    with pytest.raises(ValueError):
        install.bundle([('relative', 'a', 0o644)])


def test_standalone_script_installs_atomically(tmp_path):
    target = tmp_path / 'conf' / 'f.sh'
    script = install.standalone_script(
        [(str(target), "echo 'quoted' $x\n", 0o750)],
        prelude='mkdir -p %s' % (tmp_path / 'conf'))
    done = subprocess.run(['sh', '-c', script], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert target.read_text() == "echo 'quoted' $x\n"
    assert oct(target.stat().st_mode & 0o777) == '0o750'
    assert [p.name for p in (tmp_path / 'conf').iterdir()] == ['f.sh']


def test_a_failing_prelude_changes_nothing(tmp_path):
    target = tmp_path / 'g'
    script = install.standalone_script([(str(target), 'x', 0o644)],
                                       prelude='exit 4')
    assert subprocess.run(['sh', '-c', script]).returncode == 4
    assert not target.exists()
