"""Loss and evaluation curves of a run (matplotlib; embedded as SVG images in notebooks and HTML).

Side-by-side panels are separate figures laid out by ``figures_html``, so that a narrow
screen stacks them instead of shrinking one wide image.

A run report's figures have fixed margins (``set_margins``), in inches, instead of one of
matplotlib's layout engines: ``tight_layout`` and the constrained layout measure every text by
drawing the figure once more, which cost a run report ~0.2 s; the figures' sizes and texts are
known, so are their margins.

They are ``matplotlib.figure.Figure`` objects, made without pyplot: no global figure list to
close them from, no interactive backend chosen and loaded, nothing shown twice by the notebook's
inline backend; the summary page's figures are made the same way."""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

PX_PER_INCH = 96  # an SVG figure's own size in CSS pixels: an inch of figsize is 96 px
IMAGE_DATA = "data:image/svg+xml;base64,"  # how every figure is embedded


def _smooth(values: list[float], window: int) -> np.ndarray:
    if len(values) < window or window < 2:
        return np.asarray(values, dtype=float)
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def set_margins(fig, left: float = 0.75, right: float = 0.15, top: float = 0.35, bottom: float = 0.55) -> None:  # noqa: ANN001
    """Place the axes ``left``/``right``/``top``/``bottom`` inches from the figure's edges: room
    for tick labels, axis labels and a title at the default font sizes."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height)


def figures_html(figures: list, alt: list[str]) -> str:
    """Figures side by side on a wide page, one column on a narrow one (the report template's
    ``perfkit-figs`` rule): each an inline SVG image, so the page stays offline.

    SVG, with its texts as text (``svg.fonttype: none``, drawn in the reader's sans-serif font):
    sharp at any zoom and in print, about half the bytes of the PNG, and ~40 % less time to make
    (no rasterizing, no glyph outlines), which counted in every run report."""
    images = []
    for fig, text in zip(figures, alt, strict=False):
        buffer = io.BytesIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "perfkit"}):
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        images.append(f'<img alt="{html.escape(text, quote=True)}" src="{IMAGE_DATA}{data}">')
    return f'<div class="perfkit-figs">{"".join(images)}</div>'


def figure_html(fig, alt: str, note: str = "") -> str:  # noqa: ANN001
    """One figure as an inline SVG image (``figures_html``), no wider than it was drawn, with its
    caption below it (escaped; none when ``note`` is empty)."""
    width = round(fig.get_size_inches()[0] * PX_PER_INCH)
    caption_html = f'<p style="font-size:13px;color:#444">{html.escape(note)}</p>' if note else ""
    return f'<div style="max-width:{width}px">{figures_html([fig], [alt])}{caption_html}</div>'


def training_curves(result: RunResult, quality_metric: str = "acc") -> list:
    """Two figures: training loss per step (raw and smoothed), evaluation quality vs samples."""
    left_fig, right_fig = Figure(figsize=(5.5, 3.6)), Figure(figsize=(5.5, 3.6))
    left, right = left_fig.subplots(), right_fig.subplots()
    loss = [v for v in result.curves.get("loss", []) if v is not None]
    if loss:
        steps = np.arange(1, len(loss) + 1)
        window = len(loss) // 20
        if window >= 2:  # a running mean of one step would be the raw line again
            left.plot(steps, loss, color="#bbbbbb", linewidth=0.8, label="loss")
            smooth = _smooth(loss, window)
            left.plot(steps[len(steps) - len(smooth):], smooth, color="#1f77b4", label=f"mean of {window}")
            left.legend(loc="upper right")  # a fixed place: "best" tests every data point
        else:
            left.plot(steps, loss, color="#1f77b4", linewidth=1.0)
    left.set_xlabel("optimizer step")
    left.set_ylabel("training loss")
    left.set_title("loss")
    evals = result.curves.get("eval", [])
    if evals:
        right.plot([e["samples"] for e in evals], [e["quality"] for e in evals], marker="o", label=quality_metric)
        target = result.metrics.get(vocab.TARGET)
        if target is not None:
            right.axhline(target, color="#d62728", linestyle="--", linewidth=1, label=f"target {target:g}")
        right.legend()  # "best": a few evaluation points are cheap to avoid
    right.set_xlabel("training samples (global)")
    right.set_ylabel(quality_metric)
    right.set_title("evaluation")
    set_margins(left_fig)
    set_margins(right_fig)
    return [left_fig, right_fig]


def latency_curve(result: RunResult):
    """Per-batch engine latency of the inference pass (and the validation pass), in ms."""
    fig = Figure(figsize=(11, 3.4))
    ax = fig.subplots()
    for key, label, color in (("val_latency", "validation (framework)", "#bbbbbb"),
                              ("infer_latency", "inference (backend)", "#1f77b4")):
        values = [v * 1e3 for v in result.curves.get(key, []) if v is not None]
        if values:
            ax.plot(np.arange(1, len(values) + 1), values, marker=".", linewidth=0.8, color=color, label=label)
    p50 = result.metrics.get(vocab.LATENCY_P50)
    if p50:
        ax.axhline(p50 * 1e3, color="#d62728", linestyle="--", linewidth=1, label=f"inference p50 {p50 * 1e3:.3g} ms")
    ax.set_xlabel("measured batch (after warm-up)")
    ax.set_ylabel("batch latency, ms")
    ax.set_title("latency per batch")
    ax.legend()
    set_margins(fig)
    return fig
