"""``heat-savanna render`` / ``validate`` on real template files."""

import importlib.util
import pathlib
import subprocess
import sys
import textwrap

import pytest
import yaml

from heat_savanna import cli
from heat_savanna import offline
from heat_savanna import plugins
from tests.unit.core import fakes

ROOT = pathlib.Path(__file__).resolve().parents[2]
HADOOP = str(ROOT / 'contrib' / 'templates' / 'hadoop-cluster.yaml')
SPARK = str(ROOT / 'contrib' / 'templates' / 'spark-cluster.yaml')


def _importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


@pytest.fixture
def fake_vanilla(monkeypatch):
    """The example Hadoop template, validated by a stand-in plugin."""
    plugin = fakes.FakeHadoop(versions=['3.4.1'])
    plugin.name = 'vanilla'
    monkeypatch.setattr(plugins, 'get_plugin',
                        fakes.get_plugin_for(plugin))
    return plugin


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, text):
    path = tmp_path / 'tmpl.yaml'
    path.write_text(textwrap.dedent(text))
    return str(path)


def types(*tmpls):
    out = {}
    for tmpl in tmpls:
        for res in tmpl['resources'].values():
            out[res['type']] = out.get(res['type'], 0) + 1
    return out


def flat(docs):
    """Every resource of a cluster's rendered documents, in one map."""
    out = {}
    for doc in docs:
        out.update(doc['resources'])
    return {'resources': out}


def per_cluster(docs):
    """The rendered documents grouped per cluster (each cluster's nested
    stack, the one holding the keypair, starts its group)."""
    groups = []
    for doc in docs:
        if 'management-keypair' in doc['resources']:
            groups.append([])
        groups[-1].append(doc)
    return groups


def test_render_hadoop_100_workers(capsys, fake_vanilla):
    code, out, err = run(capsys, 'render', HADOOP, '-P', 'workers=100')
    assert code == 0, err
    docs = list(yaml.safe_load_all(out))
    assert len(per_cluster(docs)) == 1
    # the cluster's nested stack, then one child stack per node set (of
    # at most 5 nodes of one group): master, secondary, 20 of workers
    assert types(docs[0])['OS::Savanna::NodeSet'] == 22
    assert len(docs) == 23
    tmpl = flat(docs)
    counts = types(tmpl)
    assert counts['OS::Nova::Server'] == 102     # master, secondary, 100
    assert counts['OS::Nova::ServerGroup'] == 1
    assert counts['OS::Cinder::Volume'] == 200
    assert counts['OS::Cinder::VolumeAttachment'] == 200
    hinted = [n for n, r in tmpl['resources'].items()
              if 'scheduler_hints' in r.get('properties', {})]
    assert len(hinted) == 100 and all(n.startswith('worker-')
                                      for n in hinted)
    assert tmpl['resources']['worker-99']['properties']['name'] == \
        'hadoop-worker-99'
    assert len(tmpl['resources']) < 1000
    # sets of one, as an engine with [savanna] node_set_size = 1 builds
    code, out, err = run(capsys, 'render', HADOOP, '-P', 'workers=100',
                         '--node-set-size', '1')
    assert code == 0, err
    docs = list(yaml.safe_load_all(out))
    assert types(docs[0])['OS::Savanna::NodeSet'] == 102
    assert len(docs) == 103


def test_validate_ok(capsys, fake_vanilla):
    code, out, err = run(capsys, 'validate', HADOOP)
    assert (code, out, err) == (0, 'OK\n', cli.OFFLINE_NOTE + '\n')


def test_validate_rejects_two_namenode_groups(capsys, fake_vanilla,
                                              tmp_path):
    text = pathlib.Path(HADOOP).read_text().replace(
        'node_processes: [secondarynamenode]',
        'node_processes: [namenode]')
    path = tmp_path / 'two.yaml'
    path.write_text(text)
    code, out, err = run(capsys, 'validate', str(path))
    assert code == 1 and out == ''
    assert err.splitlines() == [
        'hadoop: node_groups[1].node_processes: a second namenode group '
        '(exactly one namenode)']


