"""Phase timing that does not serialize the device.

Two kinds of measured window:

* **Device phases** (``clock.device_phase``): the compute of a step. Bracketed by two device
  events (``torch.cuda.Event`` and the like, from the vendor adapter; a host clock stand-in on
  the CPU, where work is synchronous). Recording an event does not wait for the device, so the
  host keeps queueing the next step while the device works. The events are read back only at
  window edges (``clock.flush``), with one device sync there.
* **Synchronized windows** (``clock.window`` / ``clock.phase``): evaluations, export, the
  inference pass. The device is synchronized on both edges, so queued work is not billed to the
  window and the work inside has really finished. These are the window edges.

``now`` reads the host clock without waiting for anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol


class DeviceEvent(Protocol):
    """The part of ``torch.cuda.Event(enable_timing=True)`` perfkit uses."""

    def record(self) -> None: ...

    def elapsed_time(self, end: DeviceEvent) -> float:
        """Milliseconds from this event to ``end``; both must have completed."""
        ...


class HostEvent:
    """A device event stand-in for devices whose work is synchronous (the CPU): records the host
    clock. Reading it needs no device sync."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self.at: float | None = None

    def record(self) -> None:
        self.at = self._clock()

    def elapsed_time(self, end: DeviceEvent) -> float:
        if not isinstance(end, HostEvent):
            raise TypeError("a host event's elapsed time is measured to another host event")
        if self.at is None or end.at is None:
            raise RuntimeError("elapsed_time of an event that was never recorded")
        return (end.at - self.at) * 1000.0


class SyncedHostEvent(HostEvent):
    """For an asynchronous device without timing events: synchronize, then read the host clock
    (the old, serializing behaviour; used only where the device offers nothing better)."""

    def __init__(self, sync: Callable[[], None], clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(clock)
        self._sync = sync

    def record(self) -> None:
        self._sync()
        super().record()


EventFactory = Callable[[], DeviceEvent]


@dataclass(frozen=True)
class Resolved:
    """One device phase, read back: its name, the tag it was recorded under (the step) and seconds."""

    name: str
    tag: int | None
    seconds: float


class PhaseClock:
    """Accumulates seconds per phase.

    ``sync`` waits for the device; ``clock`` is the host clock; ``event`` makes a device event
    (default: a :class:`HostEvent` on ``clock``). ``syncs`` counts the device syncs the clock
    made, so tests can prove the step loop does not add any.
    """

    def __init__(
        self,
        sync: Callable[[], None],
        clock: Callable[[], float] = time.perf_counter,
        event: EventFactory | None = None,
    ) -> None:
        self._sync = sync
        self._clock = clock
        self._event: EventFactory = event or (lambda: HostEvent(clock))
        self._pending: list[tuple[str, int | None, DeviceEvent, DeviceEvent]] = []
        self.totals: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.syncs = 0

    def now(self) -> float:
        return self._clock()

    def sync(self) -> None:
        self.syncs += 1
        self._sync()

    @contextmanager
    def window(self, name: str) -> Iterator[None]:
        """A device-synchronized window: sync, clock, body, sync, clock."""
        self.sync()
        start = self._clock()
        try:
            yield
        finally:
            self.sync()
            self._add(name, self._clock() - start)

    phase = window  # the synchronized window under its historic name

    @contextmanager
    def device_phase(self, name: str, tag: int | None = None) -> Iterator[None]:
        """Bracket queued device work with two events; no sync. Read back by :meth:`flush`."""
        start = self._event()
        start.record()
        try:
            yield
        finally:
            end = self._event()
            end.record()
            self._pending.append((name, tag, start, end))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> list[Resolved]:
        """A window edge: one device sync, then every pending device phase read back and added
        to the totals. Returns them in recording order."""
        self.sync()
        done = [Resolved(name, tag, start.elapsed_time(end) / 1000.0) for name, tag, start, end in self._pending]
        self._pending.clear()
        for item in done:
            self._add(item.name, item.seconds)
        return done

    def _add(self, name: str, seconds: float) -> None:
        self.last[name] = seconds
        self.totals[name] = self.totals.get(name, 0.0) + seconds

    def total(self, name: str) -> float:
        """Seconds so far in ``name`` (device phases count once flushed)."""
        return self.totals.get(name, 0.0)
