"""Main memory: copy bandwidth and capacity.

``run_memory_bandwidth``: ``dst.copy_(src)`` of a ``size_bytes`` buffer on the device; every copy
reads and writes the buffer once, so bytes moved = 2 × size, GB/s = bytes moved / seconds / 1e9
(FlagPerf's main_memory-bandwidth counts the same).

``run_memory_capacity``: how much memory a process can hold.

* On the CPU the request (``size_gib``) is bounded by ``max_share`` (default 50 %) of the memory
  psutil reports *available* now, and refused above it, so the case can never take the machine
  down; within the bound it allocates the request in chunks, writes every chunk (so the pages are
  really committed), reports the GiB held and frees everything.
* On an accelerator it allocates chunks of ``chunk_bytes`` until the device's out-of-memory error
  (``torch.OutOfMemoryError``), reports the GiB held before it, and frees everything (and empties
  the caching allocator).
* Both stop at ``timeout_s`` (checked between chunks): everything is freed and the case refused.
``allocate`` and the error types are injectable so the path is tested
  without an accelerator.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable

import psutil
import torch

from perfkit.specs.result import CaseRefused, Measured
from perfkit.specs.timing import Budget, rates, time_calls
from perfkit.specs.timing import measured as summarize
from perfkit.vendors.base import VendorAdapter

GIB = 1 << 30
DEFAULT_BANDWIDTH_BYTES = 1 << 30  # 1 GiB per buffer on an accelerator
MAX_SHARE = 0.5
DEFAULT_CHUNK_BYTES = 256 << 20
MAX_CHUNKS = 1 << 16  # 16 TiB at the default chunk: a device that never runs out is a fault


def _positive_int(name: str, value: object, case: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CaseRefused(f"{case}: {name} must be a positive integer (got {value!r})")
    return value


def run_memory_bandwidth(vendor: VendorAdapter, size_bytes: int = DEFAULT_BANDWIDTH_BYTES,
                         budget: Budget | None = None, local_rank: int = 0) -> Measured:
    """GB/s of ``dst.copy_(src)`` on the vendor's device (bytes moved = 2 × size)."""
    budget = budget or Budget()
    size = _positive_int("size_bytes", size_bytes, "memory_bandwidth")
    device = vendor.device(local_rank)
    src = torch.ones(size, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    timing = time_calls(lambda: dst.copy_(src), vendor.create_event, vendor.synchronize, budget, "memory_bandwidth")
    moved = 2 * size
    return summarize("memory_bandwidth", "copy", [r / 1e9 for r in rates(moved, timing)], "GB/s",
                     f"dst.copy_(src) of {size} bytes on {device}, bytes moved = 2 x size (read + write), "
                     f"timed with {vendor.name} device events",
                     {"size_bytes": size, "bytes_per_call": moved, "warmup": budget.warmup,
                      "min_seconds": budget.min_seconds}, timing)


def cpu_capacity_bound(max_share: float = MAX_SHARE, available: int | None = None) -> int:
    """The most bytes the CPU capacity case may take: ``max_share`` of the available memory."""
    if isinstance(max_share, bool) or not isinstance(max_share, (int, float)) or not 0 < max_share <= 0.9:
        raise CaseRefused(f"memory_capacity: max_share must be in (0, 0.9] (got {max_share})")
    free = psutil.virtual_memory().available if available is None else available
    return int(free * max_share)


def _hold_until(allocate: Callable[[int], object], chunk: int, limit: int | None,
                oom: tuple[type[BaseException], ...], timeout_s: float,
                clock: Callable[[], float] = time.perf_counter) -> tuple[int, bool]:
    """Allocate chunks until ``limit`` bytes (None: until ``oom``); free them all. Returns the
    bytes held at most and whether the out-of-memory error ended it. Past ``timeout_s`` it
    frees everything and refuses."""
    held: list[object] = []
    total, hit_oom = 0, False
    deadline = clock() + timeout_s
    try:
        while len(held) < MAX_CHUNKS:
            if clock() > deadline:
                raise CaseRefused(f"memory_capacity: timeout of {timeout_s:g} s passed after {total / GIB:.2f} GiB; "
                                  "everything freed; give a larger chunk or a longer timeout")
            size = chunk if limit is None else min(chunk, limit - total)
            if size <= 0:
                break
            try:
                held.append(allocate(size))
            except oom:
                hit_oom = True
                break
            total += size
    finally:
        held.clear()
        gc.collect()
    return total, hit_oom


def _touched_cpu_chunk(size: int) -> torch.Tensor:
    return torch.ones(size, dtype=torch.uint8)


def run_memory_capacity(vendor: VendorAdapter, size_gib: float = 1.0, max_share: float = MAX_SHARE,
                        chunk_bytes: int = DEFAULT_CHUNK_BYTES, local_rank: int = 0,
                        allocate: Callable[[int], object] | None = None,
                        oom_errors: tuple[type[BaseException], ...] = (torch.OutOfMemoryError,),
                        available: int | None = None, timeout_s: float = 600.0,
                        clock: Callable[[], float] = time.perf_counter) -> Measured:
    """GiB this process could hold (see the module docstring for the CPU bound and the
    accelerator's allocate-until-OOM); refused past ``timeout_s``, with everything freed."""
    chunk = _positive_int("chunk_bytes", chunk_bytes, "memory_capacity")
    if isinstance(timeout_s, bool) or not isinstance(timeout_s, (int, float)) or not math.isfinite(timeout_s) \
            or timeout_s <= 0:
        raise CaseRefused(f"memory_capacity: timeout_s must be a positive number of seconds (got {timeout_s!r})")
    device = vendor.device(local_rank)
    if device.type == "cpu":
        bound = cpu_capacity_bound(max_share, available)
        if isinstance(size_gib, bool) or not isinstance(size_gib, (int, float)) or not size_gib * GIB > 0:
            raise CaseRefused(f"memory_capacity: size_gib must be positive (got {size_gib})")
        want = size_gib * GIB
        if want > bound:
            raise CaseRefused(f"memory_capacity: {size_gib:g} GiB asked is above the bound of {bound / GIB:.2f} GiB "
                              f"({max_share:.0%} of the memory available now); ask for less")
        total, _ = _hold_until(allocate or _touched_cpu_chunk, chunk, int(want), oom_errors, timeout_s, clock)
        method = (f"allocate and write {chunk}-byte chunks up to the request ({size_gib:g} GiB), bounded by "
                  f"{max_share:.0%} of available memory ({bound / GIB:.2f} GiB), then free")
        params = {"size_gib": size_gib, "max_share": max_share, "bound_bytes": bound, "chunk_bytes": chunk}
    else:
        def on_device(size: int) -> torch.Tensor:
            return torch.empty(size, dtype=torch.uint8, device=device)

        total, hit = _hold_until(allocate or on_device, chunk, None, oom_errors, timeout_s, clock)
        if not hit:
            raise CaseRefused(f"memory_capacity: {device} gave {MAX_CHUNKS} chunks without running out; not a capacity")
        if allocate is None:
            vendor.synchronize()
            if device.type == "cuda":
                torch.cuda.empty_cache()
        method = f"allocate {chunk}-byte chunks on {device} until its out-of-memory error, then free everything"
        params = {"chunk_bytes": chunk}
    gib = total / GIB
    return Measured(case="memory_capacity", variant="", value=gib, unit="GiB", spread=0.0, repeats=1, best=gib,
                    method=method, params=params)
