"""Curves as a record stores them: at most ``MAX_CURVE_POINTS`` points each, so that a result
stays far below what readers accept (perfkit.results.store.RESULT_LIMIT), however long the run.

A curve of up to ``MAX_CURVE_POINTS`` points is stored whole. A longer one is downsampled:
its points are split into ``MAX_CURVE_POINTS // 2`` equal buckets and each bucket keeps its
smallest and its largest value (in step order), so spikes and the range survive; the first
and last points are always kept. The record then says so: ``curves["<name>_index"]`` holds
the 0-based position in the full curve of every point kept (for the loss curve, position k is
optimizer step k + 1), and ``curves["downsampled"]`` maps each downsampled curve to its full
length. Lists of objects (evaluation points, which carry their own step) keep evenly spaced
points, first and last included.

Medians and percentiles in ``metrics`` are computed from the full curves before this.
"""

from __future__ import annotations

import math
from typing import Any

MAX_CURVE_POINTS = 4096


def _number(value: Any) -> float:
    """Sort key: None and non-numbers sort as NaN would not, so they are never a min or max."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else math.nan


def keep_positions(values: list[Any], limit: int = MAX_CURVE_POINTS) -> list[int]:
    """Sorted positions of ``values`` to keep: all when ``len(values) <= limit``; else the first,
    the last, and each bucket's min and max (or evenly spaced ones for non-numbers)."""
    n = len(values)
    if n <= limit:
        return list(range(n))
    buckets = max(1, (limit - 2) // 2)
    keep = {0, n - 1}
    numeric = all(not isinstance(v, (dict, list)) for v in values)
    for b in range(buckets):
        start, stop = b * n // buckets, (b + 1) * n // buckets
        if stop <= start:
            continue
        if not numeric:
            keep.add(start)
            continue
        finite = [i for i in range(start, stop) if not math.isnan(_number(values[i]))]
        if not finite:
            keep.add(start)
            continue
        keep.add(min(finite, key=lambda i: values[i]))
        keep.add(max(finite, key=lambda i: values[i]))
    return sorted(keep)


def bounded_curves(curves: dict[str, Any], limit: int = MAX_CURVE_POINTS) -> dict[str, Any]:
    """``curves`` with every list longer than ``limit`` downsampled as the module says."""
    out: dict[str, Any] = {}
    downsampled: dict[str, int] = {}
    for name, values in curves.items():
        if not isinstance(values, list) or len(values) <= limit:
            out[name] = values
            continue
        positions = keep_positions(values, limit)
        out[name] = [values[i] for i in positions]
        out[f"{name}_index"] = positions
        downsampled[name] = len(values)
    if downsampled:
        out["downsampled"] = downsampled
    return out
