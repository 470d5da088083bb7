"""From the schema through validate and the real plugins' generation.

Property test (hypothesis, at least 1000 examples per plugin): cluster
definitions drawn from the resource's properties and each plugin's config
catalog (valid values of every declared kind, keys matching each section's
pattern, and hostile ones: shell metacharacters, line breaks, control
characters, wrong types) go through ``heat_savanna.cli.check_properties``
(the resource's Heat schema, then the core and plugin rules). Each one is
either refused with errors that all name a property, or the plugin
generates everything for it without an exception: the create, scale-up,
decommission and health steps run against a recording remote (every
command, the full root script that installs the files, every file), the
ports and endpoints. Then every XML file parses, every spark-defaults line
is one property, and every shell script and command passes ``bash -n``
and ``sh -n`` (the remote runs commands through ``sudo sh -c``).

That values with shell metacharacters never *execute* is shown on a real
sshd host: the generated commands run there and the env files are sourced,
and a marker file the values would create must not appear.
"""

import json
import os
import re
import shlex
import subprocess
import tempfile
import uuid
import xml.etree.ElementTree as ET

import hypothesis
from hypothesis import strategies as st
import pytest

from heat_savanna import cli
from heat_savanna.common import exceptions
from heat_savanna.core import layout as layout_mod
from heat_savanna.core import model
from heat_savanna.core import template as template_mod
from heat_savanna.plugins import base
from heat_savanna.plugins import catalog as cat
from heat_savanna.plugins import get_plugin
from heat_savanna.provisioning import driver
from heat_savanna.remote import ssh
from heat_savanna.remote.ssh import CommandResult

EXAMPLES = 1000
MARK = '/tmp/savanna-never-%s' % uuid.uuid4().hex[:12]
HOSTILE = (
    '$(touch %s)' % MARK, '`touch %s`' % MARK, '; touch %s' % MARK,
    "'; touch %s; '" % MARK, '"; touch %s; "' % MARK, '|| touch ' + MARK,
    '& touch %s &' % MARK, '> %s' % MARK, '\\', "a'b", 'a"b', '$HOME',
    '${IFS}', '#', '!', '*', '~', '\ttab', ' lead', '=eq', ':colon',
    '</value><x>', ']]>', '&amp;', 'ünï', '\u2028', '\x85', '',
    # what a file format cannot carry (XML, a properties line, env files)
    'a\nb', 'a\rb', 'a\r\nb', '\n', 'x\n', 'a\nspark.x y', 'x\x00y',
    'x\x01y', 'x\x0by', 'x\x0cy', 'x\x1by', 'x\x7fy', '\ufffe', '\uffff',
    '\ud800', 'a\\', 'a\\\nb',
)
#: per plugin: node group shapes (processes, count): [0] and [1] make a
#: valid cluster, [2] is a whole cluster on one node, the rest may be
#: added once each
TOPOLOGIES = {
    'spark': [(('master',), 1), (('worker',), 2),
              (('master', 'worker'), 1), (('historyserver',), 1),
              (('worker',), 1)],
    'vanilla': [(('namenode', 'resourcemanager'), 1),
                (('datanode', 'nodemanager'), 2),
                (('namenode', 'resourcemanager', 'historyserver',
                  'datanode', 'nodemanager'), 1),
                (('secondarynamenode',), 1), (('datanode',), 1),
                (('historyserver',), 1)],
}


# -- strategies, from the schema ---------------------------------------------
def kind_values(kind):
    """Valid values of a catalog kind."""
    if isinstance(kind, cat.Integer):
        lo = -10 ** 6 if kind.minimum is None else kind.minimum
        hi = 10 ** 6 if kind.maximum is None else min(kind.maximum, 10 ** 9)
        ints = st.integers(lo, hi)
        return st.one_of(ints, ints.map(str))
    if isinstance(kind, cat.Boolean):
        return st.sampled_from([True, False, 'true', 'FALSE'])
    if isinstance(kind, cat.Choice):
        return st.sampled_from(kind.values)
    if isinstance(kind, cat.Pattern):
        return st.from_regex(kind.regex, fullmatch=True).filter(
            lambda v: len(v) <= kind.max_length)
    return st.text(st.characters(blacklist_categories=('Cc', 'Cs', 'Cn')),
                   max_size=16)


