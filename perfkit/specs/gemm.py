"""Compute: square-or-not matrix products in one dtype, FLOPs = 2·M·N·K per product.

The ops, per dtype (stated in each result's ``method``):

* fp64, fp32, fp16, bf16: ``torch.mm`` on tensors of that dtype;
* tf32: ``torch.mm`` on fp32 tensors with ``torch.backends.cuda.matmul.allow_tf32`` on for the
  case (restored after); only a CUDA device has the mode: elsewhere the case is refused;
* int8: ``torch._int_mm`` (int8 × int8 → int32);
* fp8: ``torch._scaled_mm`` on float8_e4m3fn operands (the second column-major), unit scales,
  bf16 output.

Whether the device has a dtype is found by running the op once on 32×32 operands: a device that
raises is refused with one line naming the op and the dtypes there are. TFLOP/s = 2·M·N·K /
seconds per product / 1e12, each repeat timed with the vendor's device events
(perfkit.specs.timing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch

from perfkit.specs.result import CaseRefused, Measured
from perfkit.specs.timing import Budget, rates, time_calls
from perfkit.specs.timing import measured as summarize
from perfkit.vendors.base import VendorAdapter

DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "int8", "fp8")
DEFAULT_SIZE = 4096
OPS = {
    "fp64": "torch.mm (float64)",
    "fp32": "torch.mm (float32, TF32 off)",
    "tf32": "torch.mm (float32 with torch.backends.cuda.matmul.allow_tf32)",
    "fp16": "torch.mm (float16)",
    "bf16": "torch.mm (bfloat16)",
    "int8": "torch._int_mm (int8 x int8 -> int32)",
    "fp8": "torch._scaled_mm (float8_e4m3fn, unit scales, bf16 out)",
}
_FLOAT = {"fp64": torch.float64, "fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16,
          "bf16": torch.bfloat16}


def gemm_flops(m: int, n: int, k: int) -> int:
    """Floating-point (or integer) operations of one M×K by K×N product: a multiply and an add
    per term."""
    return 2 * m * n * k


@contextlib.contextmanager
def _tf32(enabled: bool) -> Iterator[None]:
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = enabled
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def product(dtype: str, device: torch.device, m: int, n: int, k: int) -> Callable[[], object]:
    """A call that computes one M×K by K×N product in ``dtype`` on ``device`` (operands made once)."""
    if dtype in _FLOAT:
        a = torch.randn(m, k, device=device).to(_FLOAT[dtype])
        b = torch.randn(k, n, device=device).to(_FLOAT[dtype])
        return lambda: torch.mm(a, b)
    if dtype == "int8":
        a8 = torch.randint(-64, 64, (m, k), device=device, dtype=torch.int8)
        b8 = torch.randint(-64, 64, (k, n), device=device, dtype=torch.int8)
        return lambda: torch._int_mm(a8, b8)
    if dtype == "fp8":
        af = torch.randn(m, k, device=device).to(torch.float8_e4m3fn)
        bf = torch.randn(n, k, device=device).to(torch.float8_e4m3fn).t()  # column-major K×N
        scale = torch.tensor(1.0, device=device)
        return lambda: torch._scaled_mm(af, bf, scale, scale, out_dtype=torch.bfloat16)
    raise CaseRefused(f"gemm: unknown dtype '{dtype}'; allowed: {', '.join(DTYPES)}")


def unit_of(dtype: str) -> str:
    """TOP/s for the integer dtype (integer operations), TFLOP/s for the others."""
    return "TOP/s" if dtype == "int8" else "TFLOP/s"


def why_unsupported(dtype: str, device: torch.device) -> str | None:
    """Why ``device`` cannot run ``dtype``'s op, or None when a 32×32 product runs."""
    if dtype not in DTYPES:
        return f"unknown dtype '{dtype}'; allowed: {', '.join(DTYPES)}"
    if dtype == "tf32" and device.type != "cuda":
        return f"tf32 is a CUDA tensor-core mode (torch.backends.cuda.matmul.allow_tf32); a {device.type} device has none"
    try:
        with _tf32(dtype == "tf32"):
            product(dtype, device, 32, 32, 32)()
    except (RuntimeError, NotImplementedError, TypeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        return f"{OPS[dtype]} does not run on {device}: {first}"
    return None


def supported_dtypes(device: torch.device) -> list[str]:
    return [d for d in DTYPES if why_unsupported(d, device) is None]


def _check_sizes(m: int, n: int, k: int) -> None:
    for name, value in (("m", m), ("n", n), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1 << 17:
            raise CaseRefused(f"gemm: size {name} must be an integer from 1 to {1 << 17} (got {value!r})")


def _checked_call(dtype: str, device: torch.device, m: int, n: int, k: int) -> Callable[[], object]:
    """The product at the asked sizes, run once: an op that refuses these sizes (``torch._int_mm``
    wants multiples of 8 on CUDA) or does not fit in memory is refused in one line."""
    try:
        call = product(dtype, device, m, n, k)
        call()
    except (RuntimeError, NotImplementedError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise CaseRefused(f"gemm {dtype}: {OPS[dtype]} of {m}x{k} by {k}x{n} does not run on {device}: {first}") from None
    return call


def run_gemm(vendor: VendorAdapter, dtype: str = "bf16", m: int = DEFAULT_SIZE, n: int = DEFAULT_SIZE,
             k: int = DEFAULT_SIZE, budget: Budget | None = None, local_rank: int = 0) -> Measured:
    """TFLOP/s of ``dtype`` matrix products on the vendor's device; refused (CaseRefused, one line)
    where the device does not have the dtype."""
    budget = budget or Budget()
    _check_sizes(m, n, k)
    device = vendor.device(local_rank)
    problem = why_unsupported(dtype, device)
    if problem is not None:
        raise CaseRefused(f"gemm {dtype}: {problem}")
    with _tf32(dtype == "tf32"):
        call = _checked_call(dtype, device, m, n, k)
        timing = time_calls(call, vendor.create_event, vendor.synchronize, budget, f"gemm {dtype}")
    flops = gemm_flops(m, n, k)
    return summarize("gemm", dtype, [r / 1e12 for r in rates(flops, timing)], unit_of(dtype),
                     f"{OPS[dtype]}, {m}x{k} by {k}x{n}, FLOPs = 2*M*N*K = {flops} per product, "
                     f"timed with {vendor.name} device events",
                     {"m": m, "n": n, "k": k, "flops_per_call": flops, "warmup": budget.warmup,
                      "min_seconds": budget.min_seconds}, timing)
