"""Inference harness: perfkit's inference loop against a hand-written loop, side by side.

One process, one model (the benchmark's, in eval mode, at the run's dtype), the same eval
batches. Blocks of ``steps`` batches alternate between perfkit's measured pass
(``perfkit.engine.infer_loop.measure_pass`` through the PyTorch eager backend, with its
host->device copies, device events and accuracy bookkeeping) and the hand loop (copy, forward
under inference mode, nothing else; device events around each forward, read once per block).
The order flips every pair (ABBA) so neither side always runs first. Each pair gives perfkit
p_infer_core / hand-loop throughput (both: samples over summed forward time).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from perfkit.benchmarks import benchmark_class
from perfkit.benchmarks.base import to_device
from perfkit.engine.infer_loop import measure_pass
from perfkit.inference import get_backend
from perfkit.measure.timers import PhaseClock
from perfkit.params import resolve_params
from perfkit.selfcheck.hand_loops import HarnessPair, forward_block
from perfkit.vendors import get_vendor

DEFAULTS = {"steps": 8, "pairs": 40}


def measure(benchmark: str = "bert_inference", steps: int = DEFAULTS["steps"], pairs: int = DEFAULTS["pairs"],
            overrides: dict | None = None, vendor_name: str = "cpu",
            on_pair: Callable[[HarnessPair], None] | None = None) -> list[HarnessPair]:
    if steps < 1 or pairs < 1:
        raise ValueError("steps and pairs must be at least 1")
    cls = benchmark_class(benchmark)
    resolved = resolve_params(benchmark, cls.params_model, vendor_name, "smoke", {**(overrides or {}), "backend": "torch"})
    bench = cls(resolved.params)
    bench.prepare_data()
    vendor = get_vendor(vendor_name)
    device = vendor.device(0)
    backend = get_backend("torch", device, bench.params.precision)
    batches = bench.eval_batches()
    model = bench.build_model().to(device=device, dtype=backend.dtype).eval()
    clock = PhaseClock(vendor.synchronize, event=vendor.create_event)
    with tempfile.TemporaryDirectory(prefix="perfkit-harness-") as workdir:
        backend.prepare(model, to_device(bench.model_inputs(batches[0]), device), Path(workdir))

        def ours() -> float:
            stats = measure_pass(bench, backend, batches, device, clock, "infer", 0, lambda s, _: s.batches >= steps)
            return stats.samples / stats.core

        def theirs() -> float:
            return forward_block(model, bench, batches, steps, vendor, device)

        ours(), theirs()  # warm-up
        results = []
        for i in range(pairs):
            if i % 2 == 0:
                a = ours()
                b = theirs()
            else:
                b = theirs()
                a = ours()
            results.append(HarnessPair(a, b))
            if on_pair:
                on_pair(results[-1])
    return results
