"""Collectives over torch.distributed: ``all_reduce`` and ``all_gather``, reported as nccl-tests
reports them (NVIDIA/nccl-tests, doc/PERFORMANCE.md):

* algbw = S / t, S the size of the operation in bytes (all_reduce: the buffer every rank holds;
  all_gather: the gathered output, per-rank size × n), t the time of one operation;
* busbw = algbw × 2(n−1)/n for all_reduce, algbw × (n−1)/n for all_gather, n the ranks, so that
  the figure can be held against the hardware's link bandwidth whatever n is.

GB/s = 1e9 bytes per second. Run inside an initialized process group (gloo on the CPU, nccl on
NVIDIA; the vendor adapter's ``dist_backend``); every rank calls ``run_collective``. A repeat's
time is the slowest rank's (an all_reduce MAX of the per-rank times), as the operation is not
done before its last rank is.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import replace

import torch
import torch.distributed as dist

from perfkit.specs.result import CaseRefused, Measured
from perfkit.specs.timing import Budget, Timing, time_calls
from perfkit.specs.timing import measured as summarize
from perfkit.vendors.base import VendorAdapter

OPERATIONS = ("all_reduce", "all_gather")
DEFAULT_BYTES = 256 << 20


def algbw(size_bytes: float, seconds: float) -> float:
    """Algorithm bandwidth in bytes per second: S / t."""
    if seconds <= 0:
        raise ValueError(f"time must be positive (got {seconds})")
    return size_bytes / seconds


def busbw_factor(operation: str, ranks: int) -> float:
    """nccl-tests' correction from algbw to busbw: 2(n−1)/n for all_reduce, (n−1)/n for all_gather."""
    if ranks < 1:
        raise ValueError(f"ranks must be at least 1 (got {ranks})")
    if operation == "all_reduce":
        return 2.0 * (ranks - 1) / ranks
    if operation == "all_gather":
        return (ranks - 1) / ranks
    raise ValueError(f"unknown collective '{operation}'; allowed: {', '.join(OPERATIONS)}")


def busbw(operation: str, algbw_value: float, ranks: int) -> float:
    """Bus bandwidth: algbw × busbw_factor(operation, ranks)."""
    return algbw_value * busbw_factor(operation, ranks)


def operation_bytes(operation: str, per_rank_bytes: int, ranks: int) -> int:
    """S of nccl-tests: the all_reduce buffer, or the whole all_gather output (per rank × n)."""
    return per_rank_bytes * ranks if operation == "all_gather" else per_rank_bytes


def run_collective(vendor: VendorAdapter, operation: str = "all_reduce", size_bytes: int = DEFAULT_BYTES,
                   budget: Budget | None = None, local_rank: int = 0) -> Measured:
    """busbw (GB/s) of ``operation`` on float32 buffers of ``size_bytes`` per rank; algbw, n and
    the bytes are in ``params``. Every rank of the initialized group must call it."""
    if operation not in OPERATIONS:
        raise CaseRefused(f"collective: unknown operation '{operation}'; allowed: {', '.join(OPERATIONS)}")
    if not dist.is_available() or not dist.is_initialized():
        raise CaseRefused(f"{operation}: needs an initialized torch.distributed process group "
                          f"(backend {vendor.dist_backend} for vendor {vendor.name})")
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or size_bytes < 4:
        raise CaseRefused(f"{operation}: size_bytes must be an integer of at least 4 (got {size_bytes!r})")
    budget = budget or Budget()
    ranks = dist.get_world_size()
    device = vendor.device(local_rank)
    count = size_bytes // 4
    send = torch.ones(count, dtype=torch.float32, device=device)
    if operation == "all_reduce":
        def call() -> None:
            dist.all_reduce(send)
    else:
        gathered = torch.empty(count * ranks, dtype=torch.float32, device=device)

        def call() -> None:
            _gather_op()(gathered, send)
    dist.barrier()
    timing = time_calls(call, vendor.create_event, vendor.synchronize, budget, operation,
                        agree=lambda value: _group_max(value, device))
    slowest = _slowest(timing, device)
    size = operation_bytes(operation, count * 4, ranks)
    alg = [algbw(size, t) / 1e9 for t in slowest.seconds_per_call]
    bus = [busbw(operation, a, ranks) for a in alg]
    result = summarize(operation, f"{ranks} ranks", bus, "GB/s",
                       f"torch.distributed.{'all_reduce' if operation == 'all_reduce' else _gather_op().__name__} "
                       f"({vendor.dist_backend}) of {count * 4} bytes per rank over {ranks} ranks; "
                       f"algbw = S/t with S = {size} bytes, busbw = algbw x "
                       f"{'2(n-1)/n' if operation == 'all_reduce' else '(n-1)/n'} (nccl-tests); "
                       "t = the slowest rank's time", {"ranks": ranks, "bytes_per_rank": count * 4,
                                                       "operation_bytes": size, "backend": dist.get_backend(),
                                                       "warmup": budget.warmup, "min_seconds": budget.min_seconds},
                       slowest)
    return replace(result, params={**result.params, "algbw_gb_s": statistics.median(alg)})