HOSTILE_VALUES = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(HOSTILE),
                           st.sampled_from(HOSTILE), st.text(max_size=12),
                           st.sampled_from([None, [1], {'a': 1}, 2.5,
                                            -1, 10 ** 30, True]))
BAD_KEYS = st.sampled_from(['X=1; touch %s; Y' % MARK, 'a b', '', 'A\nB',
                            'spark x', '1X', 'dfs.x\n'])


def section_items(section, node_level):
    """(key, valid value) pairs of one section: its declared keys (but
    the cluster-wide ones in node_configs) and keys matching its pattern
    for other keys (with the suffixes that choose another kind: .dir,
    .port, .address)."""
    items = [st.tuples(st.just(e.key), kind_values(e.kind))
             for e in section.entries
             if not (node_level and e.cluster_only)]
    if section.other is not None:
        keys = st.from_regex(section.other.key_regex,
                             fullmatch=True).filter(lambda k: len(k) < 40)
        for rule in section.other.rules:
            suffix = {r'\.dirs?$': '.dir', r'\.port$': '.port',
                      r'\.address$': '.address'}.get(rule.regex, '')
            if rule.regex.startswith('^'):
                continue
            items.append(st.tuples(keys.map(lambda k, s=suffix: k + s),
                                   kind_values(rule.kind)))
    return st.lists(st.one_of(*items), max_size=3).map(dict)


def clean_configs(catalog, node_level=False):
    return st.fixed_dictionaries({}, optional={
        s.name: section_items(s, node_level) for s in catalog.sections})


STRATEGIES = {}


def strategies(plugin_name):
    """Built once per plugin: building hypothesis strategies is slow."""
    if plugin_name not in STRATEGIES:
        plugin = get_plugin(plugin_name)
        catalog = plugin.get_config_catalog(plugin.get_default_version())
        keys = {s.name: st.from_regex(s.other.key_regex, fullmatch=True)
                .filter(lambda k: len(k) < 40) if s.other else
                st.sampled_from([e.key for e in s.entries])
                for s in catalog.sections}
        STRATEGIES[plugin_name] = (plugin, clean_configs(catalog),
                                   clean_configs(catalog, node_level=True),
                                   keys)
    return STRATEGIES[plugin_name]


GOOD_NAMES = st.from_regex(r'[a-z][a-z0-9-]{0,10}', fullmatch=True)
NAMES = st.one_of(GOOD_NAMES, GOOD_NAMES, GOOD_NAMES,
                  st.sampled_from(['a' * 40, 'w\n', 'Master', '9x', '']))


