"""Host CPU utilization and this process's resident memory (psutil), and the host's load over
a run (``HostLoad``: load average and the CPU share of other processes)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

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


# --- host load over a run: how much else the machine was doing -------------------------------


def other_load(system_busy: float, own: float, wall: float, cores: int) -> float:
    """CPU share (0..1 of all cores) that processes other than ours used over ``wall`` seconds,
    from the system-wide busy CPU seconds and our own CPU seconds in that window."""
    if wall <= 0 or cores <= 0:
        return 0.0
    return min(1.0, max(0.0, (system_busy - own) / (wall * cores)))


def system_busy_seconds() -> float:
    """System-wide busy CPU seconds so far (all cores; idle and I/O wait excluded)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def tree_cpu_seconds(process: psutil.Process | None = None) -> float:
    """CPU seconds of a process (default: this one), its reaped children and its live
    descendants (DataLoader workers, launched ranks) so far."""
    process = process or psutil.Process()
    times = process.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in process.children(recursive=True):
        try:
            child_times = child.cpu_times()
        except psutil.Error:  # ended meanwhile: its time is in its parent's children_* once reaped
            continue
        total += child_times.user + child_times.system
    return total


def load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):
        return None


@dataclass
class HostLoad:
    """The host's load over a measured window: the load average (1, 5, 15 min) at its start and
    end, and ``other_cpu_share``, the share of all cores that processes outside this process tree
    used meanwhile (psutil: system busy CPU time minus this tree's, over wall time x cores). On a
    run of several processes started by one launcher, the other ranks are outside the tree of
    the rank that measures and count as other load."""

    wall: float = field(default_factory=time.perf_counter)
    busy: float = field(default_factory=system_busy_seconds)
    own: float = field(default_factory=tree_cpu_seconds)
    loadavg_start: list[float] | None = field(default_factory=load_average)

    def finish(self) -> dict[str, Any]:
        wall = time.perf_counter() - self.wall
        cores = os.cpu_count() or 1
        share = other_load(system_busy_seconds() - self.busy, tree_cpu_seconds() - self.own, wall, cores)
        return {
            "loadavg_start": self.loadavg_start,
            "loadavg_end": load_average(),
            "other_cpu_share": round(share, 4),
            "cpu_count": cores,
            "window_s": round(wall, 3),
        }
