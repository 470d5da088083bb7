"""Every example template in contrib/templates passes Heat's validation
with its default parameters, as a stack create would validate it (the
cloud's images, flavors, networks and keypairs taken as existing)."""

import glob
import os

from heat.common import template_format
from heat.engine.clients.os import glance
from heat.engine.clients.os import nova
from heat.engine.clients.os.neutron import neutron_constraints
from heat.tests import common
from heat.tests import utils

from heat_savanna.resources import cluster

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
EXAMPLES = sorted(glob.glob(os.path.join(ROOT, 'contrib', 'templates',
                                         '*.yaml')))


class ExampleTemplatesTest(common.HeatTestCase):

    def setUp(self):
        super(ExampleTemplatesTest, self).setUp()
        for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                           nova.KeypairConstraint,
                           neutron_constraints.NetworkConstraint):
            self.patchobject(constraint, 'validate', return_value=True)
        self.patchobject(cluster.SavannaCluster, 'validate_nested_stack')

    def test_there_are_examples(self):
        names = {os.path.basename(p) for p in EXAMPLES}
        self.assertTrue({'spark-cluster.yaml', 'hadoop-cluster.yaml',
                         'spark-agent.yaml'} <= names, names)

    def test_every_example_validates_with_its_defaults(self):
        for path in EXAMPLES:
            with open(path) as f:
                parsed = template_format.parse(f.read())
            name = os.path.basename(path)[:-len('.yaml')]
            stack = utils.parse_stack(parsed, stack_name=name)
            try:
                stack.validate()
            except Exception as exc:
                self.fail('%s: %s' % (os.path.basename(path), exc))
