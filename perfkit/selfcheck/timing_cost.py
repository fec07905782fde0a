"""What the timing itself costs: phase brackets (sync + clock reads) per optimizer step.

Times N empty phases through PhaseClock against N bare loop iterations and prints the cost per
step as a fraction of a typical step time (taken from a result or given).
"""

from __future__ import annotations

import time

from perfkit.engine.timers import PhaseClock
from perfkit.vendors import get_vendor

PHASES_PER_STEP = 2  # data and compute


def cost_per_phase(vendor_name: str = "cpu", iterations: int = 20000) -> float:
    vendor = get_vendor(vendor_name)
    clock = PhaseClock(vendor.synchronize)
    start = time.perf_counter()
    for _ in range(iterations):
        with clock.phase("probe"):
            pass
    timed = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(iterations):
        pass
    bare = time.perf_counter() - start
    return max(0.0, timed - bare) / iterations


def report(step_seconds: float, vendor_name: str = "cpu") -> str:
    per_phase = cost_per_phase(vendor_name)
    per_step = per_phase * PHASES_PER_STEP
    return (
        f"timing cost on {vendor_name}: {per_phase * 1e6:.2f} us per phase, {per_step * 1e6:.2f} us per step "
        f"= {per_step / step_seconds:.5%} of a {step_seconds * 1e3:.1f} ms step (goal <= 1%)"
    )
