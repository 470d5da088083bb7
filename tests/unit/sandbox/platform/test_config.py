"""Paths, secrets and the generated service configurations."""

import configparser
import os
import stat

import pytest

from savanna_sandbox import paths
from savanna_sandbox.services import cloudsim
from savanna_sandbox.services import heat
from savanna_sandbox.services import identity
from savanna_sandbox.services import platform


def test_state_dir_from_env(tmp_path):
    assert paths.state_dir({}) == paths.DEFAULT_STATE_DIR
    assert paths.state_dir({'HEAT_SAVANNA_SANDBOX_DIR': str(tmp_path)}) == \
        str(tmp_path)


def test_repo_root_is_the_checkout_not_hard_coded(tmp_path):
    root = paths.repo_root({})
    assert os.path.isfile(os.path.join(root, 'contrib', 'heat',
                                       'heat_savanna_plugin.py'))
    assert paths.repo_root({'HEAT_SAVANNA_REPO': str(tmp_path)}) == \
        str(tmp_path)
    assert paths.heat_plugin_dir({'HEAT_SAVANNA_REPO': '/x'}) == \
        '/x/contrib/heat'


def test_secrets_generated_once_private(tmp_path):
    layout = paths.Layout(str(tmp_path / 'state'))
    first = layout.secrets()
    assert first == layout.secrets()
    assert len(set(first.values())) == len(first)
    mode = os.stat(layout.path('secrets.json')).st_mode
    assert stat.S_IMODE(mode) == 0o600


def _conf(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def test_heat_conf(tmp_path):
    layout = paths.Layout(str(tmp_path))
    secrets = layout.secrets()
    conf = _conf(heat.render_conf(layout, secrets, '/repo/contrib/heat'))
    d = conf['DEFAULT']
    assert d['convergence_engine'] == 'true'
    assert d['num_engine_workers'] == '2'
    assert d['plugin_dirs'] == '/repo/contrib/heat'
    assert d['transport_url'].startswith('rabbit://heat:')
    assert '@127.0.0.1:5673/' in d['transport_url']
    assert d['stack_user_domain_name'] == 'heat'
    assert d['stack_domain_admin'] == 'heat_domain_admin'
    assert d['heat_metadata_server_url'].startswith('http://127.0.0.1:')
    assert conf['database']['connection'].startswith(
        'mysql+pymysql://heat:')
    assert '@127.0.0.1:13306/heat' in conf['database']['connection']
    for section in ('keystone_authtoken', 'trustee'):
        assert conf[section]['auth_url'] == 'http://127.0.0.1:5000/v3'
        assert conf[section]['username'] == 'heat'
    assert conf['clients_keystone']['auth_uri'] == 'http://127.0.0.1:5000'
    assert os.path.exists(conf['paste_deploy']['api_paste_config'])
    assert os.path.isdir(d['environment_dir'])


def test_heat_conf_run_settings_from_the_environment(tmp_path):
    """A benchmark sets engine workers and node set size for one run;
    without them the defaults stand (the plugin's own default node set
    size applies: only the sandbox's fixed options are written)."""
    layout = paths.Layout(str(tmp_path))
    secrets = layout.secrets()
    plain = _conf(heat.render_conf(layout, secrets, '/p', environ={}))
    assert plain['DEFAULT']['num_engine_workers'] == '2'
    assert plain['savanna']['agent_signal_allowance'] == '90'
    assert plain['savanna']['agent_running_allowance'] == '30'
    assert 'node_set_size' not in plain['savanna']
    tuned = _conf(heat.render_conf(layout, secrets, '/p', environ={
        heat.ENGINE_WORKERS_ENV: '4', heat.NODE_SET_SIZE_ENV: ' 5 ',
        heat.CONCURRENT_SETS_ENV: '0'}))
    assert tuned['DEFAULT']['num_engine_workers'] == '4'
    assert tuned['savanna']['node_set_size'] == '5'
    assert tuned['savanna']['max_concurrent_node_sets'] == '0'
    assert heat.run_settings({heat.ENGINE_WORKERS_ENV: ''}) == (2, {})
    for bad in ('0', 'two', '-1'):
        with pytest.raises(ValueError, match=heat.ENGINE_WORKERS_ENV):
            heat.run_settings({heat.ENGINE_WORKERS_ENV: bad})
    with pytest.raises(ValueError, match=heat.CONCURRENT_SETS_ENV):
        heat.run_settings({heat.CONCURRENT_SETS_ENV: '-1'})


def test_cfn_api_for_pre_signed_signal_urls(tmp_path):
    layout = paths.Layout(str(tmp_path))
    conf = _conf(heat.render_conf(layout, layout.secrets(), '/x'))
    # Heat's waitcondition URL setting is where signal URLs point
    assert conf['DEFAULT']['heat_waitcondition_server_url'] == \
        'http://127.0.0.1:8000/v1/waitcondition'
    ec2 = conf['ec2authtoken']
    assert ec2['endpoint_override'] == 'http://127.0.0.1:5000'
    assert (ec2['auth_url'], ec2['username']) == (
        'http://127.0.0.1:5000/v3', 'heat')
    assert identity.catalog()['cloudformation'] == \
        'http://127.0.0.1:8000/v1'
    part = platform.Platform(str(tmp_path)).part('heat-api-cfn')
    assert part.argv()[1:5] == ['--host', '127.0.0.1', '--port', '8000']
    assert part.argv()[0].endswith('heat-wsgi-api-cfn')
    assert 'heat-api-cfn' in platform.REQUIRED


def test_no_secret_on_any_command_line(tmp_path):
    plat = platform.Platform(str(tmp_path))
    values = set(plat.secrets.values())
    for part in plat.parts():
        if part.daemon:
            argv = ' '.join(part.argv())
            assert not any(v in argv for v in values), part.name
            assert not any('127.0.0.1' != h and h in argv
                           for h in ('0.0.0.0', '::')), part.name


def test_cloudsim_config_for_the_simulator(tmp_path):
    plat = platform.Platform(str(tmp_path))
    part = plat.part('cloudsim')
    conf = part.config()
    assert conf['bind_host'] == '127.0.0.1'
    assert conf['auth']['username'] == 'cloudsim'
    assert conf['auth']['auth_url'] == 'http://127.0.0.1:5000/v3'
    assert conf['state_dir'] == cloudsim.state_dir(plat.layout)
    part.prepare()
    assert stat.S_IMODE(os.stat(part.conf).st_mode) == 0o600
    from savanna_sandbox.cloud import config as cloud_config
    loaded = cloud_config.load(part.conf)
    assert loaded['auth']['password'] == plat.secrets['cloudsim']


def test_catalog_uses_the_simulators_endpoints():
    cat = identity.catalog()
    assert cat['orchestration'] == 'http://127.0.0.1:8004/v1/%(tenant_id)s'
    from savanna_sandbox.cloud import ENDPOINTS
    for service in ('compute', 'volumev3', 'network', 'image'):
        assert cat[service] == ENDPOINTS[service]
    assert 'admin' not in cat


def test_env_lines_are_shell_safe():
    secrets = {'demo': "it's $HOME"}
    lines = identity.env_lines(secrets)
    import subprocess
    script = '\n'.join('export ' + line for line in lines) + \
        '\nprintf %s "$OS_PASSWORD"'
    out = subprocess.run(['sh', '-c', script], capture_output=True,
                         text=True).stdout
    assert out == "it's $HOME"
    assert "OS_USERNAME=demo" in lines


def test_plugin_problem_reports_an_import_error(tmp_path):
    good = tmp_path / 'good'
    good.mkdir()
    (good / 'p.py').write_text('def resource_mapping():\n    return {}\n')
    assert heat.plugin_problem(str(good)) is None
    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'p.py').write_text('import no_such_module_here\n')
    assert 'no_such_module_here' in heat.plugin_problem(str(bad))


