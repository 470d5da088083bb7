"""savanna_sandbox.faults.scenarios.healing: its rows, and how it reads
an update nobody asked for."""

from savanna_sandbox.faults.scenarios import healing
from tests.unit.sandbox.faults import fakes


def test_rows():
    assert fakes.rows_of(healing) == [
        ('auto-heal-worker-lost', 'fah', 'auto-heal', True),
    ]


def test_the_template_turns_auto_heal_on_with_the_defaults():
    props = healing._template('fah')['resources']['cluster']['properties']
    assert props['auto_heal'] == {'enabled': True}
    assert healing._template('fah', cooldown=0)['resources']['cluster'][
        'properties']['auto_heal'] == {'enabled': True, 'cooldown': 0}
    assert [g['count'] for g in props['node_groups']] == [1, 3]


def test_stamps_are_utc_seconds():
    assert healing._stamp('2026-12-07T19:40:02Z') == 1796672402
    assert healing._stamp('2026-12-07T19:40:02.123456') == 1796672402
