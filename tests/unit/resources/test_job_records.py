"""The execution records of a job in Heat's resource data
(heat_savanna.resources.job_records), on Heat's in-process harness."""

from heat.tests import common
from heat.tests import utils

from heat_savanna.provisioning import jobs
from heat_savanna.resources import job_records


def record(execution_id, status=jobs.RUNNING):
    return dict(jobs.new_record(execution_id, 'signal', ['a'], {'K': 1},
                                '/w/job/' + execution_id, 60,
                                '2026-12-01T10:00:00Z'), status=status)


class RecordsTest(common.HeatTestCase):

    def setUp(self):
        super(RecordsTest, self).setUp()
        self.stack = utils.parse_stack({
            'heat_template_version': '2021-04-16',
            'resources': {'job': {'type': 'OS::Heat::None'}}})
        self.stack.create()
        self.rsrc = self.stack['job']
        self.records = job_records.Records(self.rsrc)

    def test_a_resource_not_stored_has_no_records(self):
        stack = utils.parse_stack({
            'heat_template_version': '2021-04-16',
            'resources': {'job': {'type': 'OS::Heat::None'}}})
        records = job_records.Records(stack['job'])
        self.assertEqual([], records.all())
        self.assertIsNone(records.awaited_id())
        self.assertIsNone(records.get('1'))

    def test_records_are_read_back_oldest_first(self):
        for execution_id in ('20261201T2', '20261201T1', '20261201T3'):
            self.records.save(record(execution_id))
        self.rsrc.data_set(job_records.RECORD_PREFIX + 'bad', 'not json')
        self.rsrc.data_set('other', 'x')
        self.assertEqual(['20261201T1', '20261201T2', '20261201T3'],
                         [r['id'] for r in self.records.all()])
        self.assertEqual(record('20261201T2'),
                         self.records.get('20261201T2'))
        self.assertIsNone(self.records.get(None))

    def test_a_finished_record_never_runs_again(self):
        done = self.records.save(record('1', jobs.SUCCEEDED))
        # a slower concurrent look saw it still running
        self.assertEqual(done, self.records.save(record('1')))
        self.assertEqual(jobs.SUCCEEDED, self.records.get('1')['status'])
        failed = dict(done, status=jobs.FAILED)
        self.assertEqual(failed, self.records.save(failed))
        self.assertEqual(jobs.FAILED, self.records.get('1')['status'])

    def test_the_awaited_execution(self):
        self.assertIsNone(self.records.awaited())
        self.records.save(record('1'))
        self.records.set_awaited('1')
        self.assertEqual('1', self.records.awaited_id())
        self.assertEqual(record('1'), self.records.awaited())

    def test_prune_keeps_room_for_one_more_and_every_open_record(self):
        self.patchobject(job_records, 'HISTORY_LIMIT', new=3)
        self.records.save(record('1', jobs.SUCCEEDED))
        self.records.save(record('2'))
        self.records.save(record('3', jobs.FAILED))
        self.records.prune()
        self.assertEqual(['2', '3'], [r['id'] for r in self.records.all()])
        self.records.prune()          # room for one more already
        self.assertEqual(['2', '3'], [r['id'] for r in self.records.all()])
        self.records.save(record('4'))
        self.records.prune()
        self.assertEqual(['2', '4'], [r['id'] for r in self.records.all()])
        self.records.save(record('5'))
        self.records.prune()          # nothing finished: nothing goes
        self.assertEqual(['2', '4', '5'],
                         [r['id'] for r in self.records.all()])
