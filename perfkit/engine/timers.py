"""Phase timing with device synchronization at the edges of each measured window."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class PhaseClock:
    """Accumulates wall seconds per phase; ``sync`` waits for the device before reading the clock.

    Synchronizing before a window starts means queued work (a host->device copy, say) is not
    billed to it; synchronizing before it ends means the work inside has really finished.
    """

    def __init__(self, sync: Callable[[], None], clock: Callable[[], float] = time.perf_counter):
        self._sync = sync
        self._clock = clock
        self.totals: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def now(self) -> float:
        return self._clock()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._sync()
        start = self._clock()
        try:
            yield
        finally:
            self._sync()
            elapsed = self._clock() - start
            self.last[name] = elapsed
            self.totals[name] = self.totals.get(name, 0.0) + elapsed

    def total(self, name: str) -> float:
        return self.totals.get(name, 0.0)