@st.composite
def definitions(draw, plugin_name):
    plugin, configs, node_configs, keys = strategies(plugin_name)
    sections = sorted(keys)
    shapes = TOPOLOGIES[plugin_name]
    if draw(st.integers(0, 5)):     # mostly a valid topology
        picks = draw(st.sampled_from([[0, 1], [2]])) + draw(st.lists(
            st.sampled_from(range(3, len(shapes))), max_size=2,
            unique=True))
    else:
        picks = draw(st.lists(st.sampled_from(range(len(shapes))),
                              min_size=1, max_size=4))
    groups = []
    for n, k in enumerate(picks):
        processes, count = shapes[k]
        group = {'name': 'g%d' % n if draw(st.integers(0, 7)) else
                 draw(NAMES),
                 'count': count if count == 1 or draw(st.integers(0, 7))
                 else draw(st.sampled_from([0, 3])),
                 'node_processes': list(processes)}
        for key, values in (
                ('min_active', st.sampled_from(['0', '50%', '100%', 0])),
                ('volumes_per_node', st.integers(0, 3)),
                ('floating_ip', st.booleans()),
                ('node_configs', node_configs)):
            if draw(st.booleans()):
                group[key] = draw(values)
        groups.append(group)
    props = {'plugin_name': plugin_name, 'image': 'img', 'flavor': 'f',
             'management_network': 'net', 'node_groups': groups,
             'floating_ip_pool': 'public', 'cluster_configs': draw(configs)}
    if draw(st.booleans()):
        props['name'] = draw(NAMES)
    if draw(st.booleans()):
        props['plugin_version'] = draw(st.sampled_from(
            plugin.get_versions() * 3 + ['0.1']))
    if draw(st.booleans()):
        procs = sorted({p for g in groups for p in g['node_processes']})
        props['anti_affinity'] = draw(st.lists(st.sampled_from(procs),
                                               max_size=2, unique=True))
    # hostile values and keys, in two thirds of the examples
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2]))):
        where = draw(st.sampled_from(['cluster'] + list(range(len(groups)))))
        target = props if where == 'cluster' else groups[where]
        key = 'cluster_configs' if where == 'cluster' else 'node_configs'
        if not isinstance(target.get(key), dict):
            target[key] = {}
        section = target[key].setdefault(
            draw(st.sampled_from(sections)), {})
        how = draw(st.sampled_from(['valid key', 'valid key', 'valid key',
                                    'existing', 'bad key']))
        if how == 'existing' and section:
            section[draw(st.sampled_from(sorted(section)))] = draw(
                HOSTILE_VALUES)
        elif how == 'bad key':
            section[draw(BAD_KEYS)] = draw(st.sampled_from(HOSTILE))
        else:
            name = draw(st.sampled_from(sections))
            section = target[key].setdefault(name, {})
            if not isinstance(section, dict):
                continue
            section[draw(keys[name])] = draw(HOSTILE_VALUES)
    if not draw(st.integers(0, 15)):
        props['cluster_configs'] = draw(st.sampled_from(
            [None, {'bogus': {}}, {sections[0]: [1]}, [1]]))
    return props


# -- running the plugin ------------------------------------------------------
class ScriptRemote(object):
    """Records every command and file of one node; builds the real root
    script of ``install_files`` (the remote layer's own code)."""

    def __init__(self, node_name, out):
        self.node_name = node_name
        self.out = out

    def run(self, command, timeout=None, check=True, input=None,
            sudo=False):
        self.out['scripts'].append(command)
        if '/json/' in command:
            return CommandResult(0, json.dumps({
                'status': 'ALIVE', 'url': 'spark://x:7077',
                'workers': []}), '')
        return CommandResult(0, '', '')

    def install_files(self, files, prelude=None, timeout=None):
        files = list(files)
        if prelude:
            self.out['scripts'].append(prelude)
        self.out['files'] += files
        ssh.NodeRemote.install_files(self, files, prelude=prelude,
                                     timeout=timeout)

    def put(self, path, content, mode=0o644, sudo=False):
        self.install_files([(path, content, mode)])


