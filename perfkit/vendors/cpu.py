"""The embedded default: run on the host CPU.

Memory: peak resident set size of this process over total RAM. The kernel only keeps one
high-water mark per process (ru_maxrss), so "reset" records the current value and peaks are
reported as that high-water mark: an honest upper bound of what the run used.
"""

from __future__ import annotations

import os
import platform
import resource
from typing import Any

import psutil
import torch

from perfkit.vendors.base import VendorAdapter


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
        return None

    def peak_memory_bytes(self) -> int:
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
