"""The sampler around a run's measured loop, and what it adds to the result.

``sampling`` opens the vendor's sources (``VendorAdapter.telemetry_sources``), samples while the
``with`` block runs and stops on exit. An interval of 0 turns telemetry off; the summary then
says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit.results import vocabulary as vocab
from perfkit.telemetry.energy import NOT_MEASURABLE, Window, Work, not_measurable, summarize
from perfkit.telemetry.sampler import Sampler
from perfkit.telemetry.samples import Sample
from perfkit.telemetry.source import TelemetrySource
from perfkit.telemetry.sources import OpenedSources, open_sources
from perfkit.telemetry.store import TELEMETRY_FILE, write_samples


@dataclass
class TelemetrySession:
    interval: float
    sources: list[str] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)
    power_source: str | None = None
    counter_source: str | None = None
    sampler: Sampler | None = None
    _clock: Callable[[], float] = time.perf_counter
    _origin: float = 0.0

    @property
    def enabled(self) -> bool:
        return self.sampler is not None

    @property
    def samples(self) -> list[Sample]:
        return self.sampler.snapshot() if self.sampler else []

    def now(self) -> float:
        return self.sampler.now() if self.sampler else self._clock() - self._origin

    def window_ending_now(self, seconds: float) -> Window:
        """The window of a loop that just returned after measuring ``seconds``."""
        return self.window_ending_at(self.now(), seconds)

    def window_ending_at(self, end: float, seconds: float) -> Window:
        """The window of ``seconds`` that ended at session time ``end`` (clipped at the start)."""
        return Window(max(0.0, end - seconds), end)

    def summary(self, window: Window, work: Work) -> dict[str, Any]:
        """result.json metrics: energy_j, power_avg_w, power_peak_w, samples_per_j, tokens_per_j,
        energy_source, telemetry_note, and the window on the samples' time axis."""
        if self.sampler is None:  # not enabled
            result = not_measurable("telemetry off (telemetry_interval 0)")
        else:
            reasons = "; ".join(f"{k}: {v}" for k, v in {**self.unavailable, **self.sampler.failed}.items())
            result = summarize(self.samples, window, work, self.power_source, self.counter_source, reasons)
        return {**result.to_metrics(), vocab.TELEMETRY_WINDOW: [window.start, window.end],
                vocab.TELEMETRY_SOURCES: list(self.sources), vocab.TELEMETRY_INTERVAL: self.interval}

    def save(self, folder: Path) -> Path | None:
        """telemetry.csv in ``folder`` (beside result.json); nothing when telemetry was off."""
        if not self.enabled:
            return None
        return write_samples(Path(folder) / TELEMETRY_FILE, self.samples)


def _choose(opened: OpenedSources) -> tuple[str | None, str | None]:
    power = next((s.name for s in opened.sources if s.provides_power), None)
    counter = next((s.name for s in opened.sources if s.provides_energy), None)
    return power, counter


@contextmanager
def sampling(
    source_names: Sequence[str],
    interval: float,
    openers: dict[str, Callable[[], TelemetrySource]] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[TelemetrySession]:
    """Sample the named sources every ``interval`` s while the block runs (0: off)."""
    if interval <= 0:
        session = TelemetrySession(interval=interval, _clock=clock, _origin=clock())
        yield session
        return
    opened = open_sources(source_names, openers)
    power, counter = _choose(opened)
    sampler = Sampler(opened.sources, interval, clock)
    session = TelemetrySession(interval, [s.name for s in opened.sources], dict(opened.unavailable),
                               power, counter, sampler, clock)
    sampler.start()
    try:
        yield session
    finally:
        sampler.stop()


__all__ = ["NOT_MEASURABLE", "TelemetrySession", "sampling"]
