"""The live progress bar of ``perfkit run`` (host side): the kernel appends JSON lines to a feed
file (perfkit.run.progress); a thread here follows the file and draws one tqdm bar on stderr,
step/batch count, rate, ETA, the loss (latency) and the last evaluation.

The feed is read as untrusted text: lines are bounded, what does not parse is skipped.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from tqdm import tqdm

from perfkit.run.progress import FEED_ENV

POLL_SECONDS = 0.25
MAX_LINE = 4096


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


class LiveBar:
    """Follows ``path`` and draws what it says on ``stream``; ``read_new`` is one poll."""

    def __init__(self, path: Path, stream: TextIO, label: str) -> None:
        self.path, self.stream, self.label = path, stream, label
        self.offset = 0
        self.partial = b""
        self.bar: tqdm | None = None

    def read_new(self) -> int:
        """Apply the complete lines written since the last call; the number applied."""
        try:
            with open(self.path, "rb") as file:
                file.seek(self.offset)
                chunk = file.read(1 << 20)
        except OSError:
            return 0
        self.offset += len(chunk)
        lines = (self.partial + chunk).split(b"\n")
        self.partial = lines.pop()[-MAX_LINE:]
        applied = 0
        for line in lines:
            if len(line) > MAX_LINE:
                continue
            try:
                update = json.loads(line)
            except ValueError:
                continue
            if isinstance(update, dict) and self.apply(update):
                applied += 1
        return applied

    def apply(self, update: dict) -> bool:
        n, total = _number(update.get("n")), _number(update.get("total"))
        if n is None or total is None or n < 0:
            return False
        if self.bar is None:
            unit = update.get("unit") if update.get("unit") in ("step", "batch") else "step"
            self.bar = tqdm(total=int(total), desc=self.label, unit=unit, file=self.stream, ascii=True,
                            dynamic_ncols=True, leave=True)
        if int(n) > (self.bar.total or 0):
            self.bar.total = int(n)  # inference may run past its minimum batches
        postfix = {}
        name = str(update.get("value_name", "loss"))[:20]
        value, acc = _number(update.get("value")), _number(update.get("acc"))
        if value is not None:
            postfix[name] = f"{value:.4g}"
        if acc is not None:
            postfix["acc"] = f"{acc:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(int(n) - self.bar.n)
        return True

    def close(self) -> None:
        self.read_new()
        if self.bar is not None:
            self.bar.close()


def _remove(feed: Path) -> None:
    """The feed is gone, or never was: the run can end before its folder is made (a refusal
    while the kernel starts), and that folder's path may then not even be one (a file on it)."""
    with suppress(FileNotFoundError, NotADirectoryError):
        feed.unlink()


@contextmanager
def live_progress(feed: Path, label: str, enabled: bool, stream: TextIO | None = None,
                  feed_only: bool = False) -> Iterator[dict[str, str]]:
    """While the block runs, draw the bar the kernel's feed describes. Yields the environment the
    kernel needs (empty when disabled, unless ``feed_only``: the kernel feeds the file and no bar
    is drawn; the stall watchdog reads it, perfkit.jobs.kernel). The feed file is removed afterwards."""
    if not enabled:
        if not feed_only:
            yield {}
            return
        try:
            yield {FEED_ENV: str(feed)}
        finally:
            _remove(feed)
        return
    bar = LiveBar(feed, stream or sys.stderr, label)
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(POLL_SECONDS):
            bar.read_new()

    thread = threading.Thread(target=follow, name="perfkit-progress", daemon=True)
    thread.start()
    try:
        yield {FEED_ENV: str(feed)}
    finally:
        stop.set()
        thread.join()
        bar.close()
        _remove(feed)
