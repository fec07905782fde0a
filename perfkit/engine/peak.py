"""The peak FLOP/s that MFU is measured against, for the run's precision, and where it came from.

Declared in the hardware file (``peak_tflops``: the vendor's datasheet, dense) when it states
one: source ``datasheet (<hardware name>, hardware file)``. Otherwise an achievable peak
measured on this machine by a square GEMM microbenchmark, with repeats: the figure is the best
repeat, its spread the coefficient of variation of the repeats; source ``measured on <date>,
spread <x>%``.

One peak per machine and dtype: every run of this machine uses the same denominator, so the
MFU of repeats of one configuration is comparable. The measurement is cached in
``<data>/cache/peak_tflops.json``, keyed by host name, device, accelerator, threads and dtype,
and reused until the software changes (torch, CUDA/HIP runtime, driver, perfkit version); an
entry from before these rules (no spread recorded) is measured again.

A measurement is *unclean* when its spread is above ``MAX_SPREAD`` (5 %) or other work loaded
the machine meanwhile (the CPU time other processes used, as a share of all cores, above
``MAX_OTHER_LOAD``, 25 %; perfkit.telemetry.host). An unclean measurement is repeated, up to
``ATTEMPTS`` times in all, stopping at the first clean one; if none is clean the highest figure
is cached all the same (a per-run figure would give every repeat its own denominator) and its
source says so, so that ``perfkit bench peak`` on a quiet machine replaces it.
``perfkit bench peak`` measures again on purpose: a clean figure replaces an unclean one, and
of two clean figures the higher is kept.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from perfkit import __version__, paths
from perfkit.errors import UserError
from perfkit.files.reading import JSON_LIMIT, read_text_bounded
from perfkit.params.hardware import HardwareSpec
from perfkit.results.store import write_json_atomic
from perfkit.specs import gemm
from perfkit.specs.timing import Budget, rates, spread, synced_host_events, time_calls
from perfkit.telemetry.host import other_load, system_busy_seconds, tree_cpu_seconds

CACHE_FILE = "peak_tflops.json"
MAX_SPREAD = 0.05
MAX_OTHER_LOAD = 0.25
REPEATS = 7
ATTEMPTS = 3  # measurements in all before an unclean figure is cached as it is
_SPEC_DTYPE = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16", torch.float64: "fp64"}


@dataclass(frozen=True)
class PeakFlops:
    tflops: float | None
    source: str  # "datasheet (…)", "measured on <date>, spread x%[; not cached: …]" or "none"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class GemmMeasurement:
    """One GEMM peak measurement: best repeat, spread, and the conditions it was taken in."""

    tflops: float
    spread: float  # coefficient of variation of the repeats' rates
    repeats: int
    measured_at: str  # ISO 8601, UTC
    other_load: float  # CPU share other processes used meanwhile (0..1 of all cores)
    software: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> GemmMeasurement | None:
        """A cached entry, or None for one in an older or damaged format."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(float(data["tflops"]), float(data["spread"]), int(data["repeats"]), str(data["measured_at"]),
                       float(data["other_load"]), {str(k): str(v) for k, v in dict(data["software"]).items()})
        except (KeyError, TypeError, ValueError):
            return None

    def source(self) -> str:
        return f"measured on {self.measured_at[:10]}, spread {self.spread:.1%}"


def declared_peak(hardware: HardwareSpec, precision: str) -> float | None:
    """The hardware file's peak for this precision (amp: the fp16 one), if it states one."""
    peaks = hardware.peak_tflops
    return peaks.get(precision) or (peaks.get("fp16") if precision == "amp" else None)


def datasheet_source(hardware: HardwareSpec) -> str:
    return f"datasheet ({hardware.name}, hardware file)"


def software_versions(device: torch.device) -> dict[str, str]:
    """What a cached peak depends on besides the machine: a change means measure again."""
    versions = {"torch": torch.__version__, "perfkit": __version__}
    if device.type == "cuda":
        versions["runtime"] = f"cuda {torch.version.cuda}" if torch.version.cuda else f"hip {torch.version.hip}"
        versions["driver"] = _nvidia_driver()
    return versions


def _nvidia_driver() -> str:
    if torch.version.cuda is None:
        return ""
    from perfkit.vendors.nvidia import NvidiaVendor

    return NvidiaVendor().driver_version()


