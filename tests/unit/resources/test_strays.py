"""resources.strays.sweep on a real OS::Savanna::NodeSet (Heat's harness,
the clouds' APIs as stand-ins): what test_node_set.py's sweeps through
the set's update and delete leave out - when nothing is looked for, how
volumes are looked for, and one failed delete not stopping the rest."""

import json
from unittest import mock

from heat.common import template_format
from heat.engine import stack as parser
from heat.engine import template as template_engine
from heat.tests import utils

from heat_savanna.core import template as template_mod
from heat_savanna.resources import strays
from tests.unit.resources import harness
from tests.unit.resources import test_node_set

CHILD = 'child-stack-id'


def marked(ident, node, owner):
    return mock.Mock(id=ident, metadata={template_mod.OWNER_KEY: owner,
                                         template_mod.NODE_KEY: node})


class SweepTest(harness.ClusterTestCase):

    def make_set(self, nodes, volumes=1, store=True):
        tmpl = template_format.parse(json.dumps(
            test_node_set.set_template(nodes, volumes=volumes)))
        if store:
            stack = utils.parse_stack(tmpl)
        else:
            stack = parser.Stack(utils.dummy_context(), 'unstored',
                                 template_engine.Template(tmpl))
        self.stack = stack
        rsrc = stack['workers-0']
        self.cloud = self.patchobject(rsrc, 'client').return_value
        self.cloud.servers.list.return_value = []
        self.cloud.volumes.list.return_value = []
        self.cloud.list_ports.return_value = {'ports': []}
        return rsrc

    def test_no_nodes_nothing_is_asked(self):
        rsrc = self.make_set(['workers-0'])
        self.assertEqual([], strays.sweep(rsrc, []))
        self.assertEqual([], self.cloud.method_calls)

    def test_a_set_without_an_owner_finds_nothing(self):
        rsrc = self.make_set(['workers-0'], store=False)
        self.assertIsNone(rsrc.stack.id)
        self.assertEqual([], strays.sweep(rsrc, ['workers-0']))
        self.assertEqual([], self.cloud.method_calls)

    def test_volumes_are_looked_for_by_the_sets_owner_mark(self):
        rsrc = self.make_set(['workers-0'], volumes=2)
        owner = rsrc.stack.id
        # the first volume Heat knows; the second's answer was lost
        self.tables.put(CHILD, 'workers-0-volume-0', 'CREATE', 'COMPLETE',
                        physical_id='vol-known')
        self.cloud.volumes.list.return_value = [
            marked('vol-known', 'workers-0', owner),
            marked('vol-lost', 'workers-0', owner)]
        self.assertEqual(['vol-lost'], strays.sweep(rsrc, ['workers-0']))
        self.cloud.volumes.list.assert_called_once_with(
            search_opts={'metadata': {template_mod.OWNER_KEY: owner}})
        self.cloud.volumes.delete.assert_called_once_with('vol-lost')

    def test_a_failed_delete_stops_none_of_the_others(self):
        rsrc = self.make_set(['workers-0', 'workers-1'])
        owner = rsrc.stack.id
        self.cloud.servers.list.return_value = [
            marked('srv-a', 'workers-0', owner),
            marked('srv-b', 'workers-1', owner)]
        self.cloud.volumes.list.return_value = [
            marked('vol-a', 'workers-0', owner)]
        self.cloud.servers.delete.side_effect = [Exception('409 busy'),
                                                 None]
        self.assertEqual(['srv-a', 'srv-b', 'vol-a'],
                         strays.sweep(rsrc, ['workers-0', 'workers-1']))
        self.assertEqual([mock.call('srv-a'), mock.call('srv-b')],
                         self.cloud.servers.delete.call_args_list)
        self.cloud.volumes.delete.assert_called_once_with('vol-a')

    def test_only_the_nodes_asked_about_are_swept(self):
        rsrc = self.make_set(['workers-0', 'workers-1'], volumes=0)
        owner = rsrc.stack.id
        self.cloud.servers.list.return_value = [
            marked('srv-a', 'workers-0', owner),
            marked('srv-b', 'workers-1', owner)]
        self.assertEqual(['srv-b'], strays.sweep(rsrc, ['workers-1']))
        self.cloud.servers.delete.assert_called_once_with('srv-b')
        self.assertEqual(['hc-workers-1-port'],
                         self.cloud.list_ports.call_args[1]['name'])
