"""A background thread that reads every open source each ``interval`` seconds.

It reads once when started and once when stopped, so that any window inside the session is
covered by readings on both sides: the first reading is stamped 0.0, the session's origin, so a
window clipped at the session start is covered too. A source whose read raises is dropped, its reason kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from perfkit.telemetry.samples import Sample
from perfkit.telemetry.source import TelemetrySource


class Sampler:
    def __init__(self, sources: Sequence[TelemetrySource], interval: float,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.interval = interval
        self.samples: list[Sample] = []
        self.failed: dict[str, str] = {}
        self._sources = list(sources)
        self._clock = clock
        self._origin = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def now(self) -> float:
        """Seconds since the sampler started (the samples' time axis)."""
        return self._clock() - self._origin

    def _take(self, t: float | None = None) -> None:
        values: dict[str, float] = {}
        t = self.now() if t is None else t
        for source in list(self._sources):
            try:
                values.update(source.read())
            except Exception as exc:  # a source that breaks mid-run stops being read
                self.failed[source.name] = f"read failed ({type(exc).__name__}: {exc})"
                self._sources.remove(source)
        with self._lock:
            self.samples.append(Sample(t, values))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._take()

    def start(self) -> None:
        self._origin = self._clock()
        self._take(0.0)
        self._thread = threading.Thread(target=self._loop, name="perfkit-telemetry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        self._take()
        for source in self._sources:
            source.close()

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)
