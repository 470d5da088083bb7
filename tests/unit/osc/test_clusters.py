"""heat_savanna.osc.clusters: locating, reading and signalling clusters.

The pure functions (rows, fields, signal data, exit codes) are tested
alone; the calls through Heat's API against tests/unit/osc/fakeheat.py
(heat-api itself runs only in the functional tier, tests/functional/
test_osc.py).
"""

import pytest

from heatclient import exc as heat_exc
from heatclient.v1 import resources as hc_resources

from heat_savanna.osc import clusters
from tests.unit.osc import fakeheat


@pytest.fixture
def heat():
    fake = fakeheat.FakeHeat()
    fake.add_stack('spark')
    fake.add_resource('spark', 'cluster', reason='ACTIVE: 2/2 nodes active',
                      attributes=fakeheat.spark_attributes())
    fake.add_resource('spark', 'net', rtype='OS::Neutron::Net')
    return fake


def partial_cluster():
    attrs = fakeheat.spark_attributes('PARTIALLY_ACTIVE', workers=2,
                                      failed=(1,))
    res = hc_resources.Resource(None, {
        'resource_name': 'cluster', 'resource_type': clusters.TYPE,
        'resource_status': 'UPDATE_COMPLETE',
        'resource_status_reason': attrs['info']['summary'],
        'links': [{'rel': 'stack',
                   'href': 'http://h/v1/p/stacks/big/1234-abcd'}],
        'attributes': attrs})
    return clusters.from_resource(res)


# -- pure functions ---------------------------------------------------------
def test_stack_of_reads_the_stack_link():
    res = hc_resources.Resource(None, {'links': [
        {'rel': 'self', 'href': 'http://h/v1/p/stacks/s/42/resources/c'},
        {'rel': 'stack', 'href': 'http://h/v1/p/stacks/my-stack/42'}]})
    assert clusters.stack_of(res) == ('my-stack', '42')
    assert clusters.stack_of(hc_resources.Resource(None, {}),
                             ('given', '')) == ('given', '')


def test_from_resource_takes_every_field_from_the_attributes():
    cluster = partial_cluster()
    assert (cluster.stack, cluster.stack_id, cluster.resource) == \
        ('big', '1234-abcd', 'cluster')
    assert cluster.status == 'PARTIALLY_ACTIVE'
    assert cluster.summary.startswith('PARTIALLY_ACTIVE: worker 1/2')
    assert (cluster.plugin, cluster.version) == ('spark', '4.3.0')
    assert (cluster.active_count, cluster.desired_count) == (2, 3)
    assert cluster.master_address == '10.0.0.3'
    assert cluster.endpoints['spark-master'] == 'spark://10.0.0.3:7077'
    assert [f['name'] for f in cluster.failed_nodes] == ['worker-1']
    assert cluster.groups['worker']['failed'] == 1
    assert not cluster.in_progress and not cluster.failed
    assert cluster.exit_code == 1


def test_from_resource_falls_back_to_the_metadata():
    # attributes that could not be resolved come back as None
    res = hc_resources.Resource(None, {
        'resource_name': 'c', 'resource_status': 'CREATE_FAILED',
        'resource_status_reason': 'Error: boom',
        'attributes': {'status': None, 'nodes': None, 'info': None}})
    meta = {'status': 'FAILED', 'summary': 'FAILED: master lost',
            'active_count': 0, 'desired_count': 3,
            'failed_nodes': [{'name': 'master-0', 'group': 'master',
                              'phase': 'boot', 'reason': 'quota'}],
            'groups': {'master': {'active': 0}}}
    cluster = clusters.from_resource(res, 'st', meta)
    assert cluster.stack == 'st'
    assert cluster.status == 'FAILED' and cluster.failed
    assert cluster.summary == 'FAILED: master lost'
    assert (cluster.active_count, cluster.desired_count) == (0, 3)
    assert cluster.failed_nodes[0]['phase'] == 'boot'
    assert cluster.nodes == [] and cluster.groups == {'master':
                                                      {'active': 0}}
    assert cluster.exit_code == 2


def test_nothing_known_is_unknown_and_exit_2():
    res = hc_resources.Resource(None, {
        'resource_name': 'c', 'resource_status': 'CREATE_IN_PROGRESS',
        'resource_status_reason': 'booting: 1/4 servers up'})
    cluster = clusters.from_resource(res, 'st')
    assert cluster.status == clusters.UNKNOWN and cluster.in_progress
    assert cluster.summary == 'booting: 1/4 servers up'
    assert clusters.list_row(cluster)[4:6] == ('', '')
    assert cluster.exit_code == 2


