"""``heat-savanna validate`` and heat-engine give the same verdict.

One generated corpus of cluster definitions (the base examples of both
plugins, mutated with the inputs issue reports showed the two disagreeing
on, and random ones) goes through both paths:

* the CLI path: :func:`heat_savanna.cli.check_text` on the template text
  (Heat's parser, the resource's properties schema, the core rules);
* the engine path: Heat's own in-process validation of a stack holding the
  resource (``parse_stack`` + ``stack.validate()``), with the engine's
  ``max_resources_per_stack``.

Each example must be accepted by both or refused by both. The OpenStack
name lookups (image, flavor, network, keypair, volume type) are stubbed in
the engine and skipped by the CLI: they need a cloud.
"""

import collections
import copy
import itertools
import json

import hypothesis
from hypothesis import strategies as st
from oslo_config import cfg

from heat.common import exception
from heat.common import template_format
from heat.tests import common
from heat.tests import utils

from heat_savanna import cli
from heat_savanna.common import exceptions
from heat_savanna.resources import cluster
from tests.unit.resources import harness

SPARK = {
    'plugin_name': 'spark', 'plugin_version': '4.3.0',
    'image': 'spark-4.3', 'flavor': 'm1.small',
    'management_network': 'private',
    'node_groups': [
        {'name': 'master', 'count': 1, 'node_processes': ['master']},
        {'name': 'worker', 'count': 3, 'min_active': '2',
         'node_processes': ['worker']}],
    'cluster_configs': {'spark-defaults': {'spark.executor.memory': '512m'}},
}
VANILLA = {
    'plugin_name': 'vanilla', 'plugin_version': '3.4.1',
    'image': 'hadoop-3.4', 'flavor': 'm1.small',
    'management_network': 'private',
    'node_groups': [
        {'name': 'master', 'count': 1,
         'node_processes': ['namenode', 'resourcemanager']},
        {'name': 'worker', 'count': 3, 'min_active': '90%',
         'node_processes': ['datanode', 'nodemanager'],
         'volumes_per_node': 1}],
    'cluster_configs': {'HDFS': {'dfs.replication': 2}},
}

TEXT = st.text(max_size=12)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), TEXT,
                   st.sampled_from(['/opt/x', '7000', '99999', 'abc',
                                    'a\nb', 'x\x01', '$(touch /tmp/p)',
                                    '512m', 'file:///d', 'h:9000']))


def group_key(i):
    """(path, strategy of values) for a key of node group ``i``."""
    return st.sampled_from([
        ('min_active', st.sampled_from(['-5%', '90 %', '90%', '150%', '0',
                                        ' 9', '9', 'x', '', 9, -1])),
        ('name', st.sampled_from(['worker\n', 'Worker', 'MASTER', 'w' * 41,
                                  'w' * 40, 'a_b', '9w', 'new-group',
                                  'x-1-volume'])),
        ('count', st.sampled_from([0, 1, 2, 5, -1, 600, 10 ** 20, '3',
                                   'many', 2.5, True])),
        ('volumes_per_node', st.sampled_from([0, 1, 16, 17, -1, '2'])),
        ('volume_size', st.sampled_from([0, 1, -1, 10, '5'])),
        ('node_processes', st.sampled_from([[], ['worker'], ['datanode'],
                                            'worker', ['master', 'master'],
                                            ['historyserver']])),
        ('floating_ip', st.sampled_from([True, 'yes', 'maybe'])),
        ('node_configs', st.one_of(
            st.sampled_from([[1], 'x', {'general': {'master_port': 7000}},
                             {'HDFS': {'dfs.replication': 'x'}}]),
            st.dictionaries(st.sampled_from(['general', 'spark-env',
                                             'spark-defaults', 'HDFS',
                                             'Hadoop', 'bogus']),
                            st.dictionaries(st.sampled_from([
                                'conf_dir', 'worker_webui_port',
                                'SPARK_X', 'A-B', 'spark.x', 'dfs.x.dir',
                                'X=1; touch /tmp/p; Y', 'HADOOP_OPTS']),
                                SCALAR, max_size=2), max_size=2))),
        ('bogus', st.just(1)),
    ]).flatmap(lambda kv: kv[1].map(
        lambda v: ('node_groups.%d.%s' % (i, kv[0]), v)))


