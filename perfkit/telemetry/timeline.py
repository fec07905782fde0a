"""The run report's telemetry timeline: every sampled field against time, the measured window
shaded. Panels without readings are left out; with no readings at all the figure says why."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from perfkit.telemetry.energy import Window
from perfkit.telemetry.samples import Sample

# (title, unit, [(field, label)])
PANELS = (
    ("power", "W", [("power_w", "accelerator power"), ("cpu_power_w", "CPU package power (RAPL)")]),
    ("utilization", "%", [("gpu_util_percent", "accelerator"), ("cpu_percent", "host CPU")]),
    ("temperature", "°C", [("temperature_c", "accelerator")]),
    ("clock", "MHz", [("sm_clock_mhz", "SM clock")]),
    ("memory", "MiB", [("gpu_mem_used_mib", "accelerator used"), ("rss_mib", "process RSS")]),
)


def _with_rapl_power(samples: Sequence[Sample]) -> list[tuple[float, dict[str, float]]]:
    """Rows of the samples plus ``cpu_power_w``: RAPL energy differences over time differences."""
    rows = [(s.t, dict(s.values)) for s in samples]
    last: tuple[float, float] | None = None
    for t, values in rows:
        energy = values.get("cpu_energy_j")
        if energy is None:
            continue
        if last is not None and t > last[0]:
            values["cpu_power_w"] = (energy - last[1]) / (t - last[0])
        last = (t, energy)
    return rows


def timeline_figure(samples: Sequence[Sample], window: Window | None, label: str = "measured window"):
    rows = _with_rapl_power(samples)
    panels = []
    for title, unit, series in PANELS:
        present = [(key, name) for key, name in series if any(key in values for _, values in rows)]
        if present:
            panels.append((title, unit, present))
    if not panels:
        fig = Figure(figsize=(11, 1.6))  # no pyplot: perfkit.report.plots
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, "no telemetry samples (telemetry off or no source here)", ha="center", va="center")
        return fig
    fig = Figure(figsize=(11, 1.9 * len(panels)))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)
    for ax, (title, unit, series) in zip(axes[:, 0], panels, strict=False):
        for key, name in series:
            points = [(t, values[key]) for t, values in rows if key in values]
            t, v = np.asarray(points, dtype=float).T
            ax.plot(t, v, marker=".", linewidth=1, label=name)
        if window is not None and window.end > window.start:
            ax.axvspan(window.start, window.end, color="#2ca02c", alpha=0.12, label=label)
        ax.set_ylabel(f"{title}, {unit}")
        ax.legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel("seconds since telemetry started")
    axes[0, 0].set_title("telemetry timeline")
    # fixed margins in inches, not tight_layout (which draws every text once more to measure it)
    width, height = fig.get_size_inches()
    panel = (height - 0.9 - 0.15 * (len(panels) - 1)) / len(panels)
    fig.subplots_adjust(left=0.85 / width, right=1 - 0.15 / width, bottom=0.55 / height, top=1 - 0.35 / height,
                        hspace=0.15 / panel)
    return fig