@pytest.mark.parametrize('status,code', [
    ('ACTIVE', 0), ('PARTIALLY_ACTIVE', 1), ('FAILED', 2), ('BUILDING', 2),
    ('UNKNOWN', 2)])
def test_exit_codes(status, code):
    cluster = partial_cluster()
    cluster = clusters.Cluster(**dict(cluster.__dict__, status=status))
    assert cluster.exit_code == code


def test_list_row():
    cluster = partial_cluster()
    assert clusters.list_row(cluster) == (
        'big', 'cluster', 'UPDATE_COMPLETE', 'PARTIALLY_ACTIVE', 2, 3,
        'spark', '4.3.0')
    long = clusters.list_row(cluster, long=True)
    assert len(long) == len(clusters.LIST_LONG_COLUMNS)
    assert long[-2:] == (cluster.summary, '1234-abcd')


def test_node_rows_take_the_phase_of_a_failed_node():
    rows = clusters.node_rows(partial_cluster())
    assert rows[0] == ('master-0', 'master', ['master'], '10.0.0.3',
                       'ACTIVE', '', '')
    assert rows[2] == ('worker-1', 'worker', ['worker'], '', 'FAILED',
                       'boot', 'No valid host')
    long = clusters.node_rows(partial_cluster(), long=True)
    assert [len(r) for r in long] == [len(clusters.NODE_LONG_COLUMNS)] * 3
    assert long[1][-1] == '10.0.0.10'


def test_node_rows_prefer_the_node_s_own_phase():
    cluster = partial_cluster()
    cluster.nodes[0]['phase'] = 'configure'
    assert clusters.node_rows(cluster)[0][5] == 'configure'


def test_show_fields():
    names, values = clusters.show_fields(partial_cluster())
    shown = dict(zip(names, values))
    assert names[:3] == ('stack', 'stack_id', 'resource')
    assert shown['status'] == 'PARTIALLY_ACTIVE'
    assert shown['master_address'] == '10.0.0.3'
    assert shown['failed_nodes'][0]['reason'] == 'No valid host'
    assert set(shown['groups']) == {'master', 'worker'}


@pytest.mark.parametrize('args,data', [
    (('heal',), {'action': 'heal'}),
    (('check',), {'action': 'check'}),
    (('resize', 'worker', 5, None),
     {'action': 'resize', 'group': 'worker', 'count': 5}),
    (('resize', 'worker', 0, None),
     {'action': 'resize', 'group': 'worker', 'count': 0}),
    (('resize', 'worker', None, -2),
     {'action': 'resize', 'group': 'worker', 'adjustment': -2}),
    (('resize', 'worker', None, 3),
     {'action': 'resize', 'group': 'worker', 'adjustment': 3}),
])
def test_signal_data_contract(args, data):
    assert clusters.signal_data(*args) == data


@pytest.mark.parametrize('args,message', [
    (('grow',), 'unknown action'),
    (('heal', 'worker'), 'heal takes no group'),
    (('resize', None, 3, None), 'needs the node group'),
    (('resize', 'worker', None, None), 'exactly one of'),
    (('resize', 'worker', 3, 1), 'exactly one of'),
    (('resize', 'worker', -1, None), 'whole number >= 0'),
    (('resize', 'worker', True, None), 'whole number >= 0'),
    (('resize', 'worker', None, 0), 'non-zero'),
])
def test_signal_data_refuses_bad_input(args, message):
    with pytest.raises(clusters.ClusterError, match=message):
        clusters.signal_data(*args)


# -- through the (fake) API -------------------------------------------------
def test_locate_the_only_cluster_with_one_filtered_list(heat):
    res = clusters.locate(heat, 'spark')
    assert res.resource_name == 'cluster'
    assert heat.calls[0] == ('resources.list', 'spark',
                             {'type': clusters.TYPE}, False)


def test_locate_names_the_candidates(heat):
    heat.add_resource('spark', 'other',
                      attributes=fakeheat.spark_attributes())
    with pytest.raises(clusters.ClusterError) as info:
        clusters.locate(heat, 'spark')
    assert str(info.value) == (
        'stack spark has 2 OS::Savanna::Cluster resources (cluster, '
        'other): name one with --resource')
    assert clusters.locate(heat, 'spark', 'other').resource_name == 'other'