def test_horizon_part_optional_settings_private(tmp_path, monkeypatch):
    from savanna_sandbox.services import horizon
    repo = tmp_path / 'repo'
    monkeypatch.setenv('HEAT_SAVANNA_REPO', str(repo))
    plat = platform.Platform(str(tmp_path / 'state'))
    part = plat.part('horizon')
    assert 'horizon' in platform.OPTIONAL
    assert 'tools/install-deps.sh' in part.available()
    site = repo / '.venv-horizon' / 'lib' / 'python3.11' / 'site-packages'
    (repo / '.venv-horizon' / 'bin').mkdir(parents=True)
    (repo / '.venv-horizon' / 'bin' / 'python').write_text('')
    (site / 'heat_dashboard' / 'enabled').mkdir(parents=True)
    (site / 'heat_dashboard' / 'enabled' / '_1620_stacks.py').write_text(
        'PANEL = "stacks"\n')
    (site / 'openstack_dashboard' / 'local' / 'enabled').mkdir(parents=True)
    assert part.available() is None
    part.prepare()
    assert (site / 'openstack_dashboard' / 'local' / 'enabled' /
            '_1620_stacks.py').read_text() == 'PANEL = "stacks"\n'
    settings = os.path.join(part.settings_dir, 'local', 'local_settings.py')
    assert stat.S_IMODE(os.stat(settings).st_mode) == 0o600
    text = open(settings).read()
    assert "OPENSTACK_KEYSTONE_URL = 'http://127.0.0.1:5000/v3'" in text
    assert 'SECRET_KEY = %r' % plat.secrets['horizon'] in text
    assert part.env()['PYTHONPATH'] == part.settings_dir
    assert part.argv()[-1] == '127.0.0.1:%d' % horizon.PORT
    assert not any(v in ' '.join(part.argv())
                   for v in plat.secrets.values())