TEMPLATE = '''
heat_template_version: 2021-04-16
parameters:
  workers: {type: number, default: 2}
  net: {type: string}
  zones: {type: comma_delimited_list, default: "a,b"}
  fip: {type: boolean, default: false}
resources:
  first:
    type: OS::Savanna::Cluster
    properties:
      plugin_name: vanilla
      plugin_version: "3.4.1"
      image: img
      flavor: small
      management_network: {get_param: net}
      floating_ip_pool: public
      node_groups:
        - name: master
          count: 1
          node_processes: [namenode, resourcemanager]
          availability_zone: {get_param: [zones, 1]}
          floating_ip: {get_param: fip}
        - name: worker
          count: {get_param: workers}
          node_processes: [datanode, nodemanager]
  other:
    type: OS::Nova::Server
    properties: {image: x}
  second:
    type: OS::Savanna::Cluster
    properties:
      name: named
      plugin_name: vanilla
      plugin_version: "3.4.1"
      image: img
      flavor: small
      management_network: private
      node_groups:
        - {name: nn, count: 1, node_processes: [namenode]}
'''


def test_render_one_document_per_cluster_with_parameters(capsys, tmp_path,
                                                         fake_vanilla):
    path = write(tmp_path, TEMPLATE)
    code, out, err = run(capsys, 'render', path, '-P', 'net=mgmt',
                         '-P', 'workers=4', '-P', 'fip=true')
    assert code == 0, err
    first, second = [flat(g) for g in
                     per_cluster(yaml.safe_load_all(out))]
    assert types(first)['OS::Nova::Server'] == 5
    assert first['resources']['master-0']['properties'][
        'availability_zone'] == 'b'
    assert first['resources']['worker-0-port']['properties'][
        'network'] == 'mgmt'
    assert 'master-0-fip' in first['resources']
    assert first['resources']['master-0']['properties']['name'] == \
        'first-master-0'
    assert second['resources']['nn-0']['properties']['name'] == \
        'named-nn-0'
    assert second['resources']['management-keypair']['properties'][
        'public_key'] == cli.PLACEHOLDER_PUBLIC_KEY


def test_parameter_without_value(capsys, tmp_path, fake_vanilla):
    code, _out, err = run(capsys, 'validate', write(tmp_path, TEMPLATE))
    assert code == 1
    assert "first: management_network: parameter 'net' has no value" in err
    assert '-P net=' in err


def test_number_parameter_must_be_a_number(capsys, tmp_path, fake_vanilla):
    code, _out, err = run(capsys, 'validate', write(tmp_path, TEMPLATE),
                          '-P', 'net=x', '-P', 'workers=many')
    assert code == 2
    assert "parameter workers: 'many' is not a number" in err


def test_unknown_parameter(capsys, tmp_path, fake_vanilla):
    code, _out, err = run(capsys, 'validate', write(tmp_path, TEMPLATE),
                          '-P', 'nett=x')
    assert code == 2 and 'unknown parameter(s): nett' in err


def test_pseudo_parameters_as_the_hint_says(capsys, tmp_path, fake_vanilla):
    # a cluster named after its stack: the hint's -P OS::stack_name=...
    # is accepted, as Heat gives every stack that parameter
    named = TEMPLATE.replace(
        "      plugin_name: vanilla\n",
        "      name: {get_param: 'OS::stack_name'}\n"
        "      plugin_name: vanilla\n", 1)
    path = write(tmp_path, named)
    code, _out, err = run(capsys, 'validate', path, '-P', 'net=x')
    assert code == 1 and '-P OS::stack_name=' in err
    code, out, err = run(capsys, 'validate', path, '-P', 'net=x',
                         '-P', 'OS::stack_name=lab')
    assert code == 0, err
    code, out, _err = run(capsys, 'render', path, '-P', 'net=x',
                          '-P', 'OS::stack_name=lab')
    assert code == 0 and 'name: lab-master-0' in out