def test_locate_errors(heat):
    heat.add_stack('empty')
    heat.add_resource('empty', 'box', rtype='OS::Nova::Server')
    with pytest.raises(clusters.ClusterError,
                       match='^stack empty has no OS::Savanna::Cluster '
                       'resource$'):
        clusters.locate(heat, 'empty')
    with pytest.raises(clusters.ClusterError,
                       match='^resource box in stack empty is a '
                       'OS::Nova::Server, not an OS::Savanna::Cluster$'):
        clusters.locate(heat, 'empty', 'box')
    with pytest.raises(clusters.ClusterError,
                       match='^stack nope not found$'):
        clusters.locate(heat, 'nope')
    with pytest.raises(clusters.ClusterError,
                       match=r'^no resource gone in stack spark \(The '
                       r'Resource \(gone\) could not be found.\)$'):
        clusters.locate(heat, 'spark', 'gone')


def test_type_filter_is_exact(heat):
    # Heat's type filter is a substring match
    heat.add_resource('spark', 'job', rtype='OS::Savanna::ClusterJob')
    assert [r.resource_name
            for r in clusters.cluster_resources(heat, 'spark')] == \
        ['cluster']


def test_read_uses_the_attributes_without_metadata(heat):
    cluster = clusters.read(heat, 'spark')
    assert cluster.status == 'ACTIVE' and cluster.stack == 'spark'
    assert not [c for c in heat.calls if c[0] == 'resources.metadata']


def test_read_falls_back_to_the_metadata(heat):
    heat.add_resource('spark', 'early', attributes={'status': None},
                      metadata={'status': 'PARTIALLY_ACTIVE',
                                'summary': 'from metadata'})
    cluster = clusters.read(heat, 'spark', 'early')
    assert cluster.status == 'PARTIALLY_ACTIVE'
    assert cluster.summary == 'from metadata'


def test_read_all_lists_every_stack_once(heat):
    heat.add_stack('hadoop')
    heat.add_resource('hadoop', 'a', attributes=fakeheat.spark_attributes(
        'PARTIALLY_ACTIVE', workers=2, failed=(0,)))
    heat.add_resource('hadoop', 'b', status='CREATE_IN_PROGRESS',
                      attributes=fakeheat.spark_attributes())
    heat.add_stack('plain')
    found = clusters.read_all(heat)
    assert [(c.stack, c.resource, c.status) for c in found] == [
        ('spark', 'cluster', 'ACTIVE'),
        ('hadoop', 'a', 'PARTIALLY_ACTIVE'), ('hadoop', 'b', 'ACTIVE')]
    lists = [c for c in heat.calls if c[0] == 'resources.list']
    assert len(lists) == 3                 # one per stack, no show per row
    assert all(c[2] == {'type': clusters.TYPE} and c[3] for c in lists)
    assert [c.stack for c in clusters.read_all(heat, 'hadoop')] == \
        ['hadoop', 'hadoop']


def test_read_all_skips_a_stack_deleted_meanwhile(heat):
    heat.add_stack('going')
    real_list = heat.resources.list

    def list_(stack_id, **kwargs):
        if stack_id.startswith('going/'):
            raise fakeheat.heat_error(heat_exc.HTTPNotFound, 'gone',
                                      'EntityNotFound')
        return real_list(stack_id, **kwargs)
    heat.resources.list = list_
    assert [c.stack for c in clusters.read_all(heat)] == ['spark']


def test_read_stack(heat):
    heat.add_resource('spark', 'second',
                      attributes=fakeheat.spark_attributes('FAILED'))
    assert [(c.resource, c.exit_code)
            for c in clusters.read_stack(heat, 'spark')] == \
        [('cluster', 0), ('second', 2)]
    assert [c.resource for c in
            clusters.read_stack(heat, 'spark', 'second')] == ['second']


def test_send_signal_sends_the_data_and_returns_the_mark(heat):
    cluster = clusters.read(heat, 'spark')
    events = heat.events_[(heat.stack_id('spark'), 'cluster')]
    newest = events[-1]['id']
    mark = clusters.send_signal(heat, cluster, {'action': 'check'})
    assert heat.signals == [('spark', 'cluster', {'action': 'check'})]
    # the newest event before the signal (Heat's SIGNAL event is after)
    assert mark == newest
    assert events[-1]['resource_status'] == 'SIGNAL_COMPLETE'


