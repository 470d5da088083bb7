"""The docs, the devstack plugin and the sample config stay true.

* the property reference generated for the docs names every property,
  node_groups key and attribute, each with a description;
* ``oslo-config-generator --namespace heat_savanna`` lists every
  ``[savanna]`` option;
* ``contrib/devstack`` passes shellcheck, and its phases do what they say
  when run against stand-ins of devstack's functions;
* the Sphinx build succeeds with warnings as errors.
"""

import configparser
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOC_SOURCE = os.path.join(REPO, 'doc', 'source')
DEVSTACK = os.path.join(REPO, 'contrib', 'devstack')
BIN = os.path.dirname(sys.executable)

sys.path.insert(0, os.path.join(DOC_SOURCE, '_exts'))

import savanna_schema  # noqa: E402

from heat_savanna.common import config as sv_config  # noqa: E402
from heat_savanna.core import model  # noqa: E402


@pytest.fixture(scope='module')
def cluster_class():
    return savanna_schema.load_resource_class()


@pytest.fixture(scope='module')
def reference(cluster_class):
    return '\n'.join(savanna_schema.resource_reference_lines(cluster_class))


# -- the generated property reference ---------------------------------------
def test_reference_names_every_property_and_key(cluster_class, reference):
    for name, schema in cluster_class.properties_schema.items():
        assert '.. savanna-property:: %s\n' % name in reference
    keys = cluster_class.properties_schema['node_groups'].schema[
        '*'].schema
    assert set(keys) == set(model.NODE_GROUP_KEYS)
    for key in keys:
        assert '.. savanna-property:: node_groups.%s\n' % key in reference


def test_reference_names_every_attribute(cluster_class, reference):
    for name in list(cluster_class.attributes_schema) + ['show']:
        assert '.. savanna-attribute:: %s\n' % name in reference


def test_no_property_or_attribute_lacks_a_description(cluster_class):
    props, attrs = savanna_schema.api_schema(cluster_class)
    assert set(props) == set(cluster_class.properties_schema)
    for name, schema in props.items():
        assert schema.get('description', '').strip(), name
        for key, sub in savanna_schema.map_keys(schema).items():
            assert sub.get('description', '').strip(), '%s.%s' % (name,
                                                                  key)
    for name, schema in attrs.items():
        assert schema.get('description', '').strip(), name


def test_reference_states_update_behaviour(cluster_class, reference):
    # update_allowed decides: in place, or Heat replaces the cluster.
    for name, schema in cluster_class.properties_schema.items():
        block = reference.split('.. savanna-property:: %s\n' % name)[1]
        block = block.split('.. savanna-')[0]
        expected = (savanna_schema.IN_PLACE if schema.update_allowed
                    else savanna_schema.REPLACES)
        assert ':on update: %s' % expected in block, name
    assert ':on update: %s' % savanna_schema.IN_PLACE in reference.split(
        '.. savanna-property:: node_groups.count\n')[1].split('.. sav')[0]


def test_reference_renders_defaults_and_constraints(reference):
    block = reference.split('.. savanna-property:: anti_affinity_policy')[1]
    assert ':default: ``"anti-affinity"``' in block
    assert 'one of ``"anti-affinity"``, ``"soft-anti-affinity"``' in block
    assert 'a valid ``nova.flavor``' in reference
    assert 'range min 0, max 16' in reference


def test_missing_description_fails_the_build():
    class Bare(object):
        pass

    from heat.engine import properties
    Bare.properties_schema = {'x': properties.Schema(
        properties.Schema.STRING)}
    Bare.attributes_schema = {}
    Bare.base_attributes_schema = {}
    with pytest.raises(ValueError, match='property x has no description'):
        savanna_schema.resource_reference_lines(Bare)


def test_plugin_reference_lists_sections():
    text = '\n'.join(savanna_schema.plugin_reference_lines())
    for section in ('spark-defaults', 'spark-env', 'HDFS', 'YARN',
                    'MapReduce'):
        assert '``%s``' % section in text
    assert '``namenode``' in text and '``master``' in text


