"""Bad cluster definitions are refused at validate, naming the property.

Hypothesis generates invalid OS::Savanna::Cluster definitions (wrong types,
negative counts, unknown processes, duplicate group names, no master,
min_active above count, unknown anti-affinity processes, unknown config
sections) and runs each through Heat's own in-process validation of a
stack holding the resource (``parse_stack`` + ``stack.validate()``), the
code path heat-engine's validate_template and stack create take. Each must
raise StackValidationFailed whose message names the property path; nothing
else may escape, and nothing is created (no handle_create, no nested stack
parsed). The OpenStack name lookups (image, flavor, network, keypair,
volume type) are stubbed: they need a cloud and are not what is tested.
"""

import copy
import itertools
import json

import hypothesis
from hypothesis import strategies as st

from heat.common import exception
from heat.common import template_format
from heat.tests import common
from heat.tests import utils

from heat_savanna import cli
from heat_savanna.common import exceptions
from heat_savanna.resources import cluster
from tests.unit.resources import harness

PROCESSES = ('master', 'worker', 'historyserver')
SECTIONS = ('general', 'spark-defaults', 'spark-env')

VALID = {
    'heat_template_version': '2021-04-16',
    'resources': {'cluster': {
        'type': 'OS::Savanna::Cluster',
        'properties': {
            'plugin_name': 'spark', 'plugin_version': '4.3.0',
            'image': 'spark-4.3', 'flavor': 'm1.small',
            'management_network': 'private',
            'node_groups': [
                {'name': 'master', 'count': 1,
                 'node_processes': ['master']},
                {'name': 'worker', 'count': 3, 'min_active': '2',
                 'node_processes': ['worker']}],
            'cluster_configs': {'spark-defaults': {
                'spark.executor.memory': '512m'}}}}}}

GROUP = st.sampled_from([0, 1])
NAMES = st.from_regex(r'\A[a-z][a-z0-9-]{0,12}\Z')
JUNK = st.one_of(st.text(min_size=1, max_size=8).filter(
    lambda s: not s.strip().lstrip('-').isdigit()),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), min_size=1,
                    max_size=2))


# Each strategy returns (category, mutate(props), path the error names).
@st.composite
def wrong_type(draw):
    i = draw(GROUP)
    key, value = draw(st.one_of(
        st.tuples(st.just('count'), JUNK),
        st.tuples(st.just('volumes_per_node'), JUNK),
        st.tuples(st.just('node_processes'),
                  st.one_of(st.text(min_size=1, max_size=8),
                            st.dictionaries(st.text(max_size=3),
                                            st.integers(), min_size=1))),
        st.tuples(st.just('node_configs'),
                  st.one_of(st.text(min_size=1, max_size=8),
                            st.lists(st.integers(), min_size=1))),
        st.tuples(st.just('floating_ip'),
                  st.text(min_size=1, max_size=8).filter(
                      lambda s: s.lower() not in (
                          'true', 'false', 't', 'f', 'yes', 'no', 'y', 'n',
                          'on', 'off', '1', '0'))),
        st.tuples(st.just('min_active'),
                  st.text(min_size=1, max_size=8).filter(
                      lambda s: not s.strip().rstrip('%').isdigit()))))

    def mutate(props):
        props['node_groups'][i][key] = value
    return 'wrong type', mutate, 'node_groups[%d].%s' % (i, key)


@st.composite
def negative_count(draw):
    i = draw(GROUP)
    n = draw(st.integers(max_value=-1, min_value=-10 ** 6))

    def mutate(props):
        props['node_groups'][i]['count'] = n
    return 'negative count', mutate, 'node_groups[%d].count' % i


@st.composite
def unknown_process(draw):
    i = draw(GROUP)
    proc = draw(NAMES.filter(lambda p: p not in PROCESSES))

    def mutate(props):
        props['node_groups'][i]['node_processes'].append(proc)
    return 'unknown process', mutate, 'node_groups[%d].node_processes' % i


@st.composite
def duplicate_group(draw):
    name = draw(st.sampled_from(['master', 'worker']))
    procs = draw(st.lists(st.sampled_from(['worker', 'historyserver']),
                          min_size=1, max_size=2, unique=True))
    count = draw(st.integers(0, 5))

    def mutate(props):
        props['node_groups'].append({'name': name, 'count': count,
                                     'node_processes': procs})
    return 'duplicate group', mutate, 'node_groups[2].name'