def test_malformed_parameter_option(capsys, tmp_path, fake_vanilla):
    code, _out, err = run(capsys, 'validate', write(tmp_path, TEMPLATE),
                          '-P', 'net')
    assert code == 2 and '-P takes key=value' in err


def test_other_intrinsic_is_a_clear_error(capsys, tmp_path, fake_vanilla):
    path = write(tmp_path, '''
        heat_template_version: 2021-04-16
        resources:
          net:
            type: OS::Neutron::Net
          c:
            type: OS::Savanna::Cluster
            properties:
              plugin_name: vanilla
              plugin_version: "3.4.1"
              image: img
              flavor: small
              management_network: {get_resource: net}
              node_groups:
                - {name: nn, count: 1, node_processes: [namenode]}
        ''')
    code, _out, err = run(capsys, 'validate', path)
    assert code == 1
    assert err.strip() == ('c: management_network: get_resource cannot be '
                           'resolved offline (use a literal or get_param)')


def test_type_errors_are_messages_not_tracebacks(capsys, tmp_path,
                                                 fake_vanilla):
    path = write(tmp_path, '''
        heat_template_version: 2021-04-16
        resources:
          c:
            type: OS::Savanna::Cluster
            properties:
              plugin_name: vanilla
              plugin_version: "3.4.1"
              image: img
              flavor: small
              management_network: private
              node_groups:
                - {name: nn, count: lots, node_processes: namenode}
        ''')
    code, _out, err = run(capsys, 'validate', path)
    # Heat's schema stops at its first error, as in the engine
    assert (code, err) == (1, "c: node_groups[0].count: Value 'lots' is "
                              "not an integer\n")


def test_no_cluster_in_template(capsys, tmp_path):
    path = write(tmp_path, '''
        heat_template_version: 2021-04-16
        resources: {}
        ''')
    code, _out, err = run(capsys, 'validate', path)
    assert code == 2 and 'no OS::Savanna::Cluster resource' in err


@pytest.mark.parametrize('text,message', [
    ('resources: {}\n', 'Template format version not found'),
    ('heat_template_version: [unclosed\n', 'Error parsing template'),
    ('- a list\n', 'not a JSON object or YAML mapping'),
])
def test_bad_template_files(capsys, tmp_path, text, message):
    code, _out, err = run(capsys, 'validate', write(tmp_path, text))
    assert code == 2 and message in err


def test_missing_file(capsys, tmp_path):
    code, _out, err = run(capsys, 'validate', str(tmp_path / 'nope.yaml'))
    assert code == 2 and 'cannot read' in err


def test_without_heat_it_says_to_install_it(monkeypatch, capsys, tmp_path):
    def no_heat(self):
        raise ImportError("No module named 'heat'")
    monkeypatch.setattr(offline.Heat, '_loaded', None)
    monkeypatch.setattr(offline.Heat, '__init__', no_heat)
    code, _out, err = run(capsys, 'validate', write(tmp_path, TEMPLATE))
    assert code == 2
    assert 'pip install openstack-heat' in err and 'Traceback' not in err


def test_subcommands_from_entry_points(monkeypatch, capsys):
    calls = []

    class EP(object):
        name = 'hello'

        def load(self):
            def register(subparsers):
                calls.append(subparsers)
                p = subparsers.add_parser('hello')
                p.set_defaults(func=lambda args: 7)
            return register

    class Broken(object):
        name = 'broken'

        def load(self):
            raise ImportError('gone')

    monkeypatch.setattr(cli.metadata, 'entry_points',
                        lambda group: [EP(), Broken()])
    assert cli.main(['hello']) == 7
    assert calls
    assert "subcommand 'broken' unavailable" in capsys.readouterr().err


def test_installed_entry_points_register():
    parser = cli.build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert {'render', 'validate'} <= set(choices)


