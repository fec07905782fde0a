"""The timed loop every throughput case shares: warm up, size a repeat to the minimum duration,
time each repeat with the vendor's device events, stop at the timeout.

A repeat queues ``ops`` calls of the operation between two device events
(``vendor.create_event()``: ``torch.cuda.Event(enable_timing=True)`` on CUDA, the host clock on
the CPU, where work is synchronous) and synchronizes once at its end, so the host never waits
inside a repeat. ``ops`` is chosen from one timed call after the warm-up so that the repeats
together last at least ``min_seconds``.

The timeout is checked between calls: a case that passes it stops, and raises CaseRefused when
not even one repeat finished. A single device call that never returns cannot be interrupted
from inside the process; the case's sizes bound one call.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from perfkit.measure.timers import DeviceEvent, SyncedHostEvent
from perfkit.specs.result import CaseRefused, Measured


def spread(rates: list[float]) -> float:
    """Coefficient of variation (population standard deviation / mean) of the rates."""
    if len(rates) < 2:
        return 0.0
    return statistics.pstdev(rates) / statistics.fmean(rates)


@dataclass(frozen=True)
class Timing:
    """Seconds per call of each repeat, and how many calls a repeat queued."""

    seconds_per_call: list[float]
    calls_per_repeat: int


@dataclass(frozen=True)
class Budget:
    """How long a case runs: untimed warm-up calls, the minimum timed duration over all
    repeats, the number of repeats and the wall-clock timeout of the whole case."""

    warmup: int = 3
    min_seconds: float = 1.0
    repeats: int = 5
    timeout_s: float = 600.0

    def __post_init__(self) -> None:
        counts_ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (self.warmup, self.repeats))
        if not counts_ok or self.warmup < 0 or self.repeats < 1:
            raise CaseRefused(f"warmup must be an integer >= 0 and repeats >= 1 (got warmup={self.warmup!r}, "
                              f"repeats={self.repeats!r})")
        for name in ("min_seconds", "timeout_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise CaseRefused(f"{name} must be a positive number of seconds (got {value!r})")


def time_calls(call: Callable[[], object], make_event: Callable[[], DeviceEvent], sync: Callable[[], None],
               budget: Budget, case: str, clock: Callable[[], float] = time.perf_counter,
               agree: Callable[[int], int] | None = None) -> Timing:
    """Time ``call`` in ``budget.repeats`` repeats (see the module docstring). ``agree`` (for a
    collective, where every rank must make the same calls) turns a rank's number into the
    group's maximum: the calls per repeat, and whether any rank passed the timeout."""
    deadline = clock() + budget.timeout_s
    group = agree or (lambda value: value)

    def past() -> bool:
        return group(int(clock() > deadline)) > 0

    for _ in range(budget.warmup):
        call()
        if past():
            break
    sync()
    start, end = make_event(), make_event()
    start.record()
    call()
    end.record()
    sync()
    one = max(start.elapsed_time(end) / 1000.0, 1e-9)
    calls = group(max(1, math.ceil(budget.min_seconds / budget.repeats / one)))
    per_call = []
    for _ in range(budget.repeats):
        if past():
            break
        start, end = make_event(), make_event()
        start.record()
        for _ in range(calls):
            call()
        end.record()
        sync()
        per_call.append(max(start.elapsed_time(end) / 1000.0, 1e-12) / calls)
    if not per_call:
        raise CaseRefused(f"{case}: timeout of {budget.timeout_s:g} s passed before one timed repeat finished; "
                          "give smaller sizes or a longer timeout")
    return Timing(per_call, calls)


def synced_host_events(sync: Callable[[], None]) -> Callable[[], DeviceEvent]:
    """An event factory for a caller that has a sync and no device events: each event syncs,
    then reads the host clock (perfkit.measure.timers.SyncedHostEvent)."""
    return lambda: SyncedHostEvent(sync)


def rates(amount: float, timing: Timing) -> list[float]:
    """``amount`` (FLOPs, bytes) per second of each repeat."""
    return [amount / seconds for seconds in timing.seconds_per_call]


def measured(case: str, variant: str, values: list[float], unit: str, method: str, params: dict,
             timing: Timing | None = None) -> Measured:
    """The result of a throughput case: median, spread and best of the repeats' ``values``."""
    extra = {"calls_per_repeat": timing.calls_per_repeat} if timing is not None else {}
    return Measured(case=case, variant=variant, value=statistics.median(values), unit=unit, spread=spread(values),
                    repeats=len(values), best=max(values), method=method, params={**params, **extra})
