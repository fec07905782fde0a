"""Python's cyclic garbage collector around a run: a large stack (torch, transformers) imported
with the collector paused and then frozen out of it, and the collector settled before the
benchmark's clock starts.

Every collection walks the objects it tracks. torch and the kit's modules leave ~190,000 of
them, all alive as long as the process: collections during their import walk a growing heap
again and again (0.2-0.3 s of a 1.2 s import on 2 cores), and every full collection after it
walks them once more. Paused, then frozen (``gc.freeze``), they are walked by neither. The
collector is on again afterwards (unless it was off before), whatever the imports raised.
Objects frozen are still freed when nothing refers to them; only a cycle among them would stay.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterable, Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside; on leaving, everything alive is frozen out of the collector
    and it is switched back on if it was on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_on:
            gc.enable()


def import_frozen(modules: Iterable[str]) -> None:
    """Import ``modules`` in order inside :func:`collector_paused`."""
    with collector_paused():
        for name in modules:
            importlib.import_module(name)


def settle() -> None:
    """Before a benchmark's clock starts: collect what earlier work left, then freeze every
    object alive now (the imported modules, a notebook's namespace) out of the collector. The
    run's own collections then walk only the objects the run makes: the same however the kernel
    was started (``perfkit run``'s kernel froze its preloaded imports already; one that
    papermill or JupyterLab started did not), and however much a vendor's stack imported before.
    The collector stays on: what the run makes is collected as in any Python program."""
    gc.collect()
    gc.freeze()
