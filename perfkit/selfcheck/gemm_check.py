"""`perfkit bench gemm`: does the spec gemm case measure what a plain ``torch.mm`` loop measures?

In one process, ``pairs`` times: the gemm case (perfkit.specs.gemm: device events, repeats,
median) and a hand-written loop (``torch.mm`` ``calls`` times between two host-clock readings,
the device synchronized before and after), back to back, the order alternating from pair to
pair so neither always runs on a warmer device. Both use the same dtype and M=N=K. Printed: each
pair, the median of each side and the median of the pairs' ratios (case / hand loop); the goal
is within ±5 %.
Nothing here is a test threshold.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch

from perfkit.specs import gemm
from perfkit.specs.result import CaseRefused
from perfkit.specs.timing import Budget
from perfkit.vendors.base import VendorAdapter

MM_DTYPES = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16,
             "bf16": torch.bfloat16}
GOAL = 0.05


@dataclass(frozen=True)
class GemmPair:
    case_tflops: float
    hand_tflops: float


def hand_loop_tflops(vendor: VendorAdapter, dtype: str, n: int, seconds: float) -> float:
    """TFLOP/s of a plain loop: ``torch.mm`` of two n×n matrices, timed on the host clock with a
    device sync before and after; as many products as fill about ``seconds``."""
    device = vendor.device(0)
    a = torch.randn(n, n, device=device).to(MM_DTYPES[dtype])
    b = torch.randn(n, n, device=device).to(MM_DTYPES[dtype])
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    try:
        torch.mm(a, b)
        vendor.synchronize()
        start = time.perf_counter()
        torch.mm(a, b)
        vendor.synchronize()
        calls = max(1, int(seconds / max(time.perf_counter() - start, 1e-9)))
        start = time.perf_counter()
        for _ in range(calls):
            torch.mm(a, b)
        vendor.synchronize()
        elapsed = time.perf_counter() - start
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before
    return 2.0 * n**3 * calls / elapsed / 1e12


def measure(vendor: VendorAdapter, dtype: str, n: int, pairs: int = 5, seconds: float = 0.5) -> list[GemmPair]:
    """``pairs`` interleaved (case, hand loop) measurements."""
    if dtype not in MM_DTYPES:
        raise CaseRefused(f"bench gemm: the hand loop is torch.mm, so dtype must be one of {', '.join(MM_DTYPES)} "
                          f"(got '{dtype}')")
    if pairs < 1:
        raise CaseRefused(f"bench gemm: --pairs must be at least 1 (got {pairs})")
    budget = Budget(warmup=2, min_seconds=seconds, repeats=3)
    out = []
    for index in range(pairs):
        def case() -> float:
            return gemm.run_gemm(vendor, dtype, n, n, n, budget).value

        def hand() -> float:
            return hand_loop_tflops(vendor, dtype, n, seconds)

        if index % 2 == 0:
            c = case()
            h = hand()
        else:
            h = hand()
            c = case()
        out.append(GemmPair(c, h))
    return out


def pair_ratio(pairs: list[GemmPair]) -> float:
    """The median of each pair's case / hand-loop ratio: the two sides of a pair ran back to back,
    so a slow spell of the machine moves both and cancels in the ratio (a ratio of the two
    medians would mix pairs from different moments)."""
    return statistics.median(p.case_tflops / p.hand_tflops for p in pairs)


def report(vendor: VendorAdapter, dtype: str, n: int, pairs: list[GemmPair]) -> str:
    case = statistics.median(p.case_tflops for p in pairs)
    hand = statistics.median(p.hand_tflops for p in pairs)
    ratio = pair_ratio(pairs)
    lines = [f"GEMM {dtype}, M=N=K={n}, on {vendor.name} ({vendor.device(0)}): {len(pairs)} interleaved pairs"]
    lines += [f"  pair {i + 1}: case {p.case_tflops:.4g} TFLOP/s, hand torch.mm loop {p.hand_tflops:.4g} TFLOP/s"
              for i, p in enumerate(pairs)]
    verdict = "within" if abs(ratio - 1) <= GOAL else "OUTSIDE"
    lines.append(f"  median: case {case:.4g} TFLOP/s, hand loop {hand:.4g} TFLOP/s; case / hand loop, median of the "
                 f"pairs' ratios: {ratio:.3f} ({verdict} the ±{GOAL:.0%} goal)")
    return "\n".join(lines)
