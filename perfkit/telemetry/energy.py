"""Energy arithmetic as pure functions: power integration, counter differences, the summary.

Energy over a window [a, b] comes from one of two kinds of source:

* a power reading (W) sampled now and then: the power curve is taken as piecewise linear between
  samples and integrated with the trapezoidal rule, cut at a and b by linear interpolation;
* an energy counter (J, cumulative, e.g. RAPL): E(b) - E(a), again interpolated at the edges.

Where no source covers the window the figures are None with a reason: "not measurable here",
never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from perfkit.telemetry.samples import Sample

NOT_MEASURABLE = "not measurable here"


@dataclass(frozen=True)
class Window:
    """The measured window in session seconds."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Work:
    """What the window produced: samples (sequences, images), and tokens where they apply."""

    samples: float
    tokens: float | None = None


@dataclass(frozen=True)
class EnergySummary:
    energy_j: float | None
    power_avg_w: float | None
    power_peak_w: float | None
    samples_per_j: float | None
    tokens_per_j: float | None
    energy_source: str
    telemetry_note: str

    def to_metrics(self) -> dict[str, float | str | None]:
        return asdict(self)


def counter_delta(previous: int, current: int, max_range: int) -> int:
    """Increase of a counter that wraps to 0 after ``max_range`` (RAPL's energy_uj)."""
    if current >= previous:
        return current - previous
    return (max_range - previous) + current


def _series(samples: Sequence[Sample], name: str) -> tuple[np.ndarray, np.ndarray]:
    points = [(s.t, s.values[name]) for s in samples
              if s.values.get(name) is not None and math.isfinite(s.values[name])]
    points.sort()
    if not points:
        return np.empty(0), np.empty(0)
    t, v = zip(*points, strict=False)
    return np.asarray(t, dtype=float), np.asarray(v, dtype=float)


def _covers(t: np.ndarray, window: Window) -> bool:
    return len(t) >= 2 and t[0] <= window.start + 1e-9 and t[-1] >= window.end - 1e-9


def _cut(t: np.ndarray, v: np.ndarray, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """The piecewise-linear curve restricted to the window, with points at both edges."""
    inside = (t > window.start) & (t < window.end)
    times = np.concatenate(([window.start], t[inside], [window.end]))
    return times, np.interp(times, t, v)


def trapezoid_energy(t: np.ndarray, power: np.ndarray, window: Window) -> float:
    """Joules of a sampled power curve (W) over the window (trapezoidal rule)."""
    times, watts = _cut(t, power, window)
    return float(np.sum((watts[1:] + watts[:-1]) * np.diff(times)) / 2.0)


def peak_power(t: np.ndarray, power: np.ndarray, window: Window) -> float:
    """Highest power the curve reaches in the window (the samples and the interpolated edges)."""
    return float(np.max(_cut(t, power, window)[1]))


def counter_energy(t: np.ndarray, energy: np.ndarray, window: Window) -> float:
    """Joules of a cumulative energy counter over the window."""
    times, joules = _cut(t, energy, window)
    return float(joules[-1] - joules[0])


def counter_peak_power(t: np.ndarray, energy: np.ndarray, window: Window) -> float:
    """Highest mean power between consecutive counter readings in the window."""
    times, joules = _cut(t, energy, window)
    dt = np.diff(times)
    keep = dt > 0
    return float(np.max(np.diff(joules)[keep] / dt[keep]))


def _per_joule(amount: float | None, energy: float | None) -> float | None:
    if amount is None or energy is None or energy <= 0:
        return None
    return amount / energy


def not_measurable(reason: str) -> EnergySummary:
    return EnergySummary(None, None, None, None, None, "none", f"{NOT_MEASURABLE}: {reason}")


def summarize(
    samples: Sequence[Sample],
    window: Window,
    work: Work,
    power_source: str | None,
    counter_source: str | None,
    unavailable: str = "",
) -> EnergySummary:
    """Energy, average and peak power and work per joule over ``window``.

    ``power_source``: name of the source behind ``power_w`` (preferred: the accelerator);
    ``counter_source``: name of the one behind ``cpu_energy_j``; ``unavailable``: why the
    others were not there, for the note.
    """
    if window.seconds <= 0:
        return not_measurable("empty measurement window")
    why = unavailable or "no power or energy source on this machine"
    for source, column, kind in ((power_source, "power_w", "power"), (counter_source, "cpu_energy_j", "counter")):
        if not source:
            continue
        t, v = _series(samples, column)
        if not _covers(t, window):
            why = f"{source} readings do not cover the {window.seconds:.3g} s window ({len(t)} readings)"
            continue
        if kind == "power":
            energy = trapezoid_energy(t, v, window)
            peak = peak_power(t, v, window)
            method = "trapezoid of sampled power"
        else:
            energy = counter_energy(t, v, window)
            peak = counter_peak_power(t, v, window)
            method = "energy counter difference"
        inside = int(np.sum((t >= window.start) & (t <= window.end)))
        note = f"{source}: {method} over {window.seconds:.3g} s, {inside} readings in the window"
        if energy <= 0:
            return not_measurable(f"{source} reported no energy over the window")
        return EnergySummary(
            energy_j=energy,
            power_avg_w=energy / window.seconds,
            power_peak_w=peak,
            samples_per_j=_per_joule(work.samples, energy),
            tokens_per_j=_per_joule(work.tokens, energy),
            energy_source=source,
            telemetry_note=note,
        )
    return not_measurable(why)