def test_plugin_reference_is_the_catalog():
    from heat_savanna import plugins
    text = '\n'.join(savanna_schema.plugin_reference_lines())
    for name in ('spark', 'vanilla'):
        plugin = plugins.get_plugin(name)
        catalog = plugin.get_config_catalog(plugin.get_default_version())
        for entry in catalog.declared():
            assert '   * - ``%s``\n' % entry.key in text, entry.key
        for section in catalog.sections:
            assert 'Section ``%s``' % section.name in text
    row = text.split('* - ``master_port``\n')[1].split('   * - ')[0]
    assert row.splitlines() == [
        '     - a port number from 1 to 65535', '     - ``7077``',
        '     - Port of the master that workers and jobs connect to; '
        'opened between cluster members. (cluster_configs only; port '
        'opened between cluster members)',
        '     - ``master``, ``worker``']
    assert "Version ``4.3.0`` (the default)" in text
    assert savanna_schema.rst_text('*-site.xml a_') == '\\*-site.xml a\\_'


def test_job_reference_names_every_property_key_and_attribute():
    cls = savanna_schema.load_resource_class(savanna_schema.JOB_CLASS)
    text = '\n'.join(savanna_schema.job_reference_lines(cls))
    for name in cls.properties_schema:
        assert '.. savanna-job-property:: %s\n' % name in text
    for key in cls._MAIN_KEYS:
        assert '.. savanna-job-property:: main.%s\n' % key in text
    for name in list(cls.attributes_schema) + ['show']:
        assert '.. savanna-job-attribute:: %s\n' % name in text
    block = text.split('.. savanna-job-property:: cluster\n')[1].split(
        '.. savanna-')[0]
    assert ':on update: %s' % savanna_schema.JOB_REPLACES in block
    block = text.split('.. savanna-job-property:: args\n')[1].split(
        '.. savanna-')[0]
    assert ':on update: %s' % savanna_schema.IN_PLACE in block
    assert 'one of ``"fail"``, ``"continue"``' in text


# -- sample config ------------------------------------------------------
def test_sample_config_lists_every_savanna_option():
    tool = os.path.join(BIN, 'oslo-config-generator')
    if not os.path.exists(tool):
        pytest.skip('oslo-config-generator not installed')
    result = subprocess.run([tool, '--namespace', 'heat_savanna'],
                            capture_output=True, text=True, timeout=60,
                            check=True)
    sample = result.stdout
    assert '[savanna]' in sample
    for opt in sv_config.opts:
        assert '#%s = ' % opt.name in sample, opt.name
        assert opt.help.split()[0] in sample


