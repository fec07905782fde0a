"""Relative change between two sets of repeats, with a bootstrap confidence interval.

Pure functions over lists of floats. The change is ``mean(new) / mean(base) - 1``. Its interval
is the percentile bootstrap: both sides are resampled with replacement (each keeps its own
size), the change is recomputed for every resample, and the interval is the central
``confidence`` share of those changes. The generator is seeded, so the same numbers always
give the same interval.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

import numpy as np

RESAMPLES = 10_000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Change:
    """``change``: relative change of the mean, new against base (0.05 is 5 % higher).
    ``low``/``high``: its bootstrap interval, None when a side has fewer than two repeats."""

    change: float
    low: float | None
    high: float | None
    n_base: int
    n_new: int

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def significant(self) -> bool:
        """The interval leaves out zero (no interval: not known to be significant)."""
        return self.has_interval and (self.low > 0 or self.high < 0)


def relative_change(base: list[float], new: list[float]) -> float:
    base_mean = statistics.fmean(base)
    if base_mean == 0:
        raise ValueError("the base mean is zero: a relative change is undefined")
    return statistics.fmean(new) / base_mean - 1


def bootstrap_interval(
    base: list[float], new: list[float], confidence: float = CONFIDENCE, resamples: int = RESAMPLES, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``relative_change(base, new)``."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    rng = np.random.default_rng(seed)
    b = np.asarray(base, dtype=float)
    n = np.asarray(new, dtype=float)
    b_means = b[rng.integers(0, len(b), size=(resamples, len(b)))].mean(axis=1)
    n_means = n[rng.integers(0, len(n), size=(resamples, len(n)))].mean(axis=1)
    changes = n_means / b_means - 1
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(changes, [tail, 100 - tail])
    return float(low), float(high)


def compare_samples(base: list[float], new: list[float], confidence: float = CONFIDENCE, seed: int = 0) -> Change:
    """The change and, when both sides have two or more repeats, its interval."""
    if not base or not new:
        raise ValueError("both sides need at least one value")
    change = relative_change(base, new)
    if len(base) < 2 or len(new) < 2:
        return Change(change, None, None, len(base), len(new))
    low, high = bootstrap_interval(base, new, confidence, seed=seed)
    return Change(change, low, high, len(base), len(new))
