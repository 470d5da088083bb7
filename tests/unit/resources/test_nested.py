"""resources.nested against Heat's own stack and resource tables (the
in-process harness's database): one row per resource name, the
replacement over the row it replaces, and a Wait that follows the one
settle rule of core.build.judge_stack."""

from heat.objects import resource as resource_objects
from heat.objects import stack as stack_object
from heat.tests import common
from heat.tests import utils

from heat_savanna.core import build
from heat_savanna.resources import nested

EMPTY = {'heat_template_version': '2021-04-16'}


class TablesTestCase(common.HeatTestCase):
    """A stored root stack, and rows written the way Heat writes them."""

    def setUp(self):
        super(TablesTestCase, self).setUp()
        self.ctx = utils.dummy_context()
        self.root = self.stored_stack()

    def stored_stack(self, owner=None):
        stack = utils.parse_stack(EMPTY)
        if owner is not None:
            stack.owner_id = owner.id
            stack.store()
        return stack

    def stack_state(self, stack, action, status, reason=''):
        """The stack's row as an engine leaves it (the in-process legacy
        path defers storing a CREATE's end to the lock's release)."""
        stack_object.Stack.update_by_id(self.ctx, stack.id, {
            'action': action, 'status': status, 'status_reason': reason})

    def row(self, stack, name, action='CREATE', status='COMPLETE',
            reason='', root=None, **values):
        values.update(stack_id=stack.id, name=name, action=action,
                      status=status, status_reason=reason,
                      root_stack_id=(self.root if root is None else root).id)
        return resource_objects.Resource.create(self.ctx, values)


class NestedTablesTest(TablesTestCase):

    # -- stack_status ----------------------------------------------------
    def test_a_stack_with_no_reason_has_an_empty_one(self):
        self.stack_state(self.root, 'CREATE', 'COMPLETE', None)
        self.assertEqual(nested.StackStatus('CREATE', 'COMPLETE', ''),
                         nested.stack_status(self.ctx, self.root.id))

    def test_a_stack_not_stored_has_no_status(self):
        self.assertIsNone(nested.stack_status(self.ctx, None))
        self.assertIsNone(nested.stack_status(
            self.ctx, '5c7d1ba5-0000-4000-8000-000000000000'))

    def test_the_status_is_the_stacks_row(self):
        self.stack_state(self.root, 'UPDATE', 'FAILED',
                         'Resource UPDATE failed')
        self.assertEqual(
            nested.StackStatus('UPDATE', 'FAILED', 'Resource UPDATE failed'),
            nested.stack_status(self.ctx, self.root.id))

    # -- rows ------------------------------------------------------------
    def test_rows_are_by_name_with_the_replacement_not_the_old_row(self):
        old = self.row(self.root, 'worker-0', 'UPDATE', 'FAILED', 'gone')
        new = self.row(self.root, 'worker-0', 'INIT', 'COMPLETE')
        old.update_and_save({'replaced_by': new.id})
        self.row(self.root, 'master-0', reason=None)
        self.assertEqual([build.Row('master-0', 'CREATE', 'COMPLETE', ''),
                          build.Row('worker-0', 'INIT', 'COMPLETE', '')],
                         nested.rows(self.ctx, self.root.id))

    def test_a_row_deleted_is_no_row_of_the_stack(self):
        self.row(self.root, 'worker-0', 'DELETE', 'COMPLETE')
        self.row(self.root, 'worker-1')
        self.assertEqual(['worker-1'], [r.name for r in nested.rows(
            self.ctx, self.root.id)])
        self.assertEqual([], nested.rows(self.ctx, None))

    def test_current_takes_the_newest_when_none_is_replaced(self):
        # convergence can leave two rows of one name, neither replaced
        self.row(self.root, 'worker-0', 'CREATE', 'FAILED', 'first')
        self.row(self.root, 'worker-0', 'CREATE', 'COMPLETE')
        rows = resource_objects.Resource.get_all_active_by_stack(
            self.ctx, self.root.id)
        current = nested.current(rows.values())
        self.assertEqual(['worker-0'], list(current))
        self.assertEqual('COMPLETE', current['worker-0'].status)

    def test_rows_with_metadata_give_each_rows_metadata_and_id(self):
        self.row(self.root, 'worker-0', physical_resource_id='set-stack-0',
                 rsrc_metadata={'nodes': {'worker-0': {'state': 'BUILT'}}})
        self.row(self.root, 'management-keypair', 'CREATE', 'FAILED',
                 'quota')
        found = nested.rows_with_metadata(self.ctx, self.root.id)
        self.assertEqual(
            (build.Row('worker-0', 'CREATE', 'COMPLETE', ''),
             {'nodes': {'worker-0': {'state': 'BUILT'}}}, 'set-stack-0'),
            found['worker-0'])
        self.assertEqual(
            (build.Row('management-keypair', 'CREATE', 'FAILED', 'quota'),
             {}, None), found['management-keypair'])
        self.assertEqual({}, nested.rows_with_metadata(self.ctx, None))

    def test_rows_in_reads_only_the_named_rows_of_the_given_stacks(self):
        set_a = self.stored_stack(owner=self.root)
        set_b = self.stored_stack(owner=self.root)
        other = self.stored_stack(owner=self.root)
        self.row(set_a, 'worker-0')
        self.row(set_a, 'worker-0-port')
        self.row(set_b, 'worker-1', 'CREATE', 'IN_PROGRESS')
        self.row(other, 'worker-2')
        found = nested.rows_in(self.ctx, self.root.id, [set_a.id, set_b.id],
                               ['worker-0', 'worker-1', 'worker-2'])
        self.assertEqual(
            [build.Row('worker-0', 'CREATE', 'COMPLETE', ''),
             build.Row('worker-1', 'CREATE', 'IN_PROGRESS', '')],
            sorted(found, key=lambda r: r.name))
        self.assertEqual([], nested.rows_in(self.ctx, self.root.id, [],
                                            ['worker-0']))
        self.assertEqual([], nested.rows_in(self.ctx, self.root.id,
                                            [set_a.id], []))

    def test_physical_ids_span_every_stack_under_the_root_and_old_rows(
            self):
        set_a = self.stored_stack(owner=self.root)
        replacement = self.stored_stack(owner=self.root)
        old = self.row(set_a, 'worker-0', physical_resource_id='srv-old')
        new = self.row(set_a, 'worker-0', physical_resource_id='srv-new')
        old.update_and_save({'replaced_by': new.id})
        self.row(replacement, 'worker-0', physical_resource_id='srv-repl')
        self.row(replacement, 'worker-0-port', physical_resource_id='port')
        self.row(set_a, 'worker-1')            # no server id yet
        # another cluster's rows are under another root
        elsewhere = self.stored_stack()
        self.row(elsewhere, 'worker-0', physical_resource_id='theirs',
                 root=elsewhere)
        self.assertEqual({'srv-old', 'srv-new', 'srv-repl'},
                         nested.physical_ids(self.ctx, self.root.id,
                                             ['worker-0', 'worker-1']))
        self.assertEqual(set(), nested.physical_ids(self.ctx, None,
                                                    ['worker-0']))


