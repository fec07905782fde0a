"""The roofline as a figure (matplotlib; embedded as an SVG image by ``plots.figures_html``): y is FLOP/s
on a log scale, each compute ceiling a horizontal line labelled with its value and source
(the spec sheet's measured GEMM, the datasheet), each run a labelled marker at its achieved
FLOP/s.

Where a run states its arithmetic intensity (FLOP per byte moved), x is that intensity on a log
scale and each memory-bandwidth ceiling is drawn as its roof (bandwidth × intensity, up to the
highest compute ceiling). An intensity is never invented: a run without one is drawn as a
dotted line across the plot at its achieved FLOP/s; when no run has one, x only separates the
runs (one position each) and the caption says why there is no intensity. With no ceiling at
all the figure says so and draws no line. Records are untrusted: only finite positive numbers
are drawn, texts are cut short.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, FuncFormatter

from perfkit.report import plots
from perfkit.report.roofline import Point, Roof, point_of, roofs_of, short_text

WIDTH_IN = 8.0  # the figure's width, inches (768 CSS pixels)
LEGEND_ROW_IN = 0.16  # height of one legend entry at font size 7, inches
CHAR_IN = 0.06  # width of one character of a tick label at font size 7, inches
TICK_CHARS = 20  # a run's x tick label is cut to this many characters
_ENG = EngFormatter()
NO_CEILING = "no compute ceiling: neither a spec sheet of this machine nor the datasheet states one"


def _plain(text: str) -> str:
    """A record's text as matplotlib shows it literally: an escaped "$" starts no mathtext."""
    return text.replace("$", r"\$")


def _roof_label(roof: Roof) -> str:
    unit = "TFLOP/s" if roof.kind == "compute" else "GB/s"
    return f"{roof.name} {roof.value:.4g} {unit} ({roof.source or 'source not stated'})"


def _unique(roofs: list[Roof]) -> list[Roof]:
    return list(dict.fromkeys(roofs))


def caption(points: list[Point], roofs: list[Roof]) -> str:
    """What the figure cannot show, in words: the omitted intensity and why, the bandwidth
    ceilings without an intensity axis, the absence of ceilings."""
    parts = []
    if not any(r.kind == "compute" for r in roofs):
        parts.append(NO_CEILING + ".")
    omitted = [p for p in points if p.intensity is None]
    if omitted:
        notes = sorted({p.note or "no bytes moved stated" for p in omitted})
        parts.append("Arithmetic intensity (x) " + "; ".join(notes) + ".")
        if not any(p.intensity is not None for p in points):
            bandwidth = [r for r in roofs if r.kind == "bandwidth"]
            if bandwidth:
                parts.append("Memory-bandwidth ceilings, not drawn without an intensity: "
                             + "; ".join(_roof_label(r) for r in bandwidth) + ".")
    return " ".join(parts)


def roofline_figure(points: list[Point], roofs: list[Roof], title: str = "roofline"):
    """The figure: the compute ceilings, the bandwidth roofs where x is an intensity, the runs."""
    points = [replace(p, label=_plain(p.label)) for p in points]
    roofs = _unique([replace(r, name=_plain(r.name), source=_plain(r.source)) for r in roofs])
    title = _plain(title)
    compute = [r for r in roofs if r.kind == "compute"]
    placed = [p for p in points if p.intensity is not None]
    fig = Figure(figsize=(WIDTH_IN, 5.2))  # no pyplot: perfkit.report.plots
    ax = fig.subplots()
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(EngFormatter())  # 300 G, not mathtext's 3×10¹¹: plain text, cheaper to draw
    ax.set_ylabel("FLOP/s")
    ax.set_title(short_text(title, 100))
    values = [p.achieved_tflops * 1e12 for p in points] + [r.value * 1e12 for r in compute]
    if values:  # log limits around what is drawn (a single value has no range of its own), set before
        ax.set_ylim(min(values) / 5, max(values) * 5)  # the first line: no empty log axis to autoscale
        ax.yaxis.set_minor_formatter(_minor_labels(math.log10(max(values) / min(values) * 25)))
    for roof in compute:
        color, style = ("#1f77b4", "-") if roof.name.startswith("measured") else ("#d62728", "--")
        ax.axhline(roof.value * 1e12, color=color, linestyle=style, linewidth=1.2, label=_roof_label(roof))
    if placed:
        _intensity_axis(ax, placed, [p for p in points if p.intensity is None], roofs, compute)
    else:
        _run_axis(ax, points)
    if not compute:
        ax.text(0.5, 0.97, NO_CEILING, transform=ax.transAxes, ha="center", va="top", fontsize=8, color="#a00000")
    if not points:
        ax.text(0.5, 0.5, "no run with an achieved FLOP/s", transform=ax.transAxes, ha="center", va="center")
    entries = len(ax.get_legend_handles_labels()[0])
    if entries:
        fig.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 0.0))
    below = LEGEND_ROW_IN * entries + (0.15 if entries else 0)
    labels = 0.0 if placed else math.sin(math.radians(20)) * CHAR_IN * max((len(_tick(p)) for p in points), default=0)
    plots.set_margins(fig, left=0.8, right=0.2, bottom=0.6 + labels + below)
    return fig


