"""Bootstrap scripts in OS::Savanna::Cluster's actions, on Heat's harness:
the step runs first on the nodes an action builds (every node at create,
the new ones at a heal or scale-up), and an update changing the scripts
says they apply to new nodes only. What the step does on a node is
core/bootstrap.py's (tests/unit/core/test_bootstrap.py runs it); a
failing script on the sandbox is the fault matrix's ``bootstrap-fails``.
"""

from heat_savanna.resources import phases
from tests.unit.resources import harness
from tests.unit.resources import test_operation

SCRIPTS = [{'name': 'motd', 'script': 'echo hello > /etc/motd'}]


class FinishedRun(object):
    """A run whose steps all succeeded at once."""
    done, failures, aborted = True, {}, None

    def advance(self):
        return True

    def progress(self):
        return 'done'

    def close(self):
        return {}


class BootstrapTest(test_operation.ActiveClusterTestCase):

    def setUp(self):
        super(BootstrapTest, self).setUp()
        self.runs = []

        def open_run(ctx, steps, stop_early, running=False):
            self.runs.append([(s.name, tuple(n.name for n in s.nodes))
                              for s in steps])
            return FinishedRun()
        self.patchobject(phases.transport, 'open_run', side_effect=open_run)

    def test_scripts_run_first_on_the_nodes_being_built(self):
        tmpl = harness.template(2, bootstrap=SCRIPTS)
        _stack, rsrc = self.make_cluster(tmpl)
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'worker-1'])
        self.drive(rsrc, cookie)
        first = self.runs[0]
        self.assertEqual(('bootstrap', ('master-0', 'worker-0', 'worker-1')),
                         first[0])
        self.assertEqual('create one', first[1][0])
        # a scale-up: only the new node runs them
        self.runs[:] = []
        cookie = self.update(rsrc, harness.template(3, bootstrap=SCRIPTS))
        self.all_built(['worker-2'], action='UPDATE')
        self.drive(rsrc, cookie)
        self.assertEqual(('bootstrap', ('worker-2',)), self.runs[0][0])

    def test_a_change_applies_to_new_nodes_and_says_so(self):
        _stack, rsrc = self.make_cluster(harness.template(2))
        cookie = rsrc.handle_create()
        self.all_built(['master-0', 'worker-0', 'worker-1'])
        self.drive(rsrc, cookie)
        self.assertNotIn('bootstrap', [s for s, _n in self.runs[0]])
        events = []
        self.patchobject(rsrc, 'report_event',
                         side_effect=lambda r, s=None: events.append(r))
        self.runs[:] = []
        cookie = self.update(rsrc, harness.template(2, bootstrap=SCRIPTS))
        self.tables.set_status(harness.NESTED_ID, 'UPDATE', 'COMPLETE')
        self.drive(rsrc, cookie)
        self.assertIn('bootstrap scripts changed (cluster): they run on the '
                      'nodes built from now on (a heal, a scale-up), not on '
                      'the 3 running nodes', events)
        self.assertEqual([], [r for r in self.runs
                              if r and r[0][0] == 'bootstrap'])
