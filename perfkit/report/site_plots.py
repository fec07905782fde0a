"""Charts of the report site: throughput per configuration (measured beside published), and
loss and evaluation curves of every run of a benchmark overlaid."""

from __future__ import annotations

import warnings

from matplotlib.figure import Figure

from perfkit.report.compare import MEASURED, Row, throughput
from perfkit.results.record import RunResult

COLORS = {MEASURED: "#1f77b4", "published": "#ff7f0e"}

# Config labels and run names may hold CJK text the default font lacks: a box is drawn, the
# figure is still right, and the warning would only clutter the page.
warnings.filterwarnings("ignore", message="Glyph .* missing from font")


def bar_label(row: Row) -> str:
    """Short and ASCII where possible: the run folder, or vendor, topology and page."""
    if row.source == MEASURED:
        return row.origin or f"{row.vendor} {row.config}"
    page, _, line = row.origin.partition(":")
    return f"{row.vendor} {row.topology or row.label} (published {page.split('_')[0]}:{line})"


def throughput_chart(rows: list[Row], benchmarks: list[str]):
    """One panel per benchmark: a bar per configuration with a throughput, measured and published."""
    panels = [(b, [r for r in rows if r.benchmark == b and throughput(r)[1] is not None]) for b in benchmarks]
    panels = [(b, members) for b, members in panels if members]
    if not panels:
        return None
    height = sum(max(1.2, 0.35 * len(members) + 0.8) for _, members in panels)
    fig = Figure(figsize=(10, height))  # no pyplot: perfkit.report.plots
    axes = fig.subplots(len(panels), 1, squeeze=False)
    for ax, (benchmark, members) in zip(axes[:, 0], panels, strict=False):
        labels = [bar_label(r) for r in members]
        values = [throughput(r)[1] for r in members]
        keys = [throughput(r)[0] for r in members]
        bars = ax.barh(range(len(members)), values, color=[COLORS.get(r.source, "#888888") for r in members])
        ax.set_yticks(range(len(members)), labels)
        ax.invert_yaxis()
        for bar, key in zip(bars, keys, strict=False):
            ax.annotate(f" {bar.get_width():.4g} {key}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                        va="center", fontsize=8)
        ax.set_title(f"{benchmark}: throughput, samples/s")
        ax.margins(x=0.25)
    fig.tight_layout()
    return fig


def overlaid_curves(runs: list[tuple[str, RunResult]], benchmarks: list[str]):
    """Per benchmark: training loss per step and evaluation quality per sample, every run overlaid."""
    panels = [(b, [(rid, r) for rid, r in runs if r.benchmark == b and (r.curves.get("loss") or r.curves.get("eval"))])
              for b in benchmarks]
    panels = [(b, members) for b, members in panels if members]
    if not panels:
        return None
    fig = Figure(figsize=(11, 3.4 * len(panels)))
    axes = fig.subplots(len(panels), 2, squeeze=False)
    for (left, right), (benchmark, members) in zip(axes, panels, strict=False):
        for rid, r in members:
            loss = [v for v in r.curves.get("loss") or [] if v is not None]
            if loss:
                left.plot(range(1, len(loss) + 1), loss, linewidth=1, label=rid)
            evals = r.curves.get("eval") or []
            if evals:
                right.plot([e["samples"] for e in evals], [e["quality"] for e in evals], marker="o", label=rid)
        left.set_title(f"{benchmark}: training loss")
        left.set_xlabel("optimizer step")
        right.set_title(f"{benchmark}: evaluation")
        right.set_xlabel("training samples (global)")
        for ax in (left, right):
            if ax.lines:
                ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
