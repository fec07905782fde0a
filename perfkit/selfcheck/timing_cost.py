"""What the timing itself costs per optimizer step.

A step records two device phases (the step and its compute: four events, no sync); the loop
reads them back at window edges, one sync per read-back. Times N steps' worth of empty device
phases, read back every ``readback`` steps, against N bare loop iterations, and prints the cost
per step as a fraction of a typical step time.
"""

from __future__ import annotations

import time

from perfkit.measure.timers import PhaseClock
from perfkit.vendors import get_vendor

PHASES_PER_STEP = 2  # the step and its compute


def cost_per_step(vendor_name: str = "cpu", iterations: int = 20000, readback: int = 100) -> float:
    vendor = get_vendor(vendor_name)
    clock = PhaseClock(vendor.synchronize, event=vendor.create_event)
    start = time.perf_counter()
    for i in range(1, iterations + 1):
        with clock.device_phase("step", i):
            with clock.device_phase("compute", i):
                pass
        if i % readback == 0:
            clock.flush()
    clock.flush()
    timed = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(iterations):
        pass
    bare = time.perf_counter() - start
    return max(0.0, timed - bare) / iterations


def report(step_seconds: float, vendor_name: str = "cpu") -> str:
    per_step = cost_per_step(vendor_name)
    return (
        f"timing cost on {vendor_name}: {PHASES_PER_STEP} device phases per step (4 events, read back every "
        f"100 steps): {per_step * 1e6:.2f} us per step = {per_step / step_seconds:.5%} of a "
        f"{step_seconds * 1e3:.1f} ms step (goal <= 1%)"
    )
