"""The agent image's host: what it mounts and starts, and no sshd."""

import os

import pytest

from savanna_sandbox import agenthost
from savanna_sandbox import agentimage


def test_an_unbuilt_image_says_so(tmp_path):
    assert 'not built' in agentimage.problem(str(tmp_path))
    host = agenthost.AgentHost('n', '127.0.10.9', str(tmp_path / 'h'), [],
                               'savanna', image_root=str(tmp_path),
                               metadata_url='http://x/metadata/id')
    with pytest.raises(RuntimeError, match='not built'):
        host._prepare()


def test_the_host_boots_the_agent_not_sshd(tmp_path):
    root = tmp_path / 'img'
    root.mkdir()
    (root / agentimage.STAMP).write_text('')
    host = agenthost.AgentHost('c-worker-0', '127.0.10.9',
                               str(tmp_path / 'h'), [], 'savanna',
                               binds={'/opt/spark': '/src/spark'},
                               image_root=str(root),
                               metadata_url='http://127.0.0.1:8774/'
                               'metadata/abc', polling_interval=7)
    script = host._script()
    assert 'sshd' not in script
    assert 'mount -t overlay savanna-etc' in script
    assert script.index('/var/log') < script.index('/var/log/spark')
    # the auto-heal watchdog's directories are each host's own
    for real in ('/var/lib/heat-savanna', '/var/log/heat-savanna'):
        local = real.strip('/').replace('/', '-')
        assert 'mount --bind %s %s' % (tmp_path / 'h' / 'fs' / local,
                                       real) in script
        assert script.index('/var/log\n') < script.index(real)
    assert 'mount -t tmpfs -o mode=0755 savanna-run /run' in script
    for real in agentimage.BINDS:
        assert 'mount -o remount,bind,ro %s' % real in script
    assert script.rstrip().splitlines()[-1].startswith('exec ')
    assert '-m savanna_sandbox.agentboot --metadata-url ' \
        'http://127.0.0.1:8774/metadata/abc --polling-interval 7' in script
    assert 'export LANG=C LC_ALL=C' in script
    assert os.path.basename(agenthost.OCC_CONF) == 'os-collect-config.conf'