@st.composite
def missing_master(draw):
    how = draw(st.sampled_from(['drop', 'zero', 'replace']))

    def mutate(props):
        if how == 'drop':
            del props['node_groups'][0]
        elif how == 'zero':
            props['node_groups'][0]['count'] = 0
        else:
            props['node_groups'][0]['node_processes'] = ['historyserver']
    return 'missing master', mutate, 'node_groups'


@st.composite
def min_active_above_count(draw):
    count = draw(st.integers(0, 50))
    above = draw(st.one_of(
        st.integers(count + 1, 10 ** 4).map(str),
        st.integers(101, 10 ** 4).map(lambda p: '%d%%' % p).filter(
            lambda _p: count > 0)))

    def mutate(props):
        props['node_groups'][1]['count'] = count
        props['node_groups'][1]['min_active'] = above
        if count == 0:       # the plugin also wants a worker somewhere
            props['node_groups'][0]['node_processes'] = ['master', 'worker']
    return 'min_active above count', mutate, 'node_groups[1].min_active'


@st.composite
def bad_anti_affinity(draw):
    proc = draw(st.one_of(NAMES.filter(lambda p: p not in PROCESSES),
                          st.just('historyserver')))   # run by no group

    def mutate(props):
        props['anti_affinity'] = ['worker', proc]
    return 'bad anti-affinity', mutate, 'anti_affinity[1]'


@st.composite
def unknown_section(draw):
    section = draw(NAMES.filter(lambda s: s not in SECTIONS))
    where = draw(st.sampled_from(['cluster', 0, 1]))

    def mutate(props):
        if where == 'cluster':
            props['cluster_configs'][section] = {'k': 'v'}
        else:
            props['node_groups'][where]['node_configs'] = {section: {}}
    path = ('cluster_configs.%s' % section if where == 'cluster'
            else 'node_groups[%d].node_configs.%s' % (where, section))
    return 'unknown config section', mutate, path


INVALID = st.one_of(wrong_type(), negative_count(), unknown_process(),
                    duplicate_group(), missing_master(),
                    min_active_above_count(), bad_anti_affinity(),
                    unknown_section())
EXAMPLES = 240
_NAMES = itertools.count()


class NoCloudTestCase(common.HeatTestCase):
    """The OpenStack name lookups stubbed (they need a cloud), and
    handle_create watched: validation must create nothing."""

    def setUp(self):
        super(NoCloudTestCase, self).setUp()
        # Glance's images, with the properties the test gives them
        self.images = {}
        harness.stub_cloud_lookups(self).side_effect = \
            lambda name: self.images[name]
        self.create = self.patchobject(cluster.SavannaCluster,
                                       'handle_create')


