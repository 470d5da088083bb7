"""demo.delete_stack and wait_unlisted: wait until Heat no longer lists
the stack (by name or by id)."""

import types

import pytest

from savanna_sandbox import demo


class FakeStacks(object):
    def __init__(self, listed_for):
        self.listed_for = listed_for
        self.deleted = []

    def delete(self, name):
        self.deleted.append(name)

    def list(self):
        if self.listed_for > 0:
            self.listed_for -= 1
            return [types.SimpleNamespace(id='id-s', stack_name='s')]
        return [types.SimpleNamespace(id='id-other', stack_name='other')]


def test_delete_stack_waits_until_gone(monkeypatch):
    monkeypatch.setattr(demo.time, 'sleep', lambda s: None)
    heat = types.SimpleNamespace(stacks=FakeStacks(listed_for=3))
    demo.delete_stack(heat, 's')
    assert heat.stacks.deleted == ['s'] and heat.stacks.listed_for == 0


def test_delete_stack_times_out(monkeypatch):
    monkeypatch.setattr(demo.time, 'sleep', lambda s: None)
    heat = types.SimpleNamespace(stacks=FakeStacks(listed_for=10 ** 9))
    with pytest.raises(TimeoutError):
        demo.delete_stack(heat, 's', timeout=0)


def test_wait_unlisted_by_id(monkeypatch):
    monkeypatch.setattr(demo.time, 'sleep', lambda s: None)
    heat = types.SimpleNamespace(stacks=FakeStacks(listed_for=2))
    demo.wait_unlisted(heat, 'id-s')
    assert heat.stacks.listed_for == 0
    heat = types.SimpleNamespace(stacks=FakeStacks(listed_for=10 ** 9))
    with pytest.raises(TimeoutError):
        demo.wait_unlisted(heat, 'id-s', timeout=0)
