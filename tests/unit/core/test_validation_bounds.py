"""Validation of the signal-related properties: resize bounds and the
alarm action."""

from heat_savanna.core import validation
from tests.unit.core import fakes
from tests.unit.core.fakes import group


def errors(**props):
    try:
        validation.check(fakes.props(**props),
                         get_plugin=fakes.get_plugin_for(fakes.FakeHadoop()))
    except Exception as exc:
        return {e.path: e for e in exc.errors}
    return {}


def workers(**extra):
    return [group('master', 1, ['namenode', 'resourcemanager']),
            group('worker', 3, ['datanode', 'nodemanager'], **extra)]


def test_bounds_around_count():
    assert errors(node_groups=workers(min_count=1, max_count=9)) == {}
    errs = errors(node_groups=workers(min_count=4, max_count=2))
    assert 'must be between 0 and count (3), not 4' in str(
        errs['node_groups[1].min_count'])
    assert 'must be count (3) or more, not 2' in str(
        errs['node_groups[1].max_count'])


def test_alarm_action_is_a_valid_signal_for_this_cluster():
    assert errors(alarm_action={'action': 'heal'}) == {}
    assert errors(alarm_action={'action': 'resize', 'group': 'worker',
                                'adjustment': 1}) == {}
    errs = errors(alarm_action={'action': 'explode'})
    assert "unknown action 'explode'" in str(errs['alarm_action.action'])
    errs = errors(alarm_action={'action': 'resize', 'group': 'nope',
                                'count': 2})
    assert "no node group 'nope'" in str(errs['alarm_action.group'])