def cluster_info(spec):
    layout = layout_mod.Layout.initial(spec)
    groups = {g.name: g for g in spec.node_groups}
    nodes = []
    for i, (group, name) in enumerate(layout.nodes()):
        g = groups[group]
        nodes.append(base.NodeInfo(
            name=name, group=group, processes=g.node_processes,
            management_ip='172.24.%d.%d' % (i // 250, 1 + i % 250),
            internal_ip='10.0.%d.%d' % (i // 250, 1 + i % 250),
            node_configs=g.node_configs,
            volumes=tuple(template_mod.device_name(k)
                          for k in range(g.volumes_per_node)),
            fqdn=template_mod.server_name(spec.name, name), image=g.image))
    return base.ClusterInfo(spec.name, spec.plugin_name,
                            spec.plugin_version, spec.cluster_configs,
                            tuple(nodes))


def judge_wait(step, remote_for):
    """One look of a wait step, as the SSH transport takes it: each
    probe's fetch where it runs, its judge on what it printed."""
    for node in step.nodes:
        for probe in step.wait(node):
            result = remote_for(probe.at or node).run(probe.fetch,
                                                      check=False)
            probe.holds(result.exit_code, result.stdout)


def run_steps(steps, out):
    remotes = {}

    def remote_for(node):
        return remotes.setdefault(node.name, ScriptRemote(node.name, out))
    for step in steps:
        if step.action is not None or step.work is not None:
            for node in step.nodes:
                driver.step_action(step)(remote_for(node), node)
        else:
            judge_wait(step, remote_for)


def generate(plugin, spec):
    """Every script and file the plugin makes for ``spec``."""
    out = {'scripts': [], 'files': []}
    info = cluster_info(spec)
    plugin.get_ports(spec)
    plugin.get_endpoints(info)
    run_steps(plugin.create_steps(info), out)
    run_steps(plugin.health_steps(info), out)
    if info.nodes:
        last = info.nodes[-1]
        run_steps(plugin.scale_up_steps(info, [last]), out)
        run_steps(plugin.decommission_steps(info, [last]), out)
    return out


# -- checking what came out ------------------------------------------------
def syntax_errors(shell, scripts):
    """``shell -n`` of every script at once: each becomes the body of its
    own function (parsed, never run), so a broken one fails the file."""
    if not scripts:
        return None
    with tempfile.NamedTemporaryFile('w', suffix='.sh', delete=False) as f:
        for i, script in enumerate(scripts):
            f.write('savanna_check_%d() {\n:\n%s\n}\n' % (i, script))
        name = f.name
    try:
        result = subprocess.run([shell, '-n', name], capture_output=True,
                                text=True, timeout=60)
    finally:
        os.unlink(name)
    if result.returncode == 0:
        return None
    bad = [s for s in scripts if subprocess.run(
        [shell, '-n'], input='%s\n' % s, capture_output=True,
        text=True).returncode]
    return '%s -n: %s\n%r' % (shell, result.stderr.strip()[:300], bad[:2])


SPARK_PROPERTY = re.compile(r'^spark\.[A-Za-z0-9_.\-]+ ')


def check_output(out):
    scripts = list(out['scripts'])
    for path, content, _mode in out['files']:
        text = content if isinstance(content, str) else content.decode()
        if path.endswith('.xml'):
            ET.fromstring(text.encode())
        elif path.endswith('.sh'):
            scripts.append(text)
        elif path.endswith('spark-defaults.conf'):
            # the line ends a Java properties reader knows, and a line
            # continued by a final backslash
            for line in re.split(r'\r\n|\r|\n', text.rstrip('\n')):
                assert line.startswith('#') or SPARK_PROPERTY.match(line), \
                    line
                assert not re.search(r'(^|[^\\])(\\\\)*\\$', line), line
        elif path == '/etc/hosts':
            for line in text.splitlines():
                assert line.startswith('#') or len(line.split()) >= 2, line
    for shell in ('bash', 'sh'):
        problem = syntax_errors(shell, scripts)
        assert problem is None, problem


ROOTS = set(model.CLUSTER_PROPERTIES)


def validate_and_generate(plugin_name, props, tally):
    plugin = get_plugin(plugin_name)
    try:
        spec = cli.check_properties('cluster', props,
                                    cli.DEFAULT_MAX_RESOURCES)
    except exceptions.InvalidCluster as exc:
        for error in exc.errors:
            root = re.split(r'[.\[]', error.path)[0]
            assert root in ROOTS, ('error names no property', error)
        tally['refused'] += 1
        return
    tally['accepted'] += 1
    check_output(generate(plugin, spec))


@pytest.mark.parametrize('plugin_name', ['spark', 'vanilla'])
def test_refused_naming_a_property_or_generated_cleanly(plugin_name):
    tally = {'accepted': 0, 'refused': 0}

    @hypothesis.settings(max_examples=EXAMPLES, deadline=None,
                         derandomize=True, database=None,
                         phases=[hypothesis.Phase.explicit,
                                 hypothesis.Phase.generate],
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(definitions(plugin_name))
    def check(props):
        validate_and_generate(plugin_name, props, tally)

    check()
    assert tally['accepted'] + tally['refused'] >= EXAMPLES
    # the corpus reaches generation often, and validation refuses often
    assert tally['accepted'] >= EXAMPLES // 5, tally
    assert tally['refused'] >= EXAMPLES // 5, tally
    assert not os.path.exists(MARK)


# -- hostile values never execute: on a real sshd host ------------------------
def hostile_definition(plugin_name):
    """A valid definition carrying every hostile value validation lets
    through, in every place that takes free text."""
    plugin = get_plugin(plugin_name)
    catalog = plugin.get_config_catalog(plugin.get_default_version())
    configs = {}
    for section in catalog.sections:
        if section.other is None:
            continue
        values = {}
        rule = section.other.rules[-1]
        for i, value in enumerate(HOSTILE):
            if rule.kind.error(value) is None:
                key = ('SAVANNA_%d' % i if section.name in ('spark-env',
                                                            'Hadoop')
                       else 'spark.savanna.x%d' % i
                       if section.name == 'spark-defaults'
                       else 'savanna.x%d' % i)
                values[key] = value
        configs[section.name] = values
    # the daemons' user must exist on the host: the login user does
    if plugin_name == 'vanilla':
        configs['general'] = {'hadoop_user': 'savanna'}
    shape = TOPOLOGIES[plugin_name][2][0]
    return {'plugin_name': plugin_name, 'image': 'img', 'flavor': 'f',
            'management_network': 'net', 'name': 'hostile',
            'node_groups': [{'name': 'all', 'count': 1,
                             'node_processes': list(shape),
                             'volumes_per_node': 1}],
            'cluster_configs': configs}


@pytest.mark.parametrize('plugin_name', ['spark', 'vanilla'])
def test_hostile_values_never_execute_on_a_real_host(hosts, plugin_name):
    props = hostile_definition(plugin_name)
    spec = cli.check_properties('c', props)      # all of it is accepted
    carried = sum(len(v) for v in spec.cluster_configs.values())
    assert carried >= 20
    host = hosts.host('all-0')
    remote = hosts.remote(host, command_timeout=60)
    plugin = get_plugin(plugin_name)
    info = cluster_info(spec)
    node = info.nodes[0]
    info = base.ClusterInfo(info.name, info.plugin_name, info.plugin_version,
                            info.cluster_configs, (
                                base.NodeInfo(node.name, node.group,
                                              node.processes, host.address,
                                              host.address,
                                              volumes=node.volumes),))
    node = info.nodes[0]
    outcomes = []
    try:
        # everything after the image check (this host has no framework,
        # so most start commands fail: what matters is what they do)
        for step in plugin.create_steps(info)[1:] + \
                plugin.health_steps(info):
            try:
                if step.action is not None or step.work is not None:
                    driver.step_action(step)(remote, node)
                else:
                    judge_wait(step, lambda n: remote)
                outcomes.append((step.name, 'ok'))
            except Exception as exc:
                outcomes.append((step.name, type(exc).__name__))
        assert outcomes[0] == (plugin.create_steps(info)[1].name, 'ok'), \
            outcomes
        # the generated environment files, sourced the way the daemons do
        env = ('/etc/spark/conf/spark-env.sh' if plugin_name == 'spark'
               else '/etc/hadoop/conf/hadoop-env.sh')
        result = remote.run('set -e; . %s; env' % shlex.quote(env),
                            sudo=True)
        assert ('SAVANNA_0=$(touch %s)' % MARK) in result.stdout
    finally:
        remote.close()
    assert not os.path.exists(MARK), outcomes