def _gather_op() -> Callable[..., object]:
    """The one-tensor all_gather: ``all_gather_single`` where torch has it (2.13 deprecates
    ``all_gather_into_tensor``), else ``all_gather_into_tensor``."""
    return getattr(dist, "all_gather_single", None) or dist.all_gather_into_tensor


def _group_max(value: int, device: torch.device) -> int:
    """The largest of every rank's ``value``."""
    box = torch.tensor([value], dtype=torch.int64, device=device)
    dist.all_reduce(box, op=dist.ReduceOp.MAX)
    return int(box.item())


def _slowest(timing: Timing, device: torch.device) -> Timing:
    """Each repeat's time, the slowest rank's (all ranks ran the same repeats: time_calls agreed)."""
    times = torch.tensor(timing.seconds_per_call, dtype=torch.float64, device=device)
    dist.all_reduce(times, op=dist.ReduceOp.MAX)
    return Timing([float(t) for t in times.tolist()], timing.calls_per_repeat)


def _local_rank_main(rank: int, ranks: int, init_file: str, vendor_name: str, operation: str, size_bytes: int,
                     budget: Budget, results: object) -> None:
    """One process of ``run_local_group``: join the group, run the case, rank 0 reports."""
    from perfkit.vendors import get_vendor

    vendor = get_vendor(vendor_name)
    dist.init_process_group(vendor.dist_backend, init_method=f"file://{init_file}", rank=rank, world_size=ranks)
    try:
        result = run_collective(vendor, operation, size_bytes, budget, local_rank=rank)
        if rank == 0:
            results.put(result)  # type: ignore[attr-defined]
    finally:
        dist.destroy_process_group()


def run_local_group(vendor_name: str = "cpu", operation: str = "all_reduce", ranks: int = 2,
                    size_bytes: int = DEFAULT_BYTES, budget: Budget | None = None) -> Measured:
    """``operation`` over ``ranks`` processes on this node (torch.multiprocessing, spawn),
    rendezvous through a file in a private temporary folder; rank 0's result."""
    import tempfile

    import torch.multiprocessing as mp

    if isinstance(ranks, bool) or not isinstance(ranks, int) or not 2 <= ranks <= 64:
        raise CaseRefused(f"{operation}: ranks must be an integer from 2 to 64 (got {ranks!r})")
    context = mp.get_context("spawn")
    results = context.SimpleQueue()
    with tempfile.TemporaryDirectory(prefix="perfkit-collective-") as folder:
        mp.start_processes(_local_rank_main, args=(ranks, f"{folder}/rendezvous", vendor_name, operation, size_bytes,
                                                   budget or Budget(), results),
                           nprocs=ranks, join=True, start_method="spawn")
    if results.empty():
        raise CaseRefused(f"{operation}: rank 0 returned no result")
    return results.get()