def test_a_cluster_without_signal_support_says_so(heat):
    def refuse(rec, data):
        raise fakeheat.heat_error(heat_exc.HTTPBadRequest,
                                  'signal is not supported for resource.',
                                  'ResourceActionNotSupported')
    heat.on_signal = refuse
    cluster = clusters.read(heat, 'spark')
    with pytest.raises(clusters.SignalRefused) as info:
        clusters.send_signal(heat, cluster, {'action': 'check'})
    assert str(info.value) == (
        'cluster cluster in stack spark does not handle signals (Heat: '
        'signal is not supported for resource.)')


def test_other_refusals_give_heat_s_reason(heat):
    def refuse(rec, data):
        raise fakeheat.heat_error(
            heat_exc.HTTPBadRequest,
            'Signal resource during SUSPEND is not supported.',
            'NotSupported')
    heat.on_signal = refuse
    cluster = clusters.read(heat, 'spark')
    with pytest.raises(clusters.SignalRefused) as info:
        clusters.send_signal(heat, cluster, {'action': 'heal'})
    assert str(info.value) == (
        'cluster cluster in stack spark refused the heal signal: Signal '
        'resource during SUSPEND is not supported.')


class Clock(object):
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def script(heat, states):
    """Each resources.get moves the cluster to the next (status, reason),
    recording an event on every change, as Heat does."""
    states = list(states)

    def on_get(rec):
        if states:
            status, reason = states.pop(0)
            if (status, reason) != (rec['status'], rec['reason']):
                rec['status'], rec['reason'] = status, reason
                heat.add_event('spark', rec['name'], status, reason)
    heat.on_get = on_get


def test_wait_follows_the_resource_until_it_leaves_in_progress(heat):
    cluster = clusters.read(heat, 'spark')
    mark = clusters.send_signal(heat, cluster, {'action': 'heal'})
    script(heat, [('CREATE_COMPLETE', 'ACTIVE: 2/2 nodes active'),
                  ('UPDATE_IN_PROGRESS', 'booting: 0/1 servers up'),
                  ('UPDATE_IN_PROGRESS', 'configuring: 1/2'),
                  ('UPDATE_COMPLETE', 'ACTIVE: 2/2 nodes active')])
    clock = Clock()
    done = clusters.wait(heat, cluster, mark, timeout=60, interval=5,
                         sleep=clock.sleep, clock=clock)
    assert done.resource_status == 'UPDATE_COMPLETE'
    assert done.status_reason == 'ACTIVE: 2/2 nodes active'
    assert clock.sleeps == [5, 5, 5]
    # the stack is addressed as name/id: no lookup redirect per poll
    gets = [c for c in heat.calls if c[0] == 'resources.get']
    assert gets[-1][1] == 'spark/%s' % heat.stack_id('spark')


def test_wait_takes_a_new_event_as_done_without_in_progress(heat):
    # a check that finishes between two polls still leaves its event
    cluster = clusters.read(heat, 'spark')
    mark = clusters.send_signal(heat, cluster, {'action': 'check'})
    heat.add_event('spark', 'cluster', 'CHECK_COMPLETE', 'Signal: checked')
    done = clusters.wait(heat, cluster, mark, sleep=pytest.fail)
    assert done.resource_status == 'CREATE_COMPLETE'


def test_wait_does_not_take_a_signal_not_yet_handled_for_done(heat):
    cluster = clusters.read(heat, 'spark')
    mark = clusters.send_signal(heat, cluster, {'action': 'check'})
    clock = Clock()
    with pytest.raises(clusters.WaitTimeout) as info:
        clusters.wait(heat, cluster, mark, timeout=12, interval=5,
                      sleep=clock.sleep, clock=clock)
    assert str(info.value) == (
        'cluster cluster in stack spark: still CREATE_COMPLETE after 12s '
        '(ACTIVE: 2/2 nodes active)')
    assert clock.sleeps == [5, 5, 5]


def test_groups_text():
    assert clusters.groups_text(partial_cluster().groups) == (
        'master 1/1 (min 1), worker 1/2 (min 1, 1 failed)')
    assert clusters.groups_text({}) == ''
