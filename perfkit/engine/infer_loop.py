"""The one inference loop every inference benchmark runs through.

Timeline of a run (names as in the metric definitions, perfkit/report/definitions.py):

    bench_start ── setup (data, checkpoint load, model to device and dtype) ── validation pass
    (framework model) ── export/compile (export_time) ── inference pass (backend) ── end

Each pass starts with ``warmup_batches`` untimed batches. The validation pass then measures one
sweep of the eval set; the inference pass measures batches, cycling over the eval set, until it
has run at least ``min_seconds`` and at least ``min_batches`` batches and one whole sweep (so
both accuracies cover the same sequences). Per batch, the core window brackets only the
forward, with two device events (no sync: the host queues the next batch while the device
works); the whole window is device-synchronized at both ends and adds the host->device copy and
the accuracy bookkeeping. Accuracy is counted on the device and read once, at the end of the
pass; latencies are read back there too (and every few batches when a progress bar is shown).
Accuracy counters start at zero after the warm-up. Logits that hold NaN or infinity anywhere in
the measured sweep, or a sweep with no scored tokens, end the run (NonFiniteOutput) rather than
record an accuracy of 0 or none as ok.
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
from perfkit.inference.base import InferenceBackend
from perfkit.measure.metrics import InferenceTimings
from perfkit.measure.timers import PhaseClock
from perfkit.vendors.base import VendorAdapter

Forward = Callable[[Batch], torch.Tensor]
ProgressFn = Callable[[int, float, float | None], None]


class NonFiniteOutput(RuntimeError):
    """The model's outputs held NaN or infinity (broken weights, an overflow), or a pass
    scored nothing: an accuracy from them would be recorded as if it meant something."""

    def __init__(self, phase: str, count: int, batch: int) -> None:
        self.phase, self.count, self.batch = phase, count, batch
        what = "validation" if phase == "val" else "inference"
        if count:
            message = (f"non-finite logits detected in the {what} pass: {count} NaN/inf values, first in eval batch "
                       f"{batch}; the model's weights or its precision are broken, no accuracy recorded")
        else:
            message = f"the {what} pass scored no masked tokens; the eval set has nothing to measure accuracy on"
        super().__init__(message)


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
    readback_every: int = 0,
) -> PassStats:
    """Warm up, then time batches (cycling over ``batches``) until ``done(stats, elapsed)``.

    Each forward is bracketed by device events, read back at the end of the pass (and every
    ``readback_every`` batches when > 0, for progress). Accuracy is counted on the device over
    the first sweep of the measured batches (every eval batch once) and read at the end.
    ``done`` sees the host's elapsed time and the batch count, which need no sync.
    """
    n = len(batches)
    for i in range(warmup):
        forward(to_device(bench.model_inputs(batches[i % n]), device))
    stats = PassStats()
    counted: list[torch.Tensor] = []
    with clock.window(f"{phase}_window"):
        start = clock.now()
        index = warmup
        while not done(stats, clock.now() - start):
            batch = batches[index % n]
            inputs = to_device(bench.model_inputs(batch), device)
            index += 1
            with clock.device_phase(phase, stats.batches):
                logits = forward(inputs)
            if stats.batches < n:
                labels = to_device({"labels": batch["labels"]}, device)
                correct, total = bench.correct_count_tensors(logits, labels)
                nonfinite = (~torch.isfinite(logits)).sum().to(correct.dtype)
                counted.append(torch.stack([correct, total.to(correct.dtype), nonfinite]))
            del logits  # free the (large) logits before the next forward allocates its own
            stats.batches += 1
            stats.samples += inputs["input_ids"].shape[0]
            if readback_every and stats.batches % readback_every == 0:
                _read_back(clock, phase, stats, progress, n)
        _read_back(clock, phase, stats, progress, n, counted)
    stats.whole = clock.last[f"{phase}_window"]
    stats.core = sum(stats.latencies)
    return stats


def _read_back(clock: PhaseClock, phase: str, stats: PassStats, progress: ProgressFn | None, n: int,
               counted: list[torch.Tensor] | None = None) -> None:
    """A window edge: one sync, the pending latencies read back, progress reported; at the end
    of the pass also the accuracy counts."""
    latencies = [r.seconds for r in clock.flush() if r.name == phase]
    if counted:
        sums = torch.stack(counted).double()
        correct, total, nonfinite = sums.sum(dim=0).tolist()
        if nonfinite:
            first = int(torch.nonzero(sums[:, 2]).flatten()[0])
            raise NonFiniteOutput(phase, int(nonfinite), first)
        if not total:
            raise NonFiniteOutput(phase, 0, -1)
        stats.correct, stats.total = correct, total
    first = len(stats.latencies)
    stats.latencies.extend(latencies)
    if progress:
        for i, latency in enumerate(latencies, first + 1):
            progress(i, latency, stats.accuracy if counted is not None and i == stats.batches else None)


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
            readback_every=max(1, least // 10) if progress else 0,
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
