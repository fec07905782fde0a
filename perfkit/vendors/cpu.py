"""The embedded default: run on the host CPU.

Memory: peak resident set size of this process over total RAM, since the loop's reset. On
Linux the reset sets the process's high-water mark back to its resident size now (writing "5"
to /proc/self/clear_refs) and the peak is read back from /proc/self/status (VmHWM): what the
process held before the loop (the run's checks building or scanning a dataset in the same
kernel, say) does not count, as on a card (torch.cuda.reset_peak_memory_stats). Where either
is not possible the peak is the process's lifetime high-water mark (ru_maxrss): an upper bound
of what the run used.
"""

from __future__ import annotations

import os
import platform
import resource
from typing import Any

import psutil
import torch

from perfkit.vendors.base import VendorAdapter

CLEAR_REFS = "/proc/self/clear_refs"
RESET_HIGH_WATER_MARK = "5"  # proc(5): reset the peak resident set size to the current one
STATUS = "/proc/self/status"


def _status_kib(field: str) -> int | None:
    """A "kB" field of /proc/self/status, or None where there is none."""
    try:
        with open(STATUS, encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class CpuVendor(VendorAdapter):
    name = "cpu"
    dist_backend = "gloo"
    precisions = frozenset({"fp32", "bf16", "amp"})

    def check_available(self) -> None:
        return None

    def device(self, local_rank: int = 0) -> torch.device:
        return torch.device("cpu")

    def synchronize(self) -> None:
        return None

    def reset_peak_memory(self) -> None:
        try:
            with open(CLEAR_REFS, "w", encoding="ascii") as handle:
                handle.write(RESET_HIGH_WATER_MARK)
        except OSError:  # not Linux, or not allowed: the lifetime high-water mark stands
            pass

    def peak_memory_bytes(self) -> int:
        high_water = _status_kib("VmHWM")
        if high_water is not None:
            return high_water * 1024
        # ru_maxrss is KiB on Linux, bytes on macOS.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if platform.system() == "Darwin" else peak * 1024)

    def total_memory_bytes(self) -> int:
        return int(psutil.virtual_memory().total)

    def device_count(self) -> int:
        # One "card" per process; more processes than cores only slows the run.
        return os.cpu_count() or 1

    def environment(self) -> dict[str, Any]:
        return {
            "accelerator": _cpu_model(),
            "accelerator_count": os.cpu_count(),
            "driver": "",
            "sdk": f"torch {torch.__version__} (CPU, {torch.get_num_threads()} threads)",
            "smi": "",
        }

    def telemetry_sources(self) -> tuple[str, ...]:
        return ("host", "rapl")

    def memory_kind(self) -> str:
        return "peak resident memory of the process / RAM"
