"""Judging nodes from a nested stack's rows."""

from heat_savanna.core import build
from heat_savanna.core.build import Row

NODES = ['w-0', 'w-1', 'w-2']


def rows(*specs):
    return [Row(*s) for s in specs]


def done(node, volumes=1):
    out = [Row(node, 'CREATE', 'COMPLETE'),
           Row(node + '-port', 'CREATE', 'COMPLETE')]
    for k in range(volumes):
        out += [Row('%s-volume-%d' % (node, k), 'CREATE', 'COMPLETE'),
                Row('%s-attachment-%d' % (node, k), 'CREATE', 'COMPLETE')]
    return out


def test_all_built():
    verdicts = build.judge_nodes(done('w-0') + done('w-1') + done('w-2'),
                                 NODES)
    assert {n: v.state for n, v in verdicts.items()} == dict.fromkeys(
        NODES, build.BUILT)


def test_a_failed_volume_fails_only_its_node_and_names_the_phase():
    stack = done('w-0') + done('w-2') + rows(
        ('w-1', 'CREATE', 'COMPLETE'), ('w-1-port', 'CREATE', 'COMPLETE'),
        ('w-1-volume-0', 'CREATE', 'FAILED', 'HTTP 500: injected'),
        ('w-1-attachment-0', 'INIT', 'COMPLETE'))
    verdicts = build.judge_nodes(stack, NODES)
    assert verdicts['w-1'] == build.NodeBuild(
        'w-1', build.FAILED, 'volume', 'HTTP 500: injected')
    assert verdicts['w-0'].state == verdicts['w-2'].state == build.BUILT


def test_never_started_rows_are_unfinished_not_built():
    # (INIT, COMPLETE) is how Heat shows a resource it never started
    stack = done('w-0') + rows(
        ('w-1', 'CREATE', 'COMPLETE'), ('w-1-port', 'CREATE', 'COMPLETE'),
        ('w-1-volume-0', 'CREATE', 'COMPLETE'),
        ('w-1-attachment-0', 'INIT', 'COMPLETE'),
        ('w-2-port', 'CREATE', 'FAILED', 'quota'), ('w-2', 'INIT',
                                                    'COMPLETE'))
    verdicts = build.judge_nodes(stack, NODES)
    assert verdicts['w-0'].state == build.BUILT
    assert verdicts['w-1'].state == build.UNFINISHED
    assert verdicts['w-1'].phase == 'volume-attach'
    assert 'w-1-attachment-0 is INIT COMPLETE' in verdicts['w-1'].reason
    assert verdicts['w-2'] == build.NodeBuild('w-2', build.FAILED,
                                              'network', 'quota')


def test_earliest_phase_explains_a_node_with_several_failures():
    stack = rows(('w-0-port', 'CREATE', 'FAILED', 'port'),
                 ('w-0', 'CREATE', 'FAILED', 'server'),
                 ('w-0-fip', 'CREATE', 'FAILED', 'fip'))
    assert build.judge_nodes(stack, ['w-0'])['w-0'].phase == 'network'


def test_a_node_without_a_server_row_is_unfinished():
    verdict = build.judge_nodes([], ['w-0'])['w-0']
    assert (verdict.state, verdict.phase) == (build.UNFINISHED, 'boot')


def test_update_complete_counts_as_built():
    stack = rows(('w-0', 'UPDATE', 'COMPLETE'),
                 ('w-0-port', 'CREATE', 'COMPLETE'))
    assert build.judge_nodes(stack, ['w-0'])['w-0'].state == build.BUILT


def test_shared_failures_and_busy():
    stack = done('w-0') + rows(
        ('management-keypair', 'CREATE', 'FAILED', 'quota exceeded'),
        ('security-group', 'CREATE', 'IN_PROGRESS'))
    assert build.shared_failures(stack, NODES) == [
        'management-keypair: quota exceeded']
    assert build.busy(stack)
    assert not build.busy(done('w-0'))


def test_strays_are_the_owners_unknown_servers_of_the_given_nodes():
    def meta(owner, node):
        return {'savanna_owner': owner, 'savanna_node': node}
    found = [('known', meta('s1', 'w-0')),
             ('stray', meta('s1', 'w-1')),
             ('other-cluster', meta('s2', 'w-1')),
             ('other-set', meta('s1', 'm-0')),
             ('unmarked', {}),
             ('no-metadata', None),
             ('stray-2', meta('s1', 'w-0'))]
    assert build.strays(found, 's1', ['w-0', 'w-1'], {'known'}) == [
        'stray', 'stray-2']
    assert build.strays(found, 's1', [], {'known'}) == []


def test_a_resource_of_the_template_with_no_row_leaves_its_node_unfinished():
    # seen on Heat: a floating IP's failed replacement row vanished
    # ("resource with id N not found"); the node must not pass as built
    expected = ['w-0', 'w-0-port', 'w-0-fip', 'w-1', 'w-1-port', 'w-1-fip']
    rows_ = [Row('w-0', 'CREATE', 'COMPLETE'),
             Row('w-0-port', 'CREATE', 'COMPLETE'),
             Row('w-1', 'CREATE', 'COMPLETE'),
             Row('w-1-port', 'CREATE', 'COMPLETE'),
             Row('w-1-fip', 'CREATE', 'COMPLETE')]
    verdicts = build.judge_nodes(rows_, ['w-0', 'w-1'], expected)
    assert verdicts['w-1'].state == build.BUILT
    assert (verdicts['w-0'].state, verdicts['w-0'].phase,
            verdicts['w-0'].reason) == (
        build.UNFINISHED, 'floating-ip', 'w-0-fip has no row in the stack')
    # without the template's names only a missing server is noticed
    assert build.judge_nodes(rows_, ['w-0'])['w-0'].state == build.BUILT
    absent_server = build.judge_nodes(rows_[1:], ['w-0'], expected)['w-0']
    assert (absent_server.state, absent_server.phase) == (build.UNFINISHED,
                                                          'boot')


def test_judge_stack_waits_for_its_own_action_to_end():
    assert build.judge_stack(None, 'UPDATE', 0) == (build.WAIT, 0)
    assert build.judge_stack(('CREATE', 'COMPLETE', ''), 'UPDATE', 0) == \
        (build.WAIT, 0)
    assert build.judge_stack(('UPDATE', 'IN_PROGRESS', ''), 'UPDATE', 1) \
        == (build.WAIT, 1)
    assert build.judge_stack(('UPDATE', 'COMPLETE', ''), 'UPDATE', 1) == \
        (build.DONE, 0)


def test_judge_stack_judges_a_failed_stack_once_it_is_quiet():
    failed = ('CREATE', 'FAILED', 'Resource CREATE failed')
    # the rows are needed to judge a failed stack
    assert build.judge_stack(failed, 'CREATE', 0) == (None, 0)
    busy = [build.Row('a', 'CREATE', 'IN_PROGRESS')]
    quiet = [build.Row('a', 'CREATE', 'FAILED')]
    assert build.judge_stack(failed, 'CREATE', 1, busy) == (build.WAIT, 0)
    assert build.judge_stack(failed, 'CREATE', 0, quiet) == (build.WAIT, 1)
    assert build.judge_stack(failed, 'CREATE', 1, quiet) == \
        (build.STACK_FAILED, 0)


def test_judge_stack_after_a_timeout_does_not_wait_for_busy_rows():
    timed_out = ('UPDATE', 'FAILED', 'Timed out')
    busy = [build.Row('dep', 'CREATE', 'IN_PROGRESS')]
    assert build.judge_stack(timed_out, 'UPDATE', 1, busy) == \
        (build.STACK_FAILED, 0)