@pytest.mark.skipif(not _importable('heat_savanna.plugins.vanilla.plugin'),
                    reason='the vanilla plugin has not landed yet')
def test_real_vanilla_plugin_renders_the_example(capsys):
    code, out, err = run(capsys, 'render', HADOOP, '-P', 'workers=100')
    assert code == 0, err
    counts = types(*yaml.safe_load_all(out))
    assert counts['OS::Nova::Server'] >= 101
    assert counts['OS::Nova::ServerGroup'] == 1
    assert counts['OS::Cinder::Volume'] == 200
    assert counts['OS::Cinder::VolumeAttachment'] == 200


@pytest.mark.skipif(not _importable('heat_savanna.plugins.vanilla.plugin'),
                    reason='the vanilla plugin has not landed yet')
def test_real_vanilla_plugin_rejects_two_namenodes(capsys, tmp_path):
    text = pathlib.Path(HADOOP).read_text().replace(
        'node_processes: [secondarynamenode]',
        'node_processes: [namenode]')
    path = tmp_path / 'two.yaml'
    path.write_text(text)
    code, _out, err = run(capsys, 'validate', str(path))
    assert code == 1
    assert 'hadoop: node_groups[1].node_processes' in err


@pytest.mark.skipif(not _importable('heat_savanna.plugins.spark.plugin'),
                    reason='the spark plugin has not landed yet')