def gemm_rates(device: torch.device, dtype: torch.dtype, sync: Callable[[], None], repeats: int = REPEATS,
               seconds: float = 0.05) -> list[float]:
    """TFLOP/s of each repeat of n x n matrix products (n=1024 on a CPU, 8192 on an accelerator),
    timed by the spec gemm case's loop (perfkit.specs.timing); a repeat queues enough products to
    last about ``seconds`` and syncs once at its end (the host clock after a sync: the callers
    give a sync, not an event factory)."""
    n = 1024 if device.type == "cpu" else 8192
    call = gemm.product(_SPEC_DTYPE[dtype], device, n, n, n)
    budget = Budget(warmup=1, min_seconds=seconds * repeats, repeats=repeats, timeout_s=3600.0)
    timing = time_calls(call, synced_host_events(sync), sync, budget, "GEMM peak")
    return [r / 1e12 for r in rates(gemm.gemm_flops(n, n, n), timing)]


def gemm_measurement(device: torch.device, dtype: torch.dtype, sync: Callable[[], None]) -> GemmMeasurement:
    """Measure the GEMM peak with repeats, and how busy the rest of the machine was meanwhile."""
    busy0, own0 = system_busy_seconds(), tree_cpu_seconds()
    wall0 = time.perf_counter()
    rates = gemm_rates(device, dtype, sync)
    busy1, own1 = system_busy_seconds(), tree_cpu_seconds()
    load = other_load(busy1 - busy0, own1 - own0, time.perf_counter() - wall0, os.cpu_count() or 1)
    return GemmMeasurement(
        tflops=max(rates), spread=spread(rates), repeats=len(rates),
        measured_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        other_load=load, software=software_versions(device),
    )


def why_unclean(m: GemmMeasurement) -> str | None:
    """Why this measurement is not a clean peak (unstable, or a busy machine), or None."""
    if m.spread > MAX_SPREAD:
        return f"unstable (spread {m.spread:.1%} > {MAX_SPREAD:.0%})"
    if m.other_load > MAX_OTHER_LOAD:
        return f"machine busy (other processes used {m.other_load:.0%} of the CPUs > {MAX_OTHER_LOAD:.0%})"
    return None


def why_remeasure(cached: GemmMeasurement | None, software: dict[str, str]) -> str | None:
    """Why a cached entry cannot be used now, or None when it can (an unclean one included: one
    denominator per machine and dtype; `perfkit bench peak` replaces it)."""
    if cached is None:
        return "no valid cached measurement"
    if cached.software != software:
        changed = sorted(k for k in set(cached.software) | set(software) if cached.software.get(k) != software.get(k))
        return f"software changed since ({', '.join(changed)})"
    return None


def source_of(m: GemmMeasurement) -> str:
    """The cached figure's source: its date and spread, and what was wrong with it if anything."""
    problem = why_unclean(m)
    return m.source() + (f"; {problem}: run `perfkit bench peak` on a quiet machine" if problem else "")


def measure_until_clean(device: torch.device, dtype: torch.dtype, sync: Callable[[], None],
                        attempts: int = ATTEMPTS) -> GemmMeasurement:
    """The first clean measurement of up to ``attempts``; the highest figure if none is clean."""
    seen = []
    for _ in range(attempts):
        m = gemm_measurement(device, dtype, sync)
        if why_unclean(m) is None:
            return m
        seen.append(m)
    return max(seen, key=lambda m: m.tflops)


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
    """The cached GEMM peak of this machine and dtype while the software is unchanged; otherwise
    measured now (repeated while unclean) and cached. ``remeasure`` (`perfkit bench peak`)
    measures in any case: a clean figure replaces an unclean one, of two clean ones the higher
    is kept."""
    cache = (cache_dir or paths.data_cache_dir() / "cache") / CACHE_FILE
    key = cache_key(device, accelerator, dtype)
    try:  # a regular file of bounded size only; anything else is no cache
        known = json.loads(read_text_bounded(cache, JSON_LIMIT, UserError)) if cache.is_file() else {}
    except (ValueError, RecursionError, UserError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    cached = GemmMeasurement.from_dict(known.get(key))
    valid = cached if why_remeasure(cached, software_versions(device)) is None else None
    if valid is not None and not remeasure:
        return PeakFlops(valid.tflops, source_of(valid))
    fresh = measure_until_clean(device, dtype, sync)
    keep = fresh
    if valid is not None:
        valid_clean, fresh_clean = why_unclean(valid) is None, why_unclean(fresh) is None
        if (valid_clean and not fresh_clean) or (valid_clean == fresh_clean and valid.tflops > fresh.tflops):
            keep = valid
    try:  # under the data folder, no link followed, only a regular file replaced
        write_json_atomic(cache, {**known, key: keep.to_dict()}, root=cache_dir or paths.data_cache_dir())
    except UserError as exc:
        return PeakFlops(keep.tflops, f"{source_of(keep)}; not cached: {exc}")
    return PeakFlops(keep.tflops, source_of(keep))


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
        return PeakFlops(declared, datasheet_source(hardware))
    return measured_peak(device, accelerator, dtype, sync, cache_dir)