def _tick(point: Point) -> str:
    """A run's x tick label: its label cut to TICK_CHARS (the marker's note beside it is whole)."""
    return short_text(point.label, TICK_CHARS)


def _minor_labels(decades: float) -> FuncFormatter:
    """Labels of the minor ticks of the log y axis: 2, 3 and 5 times a power of ten on an axis of
    at most two decades (whose major ticks alone are one or two labels), none on a longer one."""
    def label(value: float, _position: int) -> str:
        if decades > 2 or value <= 0:
            return ""
        mantissa = value / 10 ** math.floor(math.log10(value))
        return _ENG(value) if any(abs(mantissa - m) < 0.01 for m in (2, 3, 5)) else ""

    return FuncFormatter(label)


def _run_axis(ax, points: list[Point]) -> None:  # noqa: ANN001
    """No intensity: one x position per run (not an intensity), each run a marker and a dotted line."""
    for i, point in enumerate(points):
        ax.axhline(point.achieved_tflops * 1e12, color="#2ca02c", linestyle=":", linewidth=0.8)
        ax.scatter([i], [point.achieved_tflops * 1e12], color="#2ca02c", marker="o", zorder=3)
        ax.annotate(f"{point.label}\n{point.achieved_tflops:.4g} TFLOP/s", (i, point.achieved_tflops * 1e12),
                    textcoords="offset points", xytext=(6, 6), fontsize=7)
    ax.set_xlim(-0.5, max(len(points), 1) - 0.5 + 0.8)
    ax.set_xticks(range(len(points)), [_tick(p) for p in points], rotation=20, fontsize=7, ha="right")
    ax.set_xlabel("run (arithmetic intensity omitted: x only separates the runs)")


def _intensity_axis(ax, placed: list[Point], omitted: list[Point], roofs: list[Roof], compute: list[Roof]) -> None:  # noqa: ANN001
    """x = arithmetic intensity (FLOP/byte, log); bandwidth roofs up to the highest compute ceiling."""
    xs = [p.intensity for p in placed if p.intensity is not None]
    low, high = min(xs) / 10, max(xs) * 10
    bandwidth = [r for r in roofs if r.kind == "bandwidth"]

    def top(roof: Roof) -> float | None:
        """The compute ceiling a bandwidth roof meets: the highest of its own side (measured with
        measured, datasheet with datasheet), else the highest of all."""
        side = [r.value for r in compute if r.name.split()[0] == roof.name.split()[0]] or [r.value for r in compute]
        return max(side) * 1e12 if side else None

    for roof in bandwidth:  # the ridge: where bandwidth × intensity meets the compute ceiling
        ridge = top(roof)
        if ridge is not None:
            low, high = min(low, ridge / (roof.value * 1e9) / 10), max(high, ridge / (roof.value * 1e9) * 10)
    grid = np.logspace(math.log10(low), math.log10(high), 200)
    for roof in bandwidth:
        flops, ridge = grid * roof.value * 1e9, top(roof)
        if ridge is not None:
            flops = np.minimum(flops, ridge)
        color, style = ("#9467bd", "-") if roof.name.startswith("measured") else ("#ff7f0e", "--")
        ax.plot(grid, flops, color=color, linestyle=style, linewidth=1.2, label=_roof_label(roof))
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.set_xlabel("arithmetic intensity, FLOP/byte")
    for point in placed:
        ax.scatter([point.intensity], [point.achieved_tflops * 1e12], color="#2ca02c", marker="o", zorder=3)
        ax.annotate(f"{point.label}\n{point.achieved_tflops:.4g} TFLOP/s", (point.intensity, point.achieved_tflops * 1e12),
                    textcoords="offset points", xytext=(6, 6), fontsize=7)
    for point in omitted:  # never placed at an invented intensity: a line across at its achieved rate
        ax.axhline(point.achieved_tflops * 1e12, color="#2ca02c", linestyle=":", linewidth=1,
                   label=f"{point.label}: {point.achieved_tflops:.4g} TFLOP/s, intensity omitted")


def run_figure(run_label: str, line: Any):
    """A run report's roofline figure from its record's ``roofline``, or None without one."""
    if not isinstance(line, dict):
        return None
    point = point_of(run_label, line)
    return roofline_figure([point] if point else [], roofs_of(line), f"roofline: {short_text(run_label, 80)}")


def figure_caption(line: Any) -> str:
    """The run report figure's caption (``caption`` of its record's point and ceilings)."""
    point = point_of("run", line)
    return caption([point] if point else [], roofs_of(line))


def figure_html(fig, alt: str, note: str) -> str:  # noqa: ANN001
    """The figure as an inline SVG image (``plots.figures_html``), no wider than it was drawn, with its
    caption below it (escaped; none when ``note`` is empty)."""
    return plots.figure_html(fig, alt, note)
