"""The telemetry readings inside one window, summarized: what a spec sheet shows per case.

Pure arithmetic on the samples (perfkit.telemetry.samples): for each field the readings whose
time lies in the window. Power: average, maximum and population standard deviation of the
readings (W; the readings' own mean, not the integrated energy of perfkit.telemetry.energy);
temperature, accelerator memory and process memory: the maximum; host CPU: the average. A field
with no reading in the window is None (never a guess); ``readings`` counts the samples inside.
The device fields are what the sources give: node totals or aggregates over the visible cards
(power and memory summed, temperature the hottest card).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

from perfkit.telemetry.energy import Window
from perfkit.telemetry.samples import Sample


def _inside(samples: Sequence[Sample], window: Window, name: str) -> list[float]:
    return [s.values[name] for s in samples
            if window.start <= s.t <= window.end and s.values.get(name) is not None and math.isfinite(s.values[name])]


def window_readings(samples: Sequence[Sample], window: Window) -> dict[str, Any]:
    """``readings``, ``power_avg_w``, ``power_max_w``, ``power_std_w``, ``temperature_max_c``,
    ``device_memory_max_mib``, ``cpu_percent_avg``, ``rss_max_mib`` over ``window``."""
    power = _inside(samples, window, "power_w")
    temperature = _inside(samples, window, "temperature_c")
    device_memory = _inside(samples, window, "gpu_mem_used_mib")
    cpu = _inside(samples, window, "cpu_percent")
    rss = _inside(samples, window, "rss_mib")
    return {
        "readings": sum(1 for s in samples if window.start <= s.t <= window.end),
        "power_avg_w": statistics.fmean(power) if power else None,
        "power_max_w": max(power) if power else None,
        "power_std_w": statistics.pstdev(power) if power else None,
        "temperature_max_c": max(temperature) if temperature else None,
        "device_memory_max_mib": max(device_memory) if device_memory else None,
        "cpu_percent_avg": statistics.fmean(cpu) if cpu else None,
        "rss_max_mib": max(rss) if rss else None,
    }
