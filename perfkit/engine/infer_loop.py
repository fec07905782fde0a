"""The one inference loop every inference benchmark runs through.

Timeline of a run (names as in the metric definitions, perfkit/report/definitions.py):

    bench_start ── setup (data, checkpoint load, model to device and dtype) ── validation pass
    (framework model) ── export/compile (export_time) ── inference pass (backend) ── end

Each pass starts with ``warmup_batches`` untimed batches. The validation pass then measures one
sweep of the eval set; the inference pass measures batches, cycling over the eval set, until it
has run at least ``min_seconds`` and at least ``min_batches`` batches and one whole sweep (so
both accuracies cover the same sequences). Per batch, the core window brackets only the
forward (device-synchronized on both sides); the whole window adds the host->device copy and the
accuracy bookkeeping. Accuracy counters start at zero after the warm-up.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from perfkit.benchmarks.base import Batch, to_device
from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.engine.metrics import InferenceTimings
from perfkit.engine.timers import PhaseClock
from perfkit.inference.base import InferenceBackend
from perfkit.vendors.base import VendorAdapter

Forward = Callable[[Batch], torch.Tensor]
ProgressFn = Callable[[int, float, float | None], None]


@dataclass
class PassStats:
    """What one measured pass saw: batches, samples, windows, latencies, accuracy counts."""

    batches: int = 0
    samples: int = 0
    whole: float = 0.0
    core: float = 0.0
    correct: float = 0.0
    total: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else math.nan


@dataclass
class InferenceOutcome:
    timings: InferenceTimings
    validation: PassStats
    inference: PassStats
    export_seconds: float
    setup_seconds: float
    byte_per_batch: int
    batch_size: int
    eval_batches: int
    warmup_batches: int
    peak_memory_bytes: int
    total_memory_bytes: int
    backend: dict[str, str]


def batch_bytes(inputs: Batch) -> int:
    """byte_per_batch: bytes of the input tensors of one batch as fed to the engine."""
    return int(sum(t.numel() * t.element_size() for t in inputs.values()))


def measure_pass(
    bench: InferenceBenchmark,
    forward: Forward,
    batches: list[Batch],
    device: torch.device,
    clock: PhaseClock,
    phase: str,
    warmup: int,
    done: Callable[[PassStats, float], bool],
    progress: ProgressFn | None = None,
) -> PassStats:
    """Warm up, then time batches (cycling over ``batches``) until ``done(stats, elapsed)``.

    Accuracy is counted over the first sweep of the measured batches: every eval batch once.
    """
    n = len(batches)
    for i in range(warmup):
        forward(to_device(bench.model_inputs(batches[i % n]), device))
    stats = PassStats()
    with clock.phase(f"{phase}_window"):
        start = clock.now()
        index = warmup
        while not done(stats, clock.now() - start):
            batch = batches[index % n]
            index += 1
            inputs = to_device(bench.model_inputs(batch), device)
            with clock.phase(phase):
                logits = forward(inputs)
            stats.latencies.append(clock.last[phase])
            if stats.batches < n:
                labels = to_device({"labels": batch["labels"]}, device)
                correct, total = bench.correct_counts(logits, labels)
                stats.correct += correct
                stats.total += total
            stats.batches += 1
            stats.samples += inputs["input_ids"].shape[0]
            if progress:
                progress(stats.batches, stats.latencies[-1], stats.accuracy if stats.batches == n else None)
    stats.whole = clock.last[f"{phase}_window"]
    stats.core = sum(stats.latencies)
    return stats


def infer(
    bench: InferenceBenchmark,
    backend: InferenceBackend,
    vendor: VendorAdapter,
    device: torch.device,
    bench_start: float,
    clock: PhaseClock,
    progress: ProgressFn | None = None,
) -> InferenceOutcome:
    p = bench.params
    vendor.reset_peak_memory()
    batches = bench.eval_batches()
    n = len(batches)
    model = bench.build_model().to(device=device, dtype=backend.dtype).eval()
    setup_seconds = clock.now() - bench_start

    def framework(inputs: Batch) -> torch.Tensor:
        with torch.inference_mode():
            return model(**inputs).logits

    validation = measure_pass(
        bench, framework, batches, device, clock, "val", p.warmup_batches, lambda s, _: s.batches >= n
    )
    example = to_device(bench.model_inputs(batches[0]), device)
    with tempfile.TemporaryDirectory(prefix="perfkit-export-") as workdir:
        with clock.phase("export"):
            backend.prepare(model, example, Path(workdir))
        least = max(p.min_batches, n)
        inference = measure_pass(
            bench, backend, batches, device, clock, "infer", p.warmup_batches,
            lambda s, elapsed: s.batches >= least and elapsed >= p.min_seconds, progress,
        )
    end = clock.now()
    timings = InferenceTimings(
        e2e=end - bench_start,
        val_window=validation.whole,
        val_core=validation.core,
        val_samples=validation.samples,
        infer_window=inference.whole,
        infer_core=inference.core,
        infer_samples=inference.samples,
    )
    return InferenceOutcome(
        timings=timings,
        validation=validation,
        inference=inference,
        export_seconds=clock.total("export"),
        setup_seconds=setup_seconds,
        byte_per_batch=batch_bytes(example),
        batch_size=p.batch_size,
        eval_batches=n,
        warmup_batches=p.warmup_batches,
        peak_memory_bytes=vendor.peak_memory_bytes(),
        total_memory_bytes=vendor.total_memory_bytes(),
        backend=backend.describe(),
    )
