"""Python's garbage collector around a run (perfkit.measure.collector): paused while a stack is
imported and on again after it, whatever happened; what was alive frozen out of it; garbage of
earlier work collected before a benchmark's clock starts."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from perfkit.measure import collector


@pytest.fixture(autouse=True)
def _collector_as_it_was():
    was_on = gc.isenabled()
    yield
    gc.unfreeze()
    if was_on:
        gc.enable()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.mark.parametrize("raises", [False, True])
def test_the_collector_is_paused_inside_and_on_again_after_with_what_lived_frozen(raises):
    gc.unfreeze()
    gc.enable()
    try:
        with collector.collector_paused():
            assert not gc.isenabled()
            if raises:
                raise KeyError("an import failed")
    except KeyError:
        assert raises
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector.collector_paused():
        pass
    assert not gc.isenabled()


def test_import_frozen_imports_in_order_and_a_failure_is_raised_with_the_collector_on():
    sys.modules.pop("colorsys", None)
    collector.import_frozen(["colorsys"])
    assert "colorsys" in sys.modules and gc.isenabled()
    with pytest.raises(ModuleNotFoundError):
        collector.import_frozen(["no_such_module_perfkit"])
    assert gc.isenabled()


def test_settle_collects_the_garbage_before_it_freezes_what_is_alive():
    gc.unfreeze()
    gc.disable()  # no automatic collection: only settle() can free the cycle
    garbage, kept = _Node(), _Node()
    gone = weakref.ref(garbage)
    del garbage
    assert gone() is not None
    collector.settle()
    assert gone() is None  # collected, not frozen for ever
    assert gc.get_freeze_count() > 0 and kept.me is kept
