"""Sweeps on the index: the points of a suite matrix (perfkit.params.matrix) read back from their
results and drawn as curves, headline throughput against one swept param (batch size first),
one line per combination of the other swept values.

Only ok runs with a throughput count; a repeat (``…/r2``) is averaged with its first run, and
the spread over the repeats (sample standard deviation) is drawn as an error bar. The y axis
starts at 0, so a small difference between points is drawn as small as it is (a 6.55–6.70 axis
would draw a 2 % wobble as a trend).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from matplotlib.figure import Figure

from perfkit.params.matrix import sweep_of
from perfkit.report.compare import THROUGHPUT_KEYS
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

X_PREFERRED = ("batch_size", "global_batch_size", "seq_len", "eval_batch_size")


@dataclass
class Sweep:
    """One sweep: a base configuration, the param along x, and a line per other-values label."""

    benchmark: str
    vendor: str
    config: str  # the base config the points share
    x: str  # the swept param along the x axis
    metric: str  # the throughput key plotted
    lines: dict[str, dict[float, list[float]]] = field(default_factory=dict)  # label -> x -> values

    @property
    def title(self) -> str:
        return f"{self.benchmark}/{self.vendor}/{self.config}"

    def series(self) -> dict[str, list[tuple[float, float]]]:
        """label -> [(x, mean throughput)] sorted by x."""
        return {label: [(p.x, p.mean) for p in points] for label, points in self.points().items()}

    def points(self) -> dict[str, list[SweepPoint]]:
        """label -> the points sorted by x, each with its repeats' mean and spread."""
        out = {}
        for label, points in sorted(self.lines.items()):
            out[label] = [SweepPoint(x, statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v))
                          for x, v in sorted(points.items())]
        return out


@dataclass(frozen=True)
class SweepPoint:
    x: float
    mean: float
    std: float  # sample standard deviation over the repeats (0 for one run)
    n: int


def _number(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _throughput(result: RunResult) -> tuple[str, float | None]:
    for key in THROUGHPUT_KEYS:
        value = _number(result.metrics.get(key))
        if value is not None:
            return key, value
    return "", None


def _x_key(keys: tuple[str, ...], params: dict) -> str | None:
    numeric = [k for k in keys if _number(params.get(k)) is not None]
    preferred = [k for k in X_PREFERRED if k in numeric]
    chosen = preferred or numeric
    return chosen[0] if chosen else None


def sweeps(results: list[RunResult]) -> list[Sweep]:
    """The sweeps among ``results``: points of one base config along a numeric swept param, with
    at least two x values."""
    found: dict[tuple[str, str, str, str, tuple[str, ...]], Sweep] = {}
    for result in results:
        parsed = sweep_of(result.config)
        if result.status != vocab.OK or parsed is None:
            continue
        base, keys = parsed
        params = (result.run or {}).get("params") or {}
        x_key = _x_key(keys, params)
        metric, value = _throughput(result)
        x = _number(params.get(x_key)) if x_key is not None else None  # x_key names a numeric param
        if x_key is None or x is None or value is None:
            continue
        others = tuple(k for k in keys if k != x_key)
        sweep = found.setdefault((result.benchmark, result.vendor, base, x_key, others),
                                 Sweep(result.benchmark, result.vendor, base, x_key, metric))
        label = ", ".join(f"{k}={params.get(k)}" for k in others) or sweep.config
        sweep.lines.setdefault(label, {}).setdefault(x, []).append(value)
    return [s for key, s in sorted(found.items()) if len({x for line in s.lines.values() for x in line}) >= 2]


def sweep_chart(results: list[RunResult]):
    """One panel per sweep: throughput (samples/s) against the swept param; None without sweeps."""
    found = sweeps(results)
    if not found:
        return None
    fig = Figure(figsize=(8, 3.4 * len(found)))  # no pyplot: perfkit.report.plots
    axes = fig.subplots(len(found), 1, squeeze=False)
    for ax, sweep in zip(axes[:, 0], found, strict=False):
        for label, points in sweep.points().items():
            ax.errorbar([p.x for p in points], [p.mean for p in points], yerr=[p.std for p in points], marker="o",
                        capsize=3, label=label)
        ax.set_title(f"{sweep.title}: {sweep.metric} vs {sweep.x}")
        ax.set_xlabel(sweep.x)
        ax.set_ylabel(f"{sweep.metric}, samples/s (mean ± std over repeats)")
        ax.set_ylim(bottom=0)  # from zero: a small difference looks small
        xs = sorted({x for points in sweep.series().values() for x, _ in points})
        if sweep.x.endswith("batch_size"):
            ax.set_xscale("log", base=2)  # batch sizes double: even spacing
            ax.minorticks_off()
        ax.set_xticks(xs, [f"{x:g}" for x in xs])
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
