"""One timestamped reading of every open source, and the fields a reading may carry.

Device fields are node totals or aggregates over the cards the process can see: power and
memory summed, utilization and SM clock averaged, temperature the hottest card.
``cpu_energy_j`` is the RAPL package energy since the sampler started (wrap-arounds unfolded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# (column, unit, what it is)
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("cpu_percent", "%", "host CPU utilization, all cores"),
    ("rss_mib", "MiB", "resident memory of this process"),
    ("power_w", "W", "accelerator board power, sum over visible cards"),
    ("gpu_util_percent", "%", "accelerator utilization, mean over visible cards"),
    ("gpu_mem_used_mib", "MiB", "accelerator memory used, sum over visible cards"),
    ("temperature_c", "°C", "accelerator temperature, hottest card"),
    ("sm_clock_mhz", "MHz", "accelerator SM/core clock, mean over visible cards"),
    ("cpu_energy_j", "J", "CPU package energy (RAPL) since the sampler started"),
)
COLUMNS: tuple[str, ...] = ("t",) + tuple(name for name, _, _ in FIELDS)
UNITS: dict[str, str] = {name: unit for name, unit, _ in FIELDS}


@dataclass(frozen=True)
class Sample:
    """``t``: seconds since the session started; ``values``: field -> reading (absent = not read)."""

    t: float
    values: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> float | None:
        return self.values.get(name)