#: access_cidrs as templates may write them: good, world-open (refused
#: for vanilla's YARN port, accepted for spark), malformed
ACCESS_CIDRS = [
    {}, [], 'x', {'bogus': []}, {'web_ui': '10.0.0.0/8'},
    {'web_ui': ['203.0.113.0/24', '2001:db8::/32']},
    {'web_ui': ['0.0.0.0/0']}, {'web_ui': ['::/0']},
    {'web_ui': ['10.0.0/8']}, {'web_ui': ['10.0.0.1/8']},
    {'web_ui': [5]}, {'web_ui': [None]}, {'web_ui': ['']},
    {'web_ui': ['10.%d.0.0/16' % i for i in range(11)]},
    {'ssh': []}, {'ssh': None}, {'ssh': ['192.0.2.0/24']},
    {'ssh': ['2001:db8::1']}, {'ssh': ['192.0.2.0/24'], 'web_ui': []},
]

CLUSTER_KEY = st.sampled_from([
    ('name', st.sampled_from(['c', 'a' * 40, 'a' * 41, 'a' * 300, '1c',
                              'c\n', 'big-' + 'c' * 36])),
    ('ssh_user', st.sampled_from(['u', 'u' * 32, 'u' * 41, ''])),
    ('plugin_version', st.sampled_from([None, '1.0', '4.3.0', '3.4.1'])),
    ('anti_affinity', st.sampled_from([['worker'], ['datanode'], ['x'],
                                       'worker'])),
    ('anti_affinity_policy', st.sampled_from(['soft-anti-affinity',
                                              'affinity'])),
    ('cluster_configs', st.one_of(
        st.sampled_from([[1], 'x', {'general': None},
                         {'general': {'conf_dir': None}},
                         {'general': {'master_port': 7000}},
                         {'general': {'master_port': 99999}},
                         {'general': {'master_port': 'abc'}},
                         {'general': {'hadoop_home': '/opt/h; id'}},
                         {'Hadoop': {'X=1; touch /tmp/pwned; Y': 1}},
                         {'spark-defaults': {'spark.x': 'a\nspark.y b'}},
                         {'HDFS': {'dfs.x': 'a\x01b'}},
                         {'YARN': {'yarn.nodemanager.local-dirs': 5}}]),
        st.dictionaries(st.sampled_from(['general', 'spark-env', 'HDFS',
                                         'YARN', 'MapReduce', 'bogus']),
                        st.dictionaries(TEXT, SCALAR, max_size=2),
                        max_size=2))),
    ('removal_candidates', st.sampled_from([['worker-0'], ['x']])),
    ('access_cidrs', st.sampled_from(ACCESS_CIDRS)),
    ('bogus', st.just('x')),
]).flatmap(lambda kv: kv[1].map(lambda v: (kv[0], v)))


@st.composite
def definitions(draw):
    """(resource name, properties) of one example."""
    props = copy.deepcopy(draw(st.sampled_from([SPARK, VANILLA])))
    changes = draw(st.lists(st.one_of(CLUSTER_KEY, group_key(0),
                                      group_key(1)), max_size=3))
    for path, value in changes:
        parts = path.split('.')
        if parts[0] == 'node_groups':
            props['node_groups'][int(parts[1])][parts[2]] = value
        elif value is None:
            props.pop(path, None)
        else:
            props[path] = value
    name = draw(st.sampled_from(['cluster', 'cluster', 'my_cluster',
                                 'c' * 41]))
    return name, props


def template(name, props):
    return {'heat_template_version': '2021-04-16',
            'resources': {name: {'type': 'OS::Savanna::Cluster',
                                 'properties': props}}}


EXAMPLES = 500
_STACKS = itertools.count()


