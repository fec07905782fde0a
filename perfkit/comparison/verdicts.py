"""Per configuration: base against new, the change with its interval, and a verdict.

A configuration is (benchmark, vendor, config); its repeats are the samples. When each side
holds exactly one configuration they are compared even if their names differ (two run ids).
Only runs that ended ok give samples; a configuration whose new side has no ok run while the
base has one is a failure, which gates like a regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from perfkit.comparison.stats import Change, compare_samples
from perfkit.results.record import RunResult

THROUGHPUT_KEYS = ("p_core", "p_train", "p_whole", "p_infer_core", "p_infer_whole")
LOWER_IS_BETTER_PREFIXES = ("e2e_time", "infer_time", "latency", "mem_", "energy", "export_time", "setup_time")

IMPROVED, REGRESSED, SLOWER_NOT_SIGNIFICANT, UNCHANGED, FAILED, ONLY_BASE, ONLY_NEW, NO_METRIC = (
    "improved", "REGRESSION", "worse, not significant", "no significant change", "FAILED", "only in base",
    "only in new", "metric missing",
)
GATING = (REGRESSED, FAILED)

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Verdict:
    key: Key  # (benchmark, vendor, config); config "a → b" when two differently named runs are paired
    metric: str
    base: list[float]
    new: list[float]
    change: Change | None
    verdict: str

    @property
    def label(self) -> str:
        return "/".join(self.key)

    @property
    def gates(self) -> bool:
        return self.verdict in GATING


def lower_is_better(metric: str) -> bool:
    return metric.startswith(LOWER_IS_BETTER_PREFIXES)


def _value(result: RunResult, metric: str) -> float | None:
    value = result.metrics.get(metric)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def headline_metric(results: list[RunResult]) -> str:
    """The first throughput key that an ok result has."""
    for key in THROUGHPUT_KEYS:
        if any(_value(r, key) is not None for r in results if r.status == "ok"):
            return key
    return ""


def group(runs: list[tuple[str, RunResult]]) -> dict[Key, list[RunResult]]:
    groups: dict[Key, list[RunResult]] = {}
    for _, result in runs:
        groups.setdefault((result.benchmark, result.vendor, result.config), []).append(result)
    return groups


def judge(change: Change, metric: str, threshold: float) -> str:
    """Regression: worse by more than ``threshold`` (a fraction) and, where repeats give an
    interval, significantly so. With one repeat a side there is no interval; the point
    estimate alone decides (documented in docs/compare.md)."""
    worse = -change.change if not lower_is_better(metric) else change.change
    known = change.significant if change.has_interval else True
    if worse > threshold and known:
        return REGRESSED
    if worse < -threshold and known:
        return IMPROVED
    if worse > threshold:
        return SLOWER_NOT_SIGNIFICANT
    return UNCHANGED


def _one(key: Key, metric_wanted: str, base: list[RunResult], new: list[RunResult], threshold: float) -> Verdict:
    metric = metric_wanted or headline_metric(base + new)
    base_values = [v for r in base if r.status == "ok" and (v := _value(r, metric)) is not None]
    new_values = [v for r in new if r.status == "ok" and (v := _value(r, metric)) is not None]
    if base_values and not new_values:
        return Verdict(key, metric, base_values, [], None, FAILED if not any(r.status == "ok" for r in new) else NO_METRIC)
    if not base_values or not new_values or not metric:
        return Verdict(key, metric, base_values, new_values, None, NO_METRIC)
    change = compare_samples(base_values, new_values)
    return Verdict(key, metric, base_values, new_values, change, judge(change, metric, threshold))


def compare_runs(
    base: list[tuple[str, RunResult]], new: list[tuple[str, RunResult]], threshold: float = 0.05, metric: str = ""
) -> list[Verdict]:
    """One verdict per configuration found on either side, sorted by configuration."""
    base_groups, new_groups = group(base), group(new)
    if len(base_groups) == 1 and len(new_groups) == 1 and base_groups.keys() != new_groups.keys():
        (bk, bv), (nk, nv) = next(iter(base_groups.items())), next(iter(new_groups.items()))
        config = bk[2] if bk[2] == nk[2] else f"{bk[2]} → {nk[2]}"
        vendor = bk[1] if bk[1] == nk[1] else f"{bk[1]} → {nk[1]}"
        benchmark = bk[0] if bk[0] == nk[0] else f"{bk[0]} → {nk[0]}"
        return [_one((benchmark, vendor, config), metric, bv, nv, threshold)]
    out = []
    for key in sorted(base_groups.keys() | new_groups.keys()):
        if key not in new_groups:
            out.append(Verdict(key, metric, [], [], None, ONLY_BASE))
        elif key not in base_groups:
            out.append(Verdict(key, metric, [], [], None, ONLY_NEW))
        else:
            out.append(_one(key, metric, base_groups[key], new_groups[key], threshold))
    return out
