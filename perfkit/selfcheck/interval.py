"""A ratio with a confidence interval, from paired measurements (pure arithmetic).

Each pair is (perfkit, hand loop) measured back to back, so load on the machine hits both alike
and the pair's ratio cancels most of it. The estimate is the geometric mean of the pair ratios;
its interval is a percentile bootstrap over the pairs (resampling whole pairs, on the log
scale), with a fixed seed so the same pairs always give the same interval. A result is
*unstable* when the interval reaches further than ``unstable_above`` (3 %) from the estimate on
either side, or when there are too few pairs to say.

This is perfkit's one bootstrap. `perfkit compare` does not resample: it uses Welch's t-test
and its interval (perfkit.comparison.stats), as pyperf does, because a percentile bootstrap of
3 to 5 repeats gives intervals that are too narrow.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UNSTABLE_ABOVE = 0.03
MIN_PAIRS = 3


@dataclass(frozen=True)
class RatioInterval:
    estimate: float
    low: float
    high: float
    confidence: float
    pairs: int
    unstable_above: float = UNSTABLE_ABOVE

    @property
    def half_width(self) -> float:
        """How far the interval reaches from the estimate, relative: max(high/est - 1, 1 - low/est)."""
        if not (self.estimate > 0 and math.isfinite(self.low) and math.isfinite(self.high)):
            return math.inf
        return max(self.high / self.estimate - 1.0, 1.0 - self.low / self.estimate)

    @property
    def unstable(self) -> bool:
        return self.pairs < MIN_PAIRS or self.half_width > self.unstable_above

    def label(self) -> str:
        text = (f"{self.estimate:.3f} ({self.confidence:.0%} interval {self.low:.3f}-{self.high:.3f}, "
                f"+/-{self.half_width:.1%}, {self.pairs} pairs)")
        if self.unstable:
            text += f" UNSTABLE: interval wider than +/-{self.unstable_above:.0%}" if self.pairs >= MIN_PAIRS \
                else f" UNSTABLE: fewer than {MIN_PAIRS} pairs"
        return text


def ratio_interval(
    ratios: Sequence[float],
    confidence: float = 0.95,
    resamples: int = 10_000,
    seed: int = 0,
    unstable_above: float = UNSTABLE_ABOVE,
) -> RatioInterval:
    """Geometric-mean ratio of the pairs with a bootstrap percentile interval."""
    if not ratios:
        raise ValueError("no pairs to summarise")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    values = np.asarray(ratios, dtype=float)
    if not (np.all(np.isfinite(values)) and np.all(values > 0)):
        raise ValueError(f"ratios must be positive and finite, got {list(ratios)}")
    logs = np.log(values)
    estimate = float(np.exp(logs.mean()))
    if len(logs) < 2:
        return RatioInterval(estimate, -math.inf, math.inf, confidence, len(logs), unstable_above)
    rng = np.random.default_rng(seed)
    means = logs[rng.integers(0, len(logs), size=(resamples, len(logs)))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.exp(np.quantile(means, [tail, 1.0 - tail]))
    return RatioInterval(estimate, float(low), float(high), confidence, len(logs), unstable_above)