class BadInputTest(NoCloudTestCase):

    def setUp(self):
        super(BadInputTest, self).setUp()
        # Heat's Resource.__init__ adds the base attributes ('show') to
        # the class's attributes_schema in place: undo that for the tests
        # that inspect the schema.
        schema = cluster.SavannaCluster.attributes_schema
        saved = dict(schema)
        self.addCleanup(lambda: (schema.clear(), schema.update(saved)))
        self.nested = self.patchobject(cluster.SavannaCluster,
                                       'validate_nested_stack')

    def _validate(self, mutate):
        tpl = copy.deepcopy(VALID)
        mutate(tpl['resources']['cluster']['properties'])
        stack = utils.parse_stack(template_format.parse(json.dumps(tpl)),
                                  stack_name='bad-%d' % next(_NAMES))
        try:
            stack.validate()
        finally:
            rsrc = stack['cluster']
            self.assertEqual((rsrc.INIT, rsrc.COMPLETE), rsrc.state)
            self.assertIsNone(rsrc.resource_id)

    def test_valid_template_passes(self):
        # the baseline every mutation starts from is itself valid
        self._validate(lambda props: None)
        self.assertEqual(1, self.nested.call_count)

    def _validation_error(self, mutate):
        try:
            self._validate(mutate)
        except exception.StackValidationFailed as exc:
            return str(exc)
        self.fail('validation passed')

    def test_an_image_made_for_another_plugin_is_refused_before_boot(self):
        self.images['hadoop-3.4'] = {'savanna_plugin': 'vanilla',
                                     'savanna_version': '3.4'}
        error = self._validation_error(
            lambda props: props.update(image='hadoop-3.4'))
        self.assertIn("Property image: image 'hadoop-3.4' is made for "
                      "plugin vanilla, not spark (use an image made for "
                      "spark", error)
        self.create.assert_not_called()

    def test_an_image_of_another_version_or_transport_is_refused(self):
        self.images['spark-3.5'] = {'savanna_plugin': 'spark',
                                    'savanna_version': '3.5'}
        self.images['spark-4.3-agent'] = {'savanna_plugin': 'spark',
                                          'savanna_version': '4.3',
                                          'savanna_transport': 'heat-agent'}

        def worker_image(name):
            def mutate(props):
                props['node_groups'][1]['image'] = name
            return mutate
        self.assertIn("Property node_groups[1].image: image 'spark-3.5' is "
                      "made for spark 3.5, not 4.3.0",
                      self._validation_error(worker_image('spark-3.5')))
        self.assertIn("image 'spark-4.3-agent' is made for transport "
                      "heat-agent, not ssh (set transport: heat-agent",
                      self._validation_error(worker_image('spark-4.3-agent')))

    def test_images_without_properties_or_unreadable_pass(self):
        self.images['spark-4.3'] = {'savanna_plugin': 'spark',
                                    'savanna_version': '4.3'}
        self._validate(lambda props: None)
        self.images['spark-4.3'] = {}
        self._validate(lambda props: None)
        del self.images['spark-4.3']      # Glance cannot say: not judged
        self._validate(lambda props: None)

    def test_invalid_definitions_name_the_property(self):
        seen = []

        @hypothesis.settings(max_examples=EXAMPLES, deadline=None,
                             derandomize=True, database=None,
                             phases=[hypothesis.Phase.explicit,
                                     hypothesis.Phase.generate],
                             suppress_health_check=list(
                                 hypothesis.HealthCheck))
        @hypothesis.given(INVALID)
        def check(case):
            category, mutate, path = case
            seen.append(category)
            try:
                self._validate(mutate)
            except exception.StackValidationFailed as exc:
                message = str(exc)
            else:
                raise AssertionError('%s: accepted (%s)' % (category, path))
            assert path in message, (category, path, message)
            assert 'Traceback' not in message

        check()
        self.assertGreaterEqual(len(seen), 200)
        self.assertEqual(8, len(set(seen)), sorted(set(seen)))
        self.assertEqual(0, self.create.call_count)
        self.assertEqual(0, self.nested.call_count)


class WholeNumberTest(NoCloudTestCase):
    """Heat's INTEGER schema turns 2.5 into 2 and true into 1 silently;
    the cluster refuses them at validate, naming the property, and the
    CLI says the same."""

    def _refused(self, key, value):
        tpl = copy.deepcopy(VALID)
        tpl['resources']['cluster']['properties']['node_groups'][1][key] = \
            value
        stack = utils.parse_stack(template_format.parse(json.dumps(tpl)),
                                  stack_name='whole-%d' % next(_NAMES))
        err = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(0, self.create.call_count)
        cli_err = self.assertRaises(
            exceptions.InvalidCluster, cli.check_properties, 'cluster',
            tpl['resources']['cluster']['properties'])
        return str(err), '; '.join(str(e) for e in cli_err.errors)

    def test_a_fractional_count_is_refused(self):
        engine, offline = self._refused('count', 2.5)
        expected = ('node_groups[1].count: 2.5 is not a whole number '
                    '(write a whole number, e.g. 2)')
        self.assertIn('Property ' + expected, engine)
        self.assertEqual(expected, offline)

    def test_a_boolean_volume_size_is_refused(self):
        engine, offline = self._refused('volume_size', True)
        self.assertIn('node_groups[1].volume_size: true is not a whole '
                      'number', engine)
        self.assertIn('node_groups[1].volume_size: true is not a whole '
                      'number', offline)
