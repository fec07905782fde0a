"""Relative change between two sets of repeats, and whether it is significant.

Pure functions over lists of floats. The change is ``mean(new) / mean(base) - 1``.

Significance follows pyperf (`pyperf compare_to`: a two-sample, two-tailed t-test at 95 %) in
its unequal-variance form, Welch's t-test (scipy.stats.ttest_ind with ``equal_var=False``), so
sides of different sizes and spreads are compared fairly. Like asv (`asv compare --factor`) the
change must also exceed an effect-size threshold before it counts; that part is the caller's
(perfkit.comparison.verdicts). The interval is the t-test's own 95 % confidence interval of
``mean(new) - mean(base)``, divided by ``mean(base)``: it leaves out zero exactly when the test
is significant.

Per-step samples of one run (step times) are autocorrelated: consecutive steps share caches,
clocks and background load. Their effective sample size ``n_eff = n (1 - r1) / (1 + r1)``
(r1: the lag-1 autocorrelation, clipped to ``[0, 1)``) is what a test over them may count.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
MIN_REPEATS = 3  # fewer ok repeats on a side: the verdict is "inconclusive"
MIN_EFFECTIVE_STEPS = 30  # per-step samples (--per-step): fewer effective values a side is "inconclusive"
TEST_NAME = "Welch two-sample t-test, two-sided, 95%"


@dataclass(frozen=True)
class Change:
    """``change``: relative change of the mean, new against base (0.05 is 5 % higher).
    ``low``/``high``: its 95 % interval and ``p_value`` the test's, None when a side has fewer
    than two values (no spread, no test)."""

    change: float
    low: float | None
    high: float | None
    p_value: float | None
    n_base: int
    n_new: int
    n_eff_base: float | None = None  # per-step samples: their effective sizes
    n_eff_new: float | None = None

    @property
    def per_step(self) -> bool:
        return self.n_eff_base is not None and self.n_eff_new is not None

    @property
    def enough(self) -> bool:
        """Enough values a side for a verdict: MIN_REPEATS repeats, or MIN_EFFECTIVE_STEPS
        effective per-step values."""
        if self.per_step:
            return min(self.n_eff_base or 0.0, self.n_eff_new or 0.0) >= MIN_EFFECTIVE_STEPS
        return min(self.n_base, self.n_new) >= MIN_REPEATS

    @property
    def has_interval(self) -> bool:
        return self.low is not None and self.high is not None

    @property
    def significant(self) -> bool:
        """The test rejects "no difference" at 95 % (no test: not known to be significant)."""
        return self.p_value is not None and self.p_value < ALPHA


def relative_change(base: list[float], new: list[float]) -> float:
    base_mean = statistics.fmean(base)
    if base_mean == 0:
        raise ValueError("the base mean is zero: a relative change is undefined")
    return statistics.fmean(new) / base_mean - 1


def welch_test(base: list[float], new: list[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(p value, low, high) of Welch's t-test of mean(new) - mean(base), the interval as a
    fraction of mean(base). Both sides need two values or more. Two sides without any spread
    differ for certain when their means differ (p 0) and not at all otherwise (p 1)."""
    if len(base) < 2 or len(new) < 2:
        raise ValueError("Welch's t-test needs two values or more on each side")
    base_mean = statistics.fmean(base)
    if base_mean == 0:
        raise ValueError("the base mean is zero: a relative change is undefined")
    if statistics.pvariance(base) == 0 and statistics.pvariance(new) == 0:
        change = statistics.fmean(new) / base_mean - 1
        return (0.0 if change != 0 else 1.0), change, change
    from scipy import stats  # imported here: `perfkit compare` pays for it, nothing else does

    result = stats.ttest_ind(new, base, equal_var=False)
    interval = result.confidence_interval(confidence)
    return float(result.pvalue), float(interval.low) / base_mean, float(interval.high) / base_mean


def compare_samples(base: list[float], new: list[float]) -> Change:
    """The change and, when both sides have two or more values, its test and interval."""
    if not base or not new:
        raise ValueError("both sides need at least one value")
    change = relative_change(base, new)
    if len(base) < 2 or len(new) < 2:
        return Change(change, None, None, None, len(base), len(new))
    p_value, low, high = welch_test(base, new)
    return Change(change, low, high, p_value, len(base), len(new))


def lag1_autocorrelation(values: list[float]) -> float:
    """Lag-1 autocorrelation of a series (0 for a series without spread or under 3 values)."""
    if len(values) < 3:
        return 0.0
    mean = statistics.fmean(values)
    deviations = [v - mean for v in values]
    denominator = math.fsum(d * d for d in deviations)
    if denominator == 0:
        return 0.0
    return math.fsum(a * b for a, b in zip(deviations, deviations[1:], strict=False)) / denominator


def effective_sample_size(values: list[float]) -> float:
    """``n (1 - r1) / (1 + r1)`` with r1 the lag-1 autocorrelation clipped to [0, 1): how many
    independent values an autocorrelated series is worth (n for an uncorrelated one)."""
    r1 = min(max(lag1_autocorrelation(values), 0.0), 0.999)
    return len(values) * (1 - r1) / (1 + r1)


def compare_steps(base: list[list[float]], new: list[list[float]], confidence: float = CONFIDENCE) -> Change:
    """Per-step samples (one series per run) of two sides: the change of the mean and Welch's
    t-test with each side counted by its effective sample size (the sum over its runs of
    ``effective_sample_size``) rather than its number of steps."""
    b = [v for series in base for v in series]
    n = [v for series in new for v in series]
    if len(b) < 2 or len(n) < 2:
        raise ValueError("both sides need at least two steps")
    b_eff = sum(effective_sample_size(series) for series in base if series)
    n_eff = sum(effective_sample_size(series) for series in new if series)
    base_mean, new_mean = statistics.fmean(b), statistics.fmean(n)
    if base_mean == 0:
        raise ValueError("the base mean is zero: a relative change is undefined")
    change = new_mean / base_mean - 1
    var_b, var_n = statistics.variance(b) / max(b_eff, 1.0), statistics.variance(n) / max(n_eff, 1.0)
    se = math.sqrt(var_b + var_n)
    if se == 0:
        p_value, low, high = (0.0 if change != 0 else 1.0), change, change
    else:
        from scipy import stats

        df = (var_b + var_n) ** 2 / (var_b**2 / max(b_eff - 1, 1.0) + var_n**2 / max(n_eff - 1, 1.0))
        diff = new_mean - base_mean
        p_value = float(2 * stats.t.sf(abs(diff) / se, df))
        half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
        low, high = (diff - half) / base_mean, (diff + half) / base_mean
    return Change(change, low, high, p_value, len(b), len(n), b_eff, n_eff)
