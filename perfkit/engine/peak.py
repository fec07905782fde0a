"""The peak FLOP/s that MFU is measured against, for the run's precision.

Declared in the hardware file (``peak_tflops``: the vendor's datasheet) when it states one;
otherwise an achievable peak measured on this machine by a square GEMM microbenchmark and
cached in ``<data>/cache/peak_tflops.json``, keyed by machine, device, threads and dtype, so a
machine pays for the measurement once.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from perfkit import paths
from perfkit.params.hardware import HardwareSpec
from perfkit.results.store import write_json_atomic

CACHE_FILE = "peak_tflops.json"


@dataclass(frozen=True)
class PeakFlops:
    tflops: float | None
    source: str  # "hardware file", "measured", "measured (cached)" or "none"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def declared_peak(hardware: HardwareSpec, precision: str) -> float | None:
    """The hardware file's peak for this precision (amp: the fp16 one), if it states one."""
    peaks = hardware.peak_tflops
    return peaks.get(precision) or (peaks.get("fp16") if precision == "amp" else None)


def gemm_tflops(device: torch.device, dtype: torch.dtype, sync: Callable[[], None], seconds: float = 0.3) -> float:
    """Best TFLOP/s of n x n matrix products (n=1024 on a CPU, 8192 on an accelerator)."""
    n = 1024 if device.type == "cpu" else 8192
    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    for _ in range(2):
        torch.mm(a, b)
    sync()
    best = float("inf")
    spent = 0.0
    reps = 0
    while reps < 3 or spent < seconds:
        start = time.perf_counter()
        torch.mm(a, b)
        sync()
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        reps += 1
    return 2.0 * n**3 / best / 1e12


def cache_key(device: torch.device, accelerator: str, dtype: torch.dtype) -> str:
    threads = torch.get_num_threads() if device.type == "cpu" else 0
    return f"{platform.node()}|{device.type}|{accelerator}|threads={threads}|{str(dtype).removeprefix('torch.')}"


def measured_peak(
    device: torch.device,
    accelerator: str,
    dtype: torch.dtype,
    sync: Callable[[], None],
    cache_dir: Path | None = None,
    remeasure: bool = False,
) -> PeakFlops:
    """The cached GEMM peak of this machine; measured (and cached) when there is none or when
    ``remeasure`` asks (`perfkit bench peak`), keeping the higher of the old and new figure."""
    cache = (cache_dir or paths.data_cache_dir() / "cache") / CACHE_FILE
    key = cache_key(device, accelerator, dtype)
    try:
        known = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    except ValueError:
        known = {}
    if isinstance(known.get(key), (int, float)) and not remeasure:
        return PeakFlops(float(known[key]), "measured (cached)")
    value = gemm_tflops(device, dtype, sync)
    if remeasure and isinstance(known.get(key), (int, float)):
        value = max(value, float(known[key]))  # an achievable peak: a busy moment only lowers it
    write_json_atomic(cache, {**known, key: value})
    return PeakFlops(value, "measured")


def peak_flops(
    hardware: HardwareSpec,
    precision: str,
    dtype: torch.dtype,
    device: torch.device,
    accelerator: str,
    sync: Callable[[], None],
    cache_dir: Path | None = None,
) -> PeakFlops:
    """The hardware file's peak for ``precision``, else the measured (cached) GEMM peak."""
    declared = declared_peak(hardware, precision)
    if declared:
        return PeakFlops(declared, "hardware file")
    return measured_peak(device, accelerator, dtype, sync, cache_dir)