# -- devstack plugin ----------------------------------------------------
def test_devstack_scripts_pass_shellcheck():
    shellcheck = shutil.which('shellcheck')
    if not shellcheck:
        pytest.skip('shellcheck not installed')
    files = [os.path.join(DEVSTACK, f) for f in sorted(os.listdir(DEVSTACK))
             if f.endswith('.sh') or f == 'settings']
    assert os.path.join(DEVSTACK, 'plugin.sh') in files
    result = subprocess.run([shellcheck, '-s', 'bash'] + files,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# Stand-ins of the devstack functions plugin.sh and settings call. iniset
# and iniget edit a real ini file (through Python's configparser, as
# devstack's own do with sed); the rest record what they were asked.
STUBS = r'''
log() { echo "$*" >> "$CALLS"; }
is_service_enabled() { return 0; }
enable_service() { log "enable_service $*"; }
echo_summary() { :; }
trueorfalse() { local d=$1 v=$2; echo "${!v:-$d}"; }
setup_develop() { log "setup_develop $*"; }
pip_install() { log "pip_install $*"; }
restart_service() { log "restart_service $*"; }
sudo() { "$@"; }
iniget() { "$PY" "$INI" get "$@"; }
iniset() { "$PY" "$INI" set "$@"; }
'''

INI_TOOL = r'''
import configparser, sys
_, op, path, section, key = sys.argv[:5]
c = configparser.RawConfigParser()
c.optionxform = str
c.read(path)
if op == 'get':
    print(c.get(section, key, fallback=''))
else:
    if section != 'DEFAULT' and not c.has_section(section):
        c.add_section(section)
    c.set(section, key, sys.argv[5])
    with open(path, 'w') as f:
        c.write(f)
'''


@pytest.fixture
def devstack(tmp_path):
    ini_tool = tmp_path / 'ini.py'
    ini_tool.write_text(INI_TOOL)
    heat_conf = tmp_path / 'heat.conf'
    heat_conf.write_text('[DEFAULT]\ndebug = true\n')
    plugin_dir = tmp_path / 'lib-heat'
    calls = tmp_path / 'calls'
    calls.write_text('')

    def run(*phases, **env):
        script = [STUBS, 'source "$DEVSTACK/settings"']
        for phase in phases:
            script.append('source "$DEVSTACK/plugin.sh" %s' % phase)
        environ = {'PATH': os.environ['PATH'], 'CALLS': str(calls),
                   'PY': sys.executable, 'INI': str(ini_tool),
                   'DEVSTACK': DEVSTACK, 'DEST': str(tmp_path / 'opt'),
                   'HEAT_CONF': str(heat_conf),
                   'HEAT_SAVANNA_DIR': REPO,
                   'HEAT_SAVANNA_PLUGIN_DIR': str(plugin_dir)}
        environ.update(env)
        result = subprocess.run(['bash', '-e', '-c', '\n'.join(script)],
                                env=environ, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        conf = configparser.RawConfigParser()
        conf.read(heat_conf)
        return conf, calls.read_text().splitlines()

    run.plugin_dir = plugin_dir
    return run


def test_devstack_install_uses_devstack_python(devstack):
    _conf, calls = devstack('stack install')
    assert 'enable_service heat-savanna' in calls
    assert 'setup_develop %s' % REPO in calls
    _conf, calls = devstack('stack install', HEAT_SAVANNA_DEVELOP='False')
    assert 'pip_install %s' % REPO in calls


def test_devstack_post_config_installs_shim_and_plugin_dirs(devstack):
    conf, _calls = devstack('stack post-config', 'stack post-config',
                            HEAT_SAVANNA_SSH_CIDR='10.0.0.0/24')
    shim = devstack.plugin_dir / 'heat_savanna_plugin.py'
    with open(os.path.join(REPO, 'contrib', 'heat',
                           'heat_savanna_plugin.py')) as f:
        assert shim.read_text() == f.read()
    dirs = conf.get('DEFAULT', 'plugin_dirs').split(',')
    # Heat's defaults kept, ours added once (post-config ran twice)
    assert dirs.count(str(devstack.plugin_dir)) == 1
    assert '/usr/lib/heat' in dirs
    assert conf.get('savanna', 'ssh_cidr') == '10.0.0.0/24'
    # options left empty keep the plugin default: not written at all
    assert not conf.has_option('savanna', 'ssh_pool_size')
    assert conf.get('DEFAULT', 'debug') == 'true'


def test_devstack_extra_restarts_engine_and_clean_removes_shim(devstack):
    devstack('stack post-config')
    shim = devstack.plugin_dir / 'heat_savanna_plugin.py'
    assert shim.exists()
    _conf, calls = devstack('stack extra', 'unstack', 'clean')
    assert 'restart_service devstack@h-eng' in calls
    assert not shim.exists()


# -- the Sphinx build ---------------------------------------------------
@pytest.mark.slow
def test_docs_build_without_warnings(tmp_path):
    sphinx = os.path.join(BIN, 'sphinx-build')
    if not os.path.exists(sphinx):
        pytest.skip('sphinx-build not installed')
    result = subprocess.run(
        [sphinx, '-W', '-q', '-b', 'html', '-d', str(tmp_path / 'doctrees'),
         DOC_SOURCE, str(tmp_path / 'html')],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    html = (tmp_path / 'html' / 'reference.html').read_text()
    assert 'removal_candidates' in html and 'failed_nodes' in html
    guide = (tmp_path / 'html' / 'template-guide.html').read_text()
    assert 'OS::Savanna::Cluster' in guide
