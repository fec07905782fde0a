"""Host CPU utilization and this process's resident memory (psutil)."""

from __future__ import annotations

import psutil


class HostSource:
    name = "host"
    provides_power = False
    provides_energy = False

    def __init__(self) -> None:
        self._process = psutil.Process()
        psutil.cpu_percent(interval=None)  # the first call only starts psutil's interval

    def read(self) -> dict[str, float]:
        return {
            "cpu_percent": float(psutil.cpu_percent(interval=None)),
            "rss_mib": self._process.memory_info().rss / 2**20,
        }

    def close(self) -> None:
        return None