class WaitTest(TablesTestCase):

    def test_an_earlier_actions_end_is_not_this_ones(self):
        wait = nested.Wait(self.root.id, 'UPDATE')
        self.stack_state(self.root, 'CREATE', 'COMPLETE', 'done')
        self.assertEqual(build.WAIT, wait.look(self.ctx))
        self.stack_state(self.root, 'UPDATE', 'IN_PROGRESS', 'going')
        self.assertEqual(build.WAIT, wait.look(self.ctx))
        self.stack_state(self.root, 'UPDATE', 'COMPLETE', 'done')
        self.assertEqual(build.DONE, wait.look(self.ctx))
        self.assertEqual(nested.StackStatus('UPDATE', 'COMPLETE', 'done'),
                         wait.status)
        # rows are read only for a failed stack
        self.assertIsNone(wait.rows)

    def test_a_stack_not_stored_yet_is_waited_for(self):
        wait = nested.Wait(None, 'CREATE')
        self.assertEqual(build.WAIT, wait.look(self.ctx))
        self.assertIsNone(wait.status)

    def test_a_failed_stack_is_judged_once_its_rows_are_quiet(self):
        wait = nested.Wait(self.root.id, 'CREATE')
        self.stack_state(self.root, 'CREATE', 'FAILED',
                         'worker-0: port failed')
        self.row(self.root, 'worker-0-port', 'CREATE', 'FAILED', '409')
        busy = self.row(self.root, 'worker-1', 'CREATE', 'IN_PROGRESS')
        # another set still building: no count of quiet looks yet
        for _ in range(3):
            self.assertEqual(build.WAIT, wait.look(self.ctx))
            self.assertEqual(0, wait.settled)
        self.assertIn(build.Row('worker-1', 'CREATE', 'IN_PROGRESS', ''),
                      wait.rows)
        busy.update_and_save({'status': 'COMPLETE'})
        verdicts = [wait.look(self.ctx)
                    for _ in range(build.SETTLE_POLLS)]
        self.assertEqual([build.WAIT] * (build.SETTLE_POLLS - 1) +
                         [build.STACK_FAILED], verdicts)
        # the rows of the look that judged it stay for the caller
        self.assertEqual([build.Row('worker-0-port', 'CREATE', 'FAILED',
                                    '409'),
                          build.Row('worker-1', 'CREATE', 'COMPLETE', '')],
                         wait.rows)
        self.assertEqual(0, wait.settled)

    def test_after_a_timeout_a_row_in_progress_is_not_waited_for(self):
        wait = nested.Wait(self.root.id, 'UPDATE')
        self.stack_state(self.root, 'UPDATE', 'FAILED', 'Timed out')
        self.row(self.root, 'worker-1', 'UPDATE', 'IN_PROGRESS')
        verdicts = [wait.look(self.ctx) for _ in range(build.SETTLE_POLLS)]
        self.assertEqual(build.STACK_FAILED, verdicts[-1])