def test_console_script_validates_the_spark_example():
    out = subprocess.run(
        [sys.executable, '-c', 'import sys; from heat_savanna.cli import '
         'main; sys.exit(main())', 'validate', SPARK, '-P', 'workers=5'],
        capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout == 'OK\n'


SPARK_TEMPLATE = '''
heat_template_version: 2021-04-16
resources:
  c:
    type: OS::Savanna::Cluster
    properties:
      plugin_name: spark
      image: spark-4.3
      flavor: m1.small
      management_network: private
      node_groups:
        - {name: master, count: 1, node_processes: [master]}
        - name: worker
          count: %(count)s
          node_processes: [worker]
%(extra)s
'''


def spark(tmp_path, count=3, extra=''):
    return write(tmp_path, SPARK_TEMPLATE % {'count': count,
                                             'extra': extra})


def test_without_plugin_version_the_default_is_chosen(tmp_path):
    specs, messages = cli.check_template(spark(tmp_path), {})
    assert messages == []
    assert specs[0][1].plugin_version == '4.3.0'


@pytest.mark.parametrize('extra,message', [
    ("          min_active: '-5%'",
     'c: node_groups[1].min_active: a whole number or a percentage like '
     '90%'),
    ("          min_active: '90 %'",
     'c: node_groups[1].min_active: a whole number or a percentage like '
     '90%'),
    ('          volumes_per_node: 17',
     'c: node_groups[1].volumes_per_node: 17 is out of range (min: 0, '
     'max: 16)'),
    ('          volume_size: 0',
     'c: node_groups[1].volume_size: 0 is out of range (min: 1, max: '
     'None)'),
    ('      ssh_user: %s' % ('u' * 41),
     'c: ssh_user: length (41) is out of range (min: 1, max: 32)'),
    ('      name: %s' % ('c' * 300),
     'c: name: length (300) is out of range (min: 1, max: 40)'),
    ('      cluster_configs: {general: {master_port: 99999}}',
     'c: cluster_configs.general.master_port: must be a port number from '
     '1 to 65535, not 99999'),
])
def test_what_the_schema_refuses_validate_refuses(capsys, tmp_path,
                                                  extra, message):
    code, out, err = run(capsys, 'validate', spark(tmp_path, extra=extra))
    assert code == 1 and out == ''
    assert err.startswith(message), err


def test_group_name_ending_in_a_newline(capsys, tmp_path):
    path = write(tmp_path, (SPARK_TEMPLATE % {'count': 3, 'extra': ''})
                 .replace('name: worker', 'name: "worker\\n"'))
    code, _out, err = run(capsys, 'validate', path)
    assert (code, err) == (1, 'c: node_groups[1].name: must start with a '
                              'letter and contain only letters, digits and '
                              '"-"\n')


def test_too_many_resources_gives_the_numbers_and_the_fix(capsys, tmp_path):
    path = spark(tmp_path, count=600)
    code, _out, err = run(capsys, 'validate', path)
    assert code == 1
    # 601 nodes x (server, port) + 121 node sets of up to 5 + 1 shared +
    # the cluster itself
    assert err == ('c: node_groups: the cluster needs 1326 resources (its '
                   'nested stack and itself) for 601 nodes, more than the '
                   '1000 heat-engine allows in one stack '
                   '(max_resources_per_stack) (use fewer nodes or fewer '
                   'volumes per node, or ask the cloud operator to raise '
                   'max_resources_per_stack)\n')
    code, _out, err = run(capsys, 'validate', path,
                          '--max-resources-per-stack', '2000')
    assert code == 0, err
    # with sets of one, every node is a set of its own: 600 more
    code, _out, err = run(capsys, 'validate', path, '--node-set-size', '1',
                          '--max-resources-per-stack', '1400')
    assert code == 1 and 'needs 1806 resources' in err, err
    with pytest.raises(SystemExit) as exit_:
        run(capsys, 'validate', path, '--node-set-size', '0')
    assert exit_.value.code == 2
    assert 'must be at least 1, not 0' in capsys.readouterr().err


def test_huge_count_fails_fast(capsys, tmp_path):
    import time
    t0 = time.monotonic()
    code, _out, err = run(capsys, 'render', spark(tmp_path,
                                                  count=10 ** 20))
    assert time.monotonic() - t0 < 5
    assert code == 1
    assert 'c: node_groups[1].count: count 100000...(21 digits) is more ' \
        'than the 5000 nodes a cluster may have' in err


def test_yaml_alias_bomb_is_refused_quickly(capsys, tmp_path):
    import time
    lines = ['heat_template_version: 2021-04-16', 'x0: &a0 [lol]']
    for i in range(1, 25):
        lines.append('x%d: &a%d [*a%d, *a%d, *a%d, *a%d]'
                     % (i, i, i - 1, i - 1, i - 1, i - 1))
    lines.append('resources: {}')
    path = write(tmp_path, '\n'.join(lines) + '\n')
    t0 = time.monotonic()
    code, _out, err = run(capsys, 'validate', path)
    assert time.monotonic() - t0 < 5
    assert code == 2
    assert 'expands (YAML aliases) to more than 524288 bytes' in err


def test_template_over_heats_size_limit(capsys, tmp_path):
    path = write(tmp_path, 'heat_template_version: 2021-04-16\n'
                 'description: "%s"\n' % ('x' * 600000))
    code, _out, err = run(capsys, 'validate', path)
    assert code == 2 and 'exceeds maximum allowed size' in err


def test_configured_master_port_is_the_opened_port(capsys, tmp_path):
    extra = '      cluster_configs: {general: {master_port: 7000}}'
    code, out, err = run(capsys, 'render', spark(tmp_path, extra=extra))
    assert code == 0, err
    rules = next(yaml.safe_load_all(out))['resources']['security-group'][
        'properties']['rules']
    ports = {r.get('port_range_min') for r in rules}
    assert 7000 in ports and 7077 not in ports


# -- OS::Savanna::Job: the engine's verdict, in its words -------------------
JOB = '''
  other:
    type: OS::Heat::None
  job:
    type: OS::Savanna::Job
    properties:
%s
'''
JOB_CLUSTER = '      cluster: {get_resource: c}'
JOB_TYPE = '      type: shell'
JOB_MAIN = "      main: {inline: 'echo $GREETING'}"


def job(tmp_path, *lines):
    body = '\n'.join(lines or (JOB_CLUSTER, JOB_TYPE, JOB_MAIN))
    return spark(tmp_path, extra=JOB % (body + '\n      configs: '
                                        '{GREETING: hello}'))


def test_a_valid_job_is_ok(capsys, tmp_path):
    code, out, err = run(capsys, 'validate', job(tmp_path))
    assert (code, out) == (0, 'OK\n'), err


@pytest.mark.parametrize('lines, message', [
    # not a job type at all: the resource's schema
    ((JOB_CLUSTER, '      type: pig', JOB_MAIN),
     'job: type: "pig" is not an allowed value ["spark", "shell", '
     '"mapreduce"]'),
    # a job type the cluster's plugin does not run
    ((JOB_CLUSTER, '      type: mapreduce', '      main: {path: /x.jar}'),
     'job: Property type: the spark plugin runs spark and shell jobs, not '
     'mapreduce'),
])
def test_a_job_type_the_cluster_cannot_run(capsys, tmp_path, lines,
                                           message):
    code, out, err = run(capsys, 'validate', job(tmp_path, *lines))
    assert (code, out, err) == (1, '', message + '\n')


@pytest.mark.parametrize('lines, message', [
    ((JOB_CLUSTER, JOB_TYPE), 'job: Property main not assigned'),
    ((JOB_CLUSTER, JOB_TYPE, '      main: {}'),
     'job: Property main: give exactly one of inline, url, path (got '
     'none)'),
    ((JOB_CLUSTER, JOB_TYPE, "      main: {inline: x, path: /x.sh}"),
     'job: Property main: give exactly one of inline, url, path (got '
     'inline, path)'),
])
def test_a_job_without_one_main_program(capsys, tmp_path, lines, message):
    code, out, err = run(capsys, 'validate', job(tmp_path, *lines))
    assert (code, out, err) == (1, '', message + '\n')


REFERENCE_ERROR = ('job: Property cluster: must be {get_resource: NAME} of '
                   'an OS::Savanna::Cluster of this stack')


@pytest.mark.parametrize('cluster', [
    'some-id', '{get_resource: other}', '{get_resource: nosuch}',
    '{get_attr: [c, status]}', '{get_param: OS::stack_id}'])
def test_a_job_cluster_not_a_cluster_of_the_template(capsys, tmp_path,
                                                     cluster):
    code, out, err = run(capsys, 'validate', job(
        tmp_path, '      cluster: %s' % cluster, JOB_TYPE, JOB_MAIN))
    assert (code, out, err) == (1, '', REFERENCE_ERROR + '\n')


def test_a_job_without_cluster_and_every_error_on_a_line(capsys, tmp_path):
    code, out, err = run(capsys, 'validate', job(tmp_path, JOB_TYPE,
                                                 JOB_MAIN))
    assert (code, err) == (1, 'job: Property cluster not assigned\n')
    code, out, err = run(capsys, 'validate', job(
        tmp_path, '      cluster: x', JOB_TYPE, '      main: {}'))
    assert err.splitlines() == [
        REFERENCE_ERROR, 'job: Property main: give exactly one of inline, '
        'url, path (got none)']


def test_a_job_on_a_refused_cluster_is_checked_without_its_plugin(
        capsys, tmp_path):
    path = job(tmp_path, JOB_CLUSTER, '      type: mapreduce',
               '      main: {path: /x.jar}')
    text = pathlib.Path(path).read_text().replace('image: spark-4.3',
                                                  'image: [not, a, name]')
    pathlib.Path(path).write_text(text)
    code, out, err = run(capsys, 'validate', path)
    assert code == 1 and err.startswith('c: image: ')
    assert 'job:' not in err


def test_a_job_property_that_cannot_be_resolved_offline(capsys, tmp_path):
    code, out, err = run(capsys, 'validate', job(
        tmp_path, JOB_CLUSTER, JOB_TYPE,
        '      main: {inline: {get_attr: [other, x]}}'))
    assert (code, err) == (1, 'job: main.inline: get_attr cannot be '
                              'resolved offline (use a literal or '
                              'get_param)\n')