class OneValidationTest(common.HeatTestCase):

    def setUp(self):
        super(OneValidationTest, self).setUp()
        schema = cluster.SavannaCluster.attributes_schema
        saved = dict(schema)
        self.addCleanup(lambda: (schema.clear(), schema.update(saved)))
        harness.stub_cloud_lookups(self)
        self.create = self.patchobject(cluster.SavannaCluster,
                                       'handle_create')
        self.nested = self.patchobject(cluster.SavannaCluster,
                                       'validate_nested_stack')

    def engine_verdict(self, name, props):
        """None when heat-engine's validation accepts, else its message."""
        text = json.dumps(template(name, props))
        try:
            tpl = template_format.parse(text)
            stack = utils.parse_stack(tpl, stack_name='one-%d'
                                      % next(_STACKS))
            stack.validate()
        except exception.StackValidationFailed as exc:
            return str(exc)
        return None

    def cli_verdict(self, name, props):
        text = json.dumps(template(name, props))
        specs, messages = cli.check_text(
            text, {}, cfg.CONF.max_resources_per_stack)
        return '; '.join(messages) if messages else None

    def test_same_verdict_for_every_example(self):
        tally = collections.Counter()
        differences = []

        @hypothesis.settings(max_examples=EXAMPLES, deadline=None,
                             derandomize=True, database=None,
                             phases=[hypothesis.Phase.explicit,
                                     hypothesis.Phase.generate],
                             suppress_health_check=list(
                                 hypothesis.HealthCheck))
        @hypothesis.given(definitions())
        def check(example):
            name, props = example
            engine = self.engine_verdict(name, props)
            offline = self.cli_verdict(name, props)
            tally['refused' if engine else 'accepted'] += 1
            if (engine is None) != (offline is None):
                differences.append((name, props, engine, offline))

        check()
        assert not differences, differences[:5]
        # the corpus exercises both verdicts
        assert tally['accepted'] >= 30 and tally['refused'] >= 100, tally
        self.assertEqual(0, self.create.call_count)

    def test_the_reported_disagreements_are_refused_by_both(self):
        cases = [
            ('node_groups.1.min_active', '-5%'),
            ('node_groups.1.min_active', '90 %'),
            ('node_groups.1.name', 'worker\n'),
            ('name', 'c' * 300),
            ('node_groups.1.volumes_per_node', 17),
            ('node_groups.1.volume_size', 0),
            ('ssh_user', 'u' * 41),
            ('node_groups.1.count', 600),
            ('node_groups.1.count', 10 ** 20),
            ('cluster_configs', {'general': {'master_port': 99999}}),
            ('cluster_configs', {'Hadoop': {'X=1; touch /tmp/pwned; Y':
                                            1}}),
        ]
        for path, value in cases:
            props = copy.deepcopy(VANILLA if 'Hadoop' in str(value)
                                  else SPARK)
            parts = path.split('.')
            if parts[0] == 'node_groups':
                props['node_groups'][int(parts[1])][parts[2]] = value
            else:
                props[path] = value
            engine = self.engine_verdict('cluster', props)
            offline = self.cli_verdict('cluster', props)
            self.assertIsNotNone(engine, path)
            self.assertIsNotNone(offline, path)

    def test_access_cidrs_get_the_same_verdict(self):
        refused = [
            (VANILLA, {'web_ui': ['0.0.0.0/0']}),
            (VANILLA, {'web_ui': ['203.0.113.0/24', '::/0']}),
            (SPARK, {'web_ui': ['10.0.0/8']}),
            (SPARK, {'web_ui': ['10.0.0.1/8']}),
            (SPARK, {'ssh': []}),
            (SPARK, {'bogus': ['10.0.0.0/8']}),
            (SPARK, {'web_ui': ['10.%d.0.0/16' % i for i in range(11)]}),
        ]
        accepted = [
            (VANILLA, {'web_ui': ['203.0.113.0/24', '2001:db8::/32']}),
            (SPARK, {'web_ui': ['0.0.0.0/0']}),
            (SPARK, {'ssh': ['192.0.2.0/24']}),
            (SPARK, {}),
        ]
        for base, access in refused + accepted:
            props = dict(copy.deepcopy(base), access_cidrs=access)
            engine = self.engine_verdict('cluster', props)
            offline = self.cli_verdict('cluster', props)
            self.assertEqual((base, access) in refused, engine is not None,
                             (access, engine))
            self.assertEqual(engine is None, offline is None,
                             (access, engine, offline))
        props = dict(copy.deepcopy(VANILLA),
                     access_cidrs={'web_ui': ['0.0.0.0/0']})
        self.assertIn('access_cidrs.web_ui[0]: 0.0.0.0/0 opens the web UIs '
                      'to the whole internet, and port 8088',
                      self.cli_verdict('cluster', props))
        self.assertIn('access_cidrs.web_ui[0]: 0.0.0.0/0 opens the web UIs '
                      'to the whole internet, and port 8088',
                      self.engine_verdict('cluster', props))

    def test_plugin_version_may_be_left_out(self):
        props = copy.deepcopy(SPARK)
        del props['plugin_version']
        self.assertIsNone(self.engine_verdict('cluster', props))
        specs, messages = cli.check_text(json.dumps(template('cluster',
                                                             props)), {})
        self.assertEqual([], messages)
        self.assertEqual('4.3.0', specs[0][1].plugin_version)

    def test_cli_needs_no_plugin_version_either(self):
        with self.assertRaises(exceptions.InvalidCluster):
            cli.check_properties('c', {'plugin_name': 'spark'})
