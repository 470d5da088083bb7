"""OS::Savanna::Cluster refuses Heat's legacy engine, at validate.

Only the convergence engine (Heat's default) is supported: on the legacy
engine (``[DEFAULT] convergence_engine = false``, deprecated) one node's
failure also failed every other node, and the documented heal - ``stack
update --existing`` of the failed stack - is refused by Heat ("PATCH
update to non-COMPLETE stack is not supported"). So the resource must
say so at once, before anything is built, naming the option to set.
"""

import copy
import json

from oslo_config import cfg

from heat.common import exception
from heat.common import template_format
from heat.engine.clients.os import cinder
from heat.engine.clients.os import glance
from heat.engine.clients.os.neutron import neutron_constraints
from heat.engine.clients.os import nova
from heat.tests import common
from heat.tests import utils

from heat_savanna.resources import cluster

TEMPLATE = {
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
                {'name': 'worker', 'count': 2,
                 'node_processes': ['worker']}]}}}}


class EngineCheckTest(common.HeatTestCase):

    def setUp(self):
        super(EngineCheckTest, self).setUp()
        schema = cluster.SavannaCluster.attributes_schema
        saved = dict(schema)
        self.addCleanup(lambda: (schema.clear(), schema.update(saved)))
        for constraint in (glance.ImageConstraint, nova.FlavorConstraint,
                           neutron_constraints.NetworkConstraint,
                           nova.KeypairConstraint,
                           cinder.VolumeTypeConstraint):
            self.patchobject(constraint, 'validate', return_value=True)
        self.create = self.patchobject(cluster.SavannaCluster,
                                       'handle_create')
        # the generated servers, ports... would be validated against a
        # cloud: not what is tested here
        self.patchobject(cluster.SavannaCluster, 'validate_nested_stack')

    def engine(self, convergence):
        cfg.CONF.set_override('convergence_engine', convergence)
        self.addCleanup(cfg.CONF.clear_override, 'convergence_engine')

    def validate(self):
        stack = utils.parse_stack(template_format.parse(json.dumps(
            copy.deepcopy(TEMPLATE))))
        try:
            stack.validate()
        finally:
            rsrc = stack['cluster']
            # nothing was built, whatever the outcome
            self.assertEqual((rsrc.INIT, rsrc.COMPLETE), rsrc.state)
            self.assertEqual(0, self.create.call_count)

    def test_convergence_engine_validates(self):
        self.engine(True)
        self.validate()

    def test_legacy_engine_is_refused_at_validate(self):
        self.engine(False)
        error = self.assertRaises(exception.StackValidationFailed,
                                  self.validate)
        message = str(error)
        self.assertIn('convergence_engine', message)
        self.assertIn('cluster', message)
        self.assertNotIn('Traceback', message)
