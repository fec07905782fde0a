"""A run's progress, from the kernel (main rank): a few plain lines into the notebook, and, when
the host asks for it, a live feed the host's terminal bar follows.

- **Notebook lines**: the saved notebook and its report keep every line a cell printed, so a
  progress bar that redraws every few seconds leaves thousands of lines behind in a long run.
  ``NotebookLines`` prints one plain line each ~5% of the steps instead: at most ``MAX_LINES``
  lines whatever the run's length (the last one when the loop ends).
- **Live feed**: ``perfkit run`` names a file in the environment variable ``FEED_ENV``; the
  kernel appends one compact JSON object a line to it (``{"n", "total", "unit", "label",
  "value_name", "value", "acc", "t"}``), at most one each ``FEED_SECONDS`` plus the last, and the
  host (perfkit.jobs.live_progress) draws the bar on its stderr.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from typing import TextIO

MAX_LINES = 20
FEED_ENV = "PERFKIT_PROGRESS_FILE"
FEED_FILE = ".progress.jsonl"  # the feed's name: in the run's staging folder, or its early kernel's folder; removed when the notebook ends
FEED_SECONDS = 0.5


def _duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def count_text(n: int, total: int) -> str:
    """``12/24 (50%)``; past the total, ``87 (past the planned 24)``, never ``87/24``. An
    inference pass runs until both its minimum batches and its minimum seconds are reached, so
    its total is a lower bound that a fast engine passes."""
    if n <= total:
        return f"{n}/{total} ({100 * n / total:.0f}%)"
    return f"{n} (past the planned {total})"


class NotebookLines:
    """Plain progress lines, at most ``MAX_LINES`` of them: one each time the count passes the
    next of ``MAX_LINES - 1`` evenly spaced marks up to ``total`` (every step when there are
    fewer), and, on ``close``, the final count when the loop ran past ``total``."""

    def __init__(self, total: int, stream: TextIO, label: str, unit: str = "step",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.stream, self.label, self.unit, self.clock = max(1, total), stream, label, unit, clock
        self.marks = MAX_LINES - 1
        self.mark = 1  # the next mark's index: it lies at ceil(mark * total / marks)
        self.first: tuple[int, float] | None = None  # the first update's count and time: the loop's start
        self.lines = 0
        self.last: tuple[int, str] | None = None  # the latest step and its values, not printed yet
        self.printed_step = 0

    def update(self, n: int, values: str) -> None:
        if self.first is None:  # timed from the loop's first step, not from data and model loading
            self.first = (n, self.clock())
        self.last = (n, values)
        if self.mark <= self.marks and n >= self._at(self.mark):
            self._print(n, values)
            while self.mark <= self.marks and self._at(self.mark) <= n:
                self.mark += 1

    def _at(self, mark: int) -> int:
        return math.ceil(mark * self.total / self.marks)

    def close(self) -> None:
        if self.last is not None and self.last[0] != self.printed_step and self.lines < MAX_LINES:
            self._print(*self.last)

    def _print(self, n: int, values: str) -> None:
        first_n, started = self.first or (n, self.clock())
        elapsed = self.clock() - started
        done = n - first_n
        eta = f" eta {_duration(elapsed / done * (self.total - n))}" if done > 0 and n < self.total else ""
        print(f"{self.label}: {self.unit} {count_text(n, self.total)} {values} elapsed {_duration(elapsed)}{eta}".rstrip(),
              file=self.stream, flush=True)
        self.lines += 1
        self.printed_step = n


class Feed:
    """JSON lines appended to ``path`` for the host's live bar: at most one per ``FEED_SECONDS``,
    and the last one on ``close``. A feed that cannot be written is dropped, never the run."""

    def __init__(self, path: str, total: int, label: str, unit: str, value_name: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.header = {"total": total, "label": label, "unit": unit, "value_name": value_name}
        self.clock = clock
        self.sent = -math.inf
        self.pending: dict | None = None
        try:
            self.file: TextIO | None = open(path, "a", encoding="utf-8")
        except OSError:
            self.file = None

    def update(self, n: int, value: float, acc: float | None) -> None:
        self.pending = {**self.header, "n": n, "value": value, "acc": acc, "t": time.time()}
        if self.clock() - self.sent >= FEED_SECONDS:
            self._send()

    def close(self) -> None:
        if self.pending is not None:
            self._send()
        if self.file is not None:
            self.file.close()
            self.file = None

    def _send(self) -> None:
        if self.file is None or self.pending is None:
            return
        try:
            self.file.write(json.dumps(self.pending, allow_nan=False, separators=(",", ":")) + "\n")
            self.file.flush()
        except (OSError, ValueError):  # a NaN loss, a full disk: the bar is not worth failing over
            pass
        self.sent = self.clock()
        self.pending = None


class Progress:
    """What the benchmark loop calls after each step (batch): ``progress(n, value, acc)``.
    Silent when disabled (other ranks)."""

    def __init__(self, total: int, enabled: bool, label: str, value_name: str, unit: str, stream: TextIO,
                 feed_path: str | None = None) -> None:
        self.value_name = value_name
        self.lines = NotebookLines(total, stream, label, unit) if enabled else None
        self.feed = Feed(feed_path, total, label, unit, value_name) if enabled and feed_path else None
        self.acc: float | None = None

    @classmethod
    def from_env(cls, total: int, enabled: bool, label: str, value_name: str, unit: str, stream: TextIO) -> Progress:
        return cls(total, enabled, label, value_name, unit, stream, os.environ.get(FEED_ENV) or None)

    def __call__(self, n: int, value: float, acc: float | None) -> None:
        if acc is not None:
            self.acc = acc
        if self.lines is not None:
            text = f"{self.value_name}={value:.4g}" + (f" acc={self.acc:.4f}" if self.acc is not None else "")
            self.lines.update(n, text)
        if self.feed is not None:
            self.feed.update(n, value, self.acc)

    def close(self) -> None:
        if self.lines is not None:
            self.lines.close()
        if self.feed is not None:
            self.feed.close()
