"""The training scenario: the training loop (perfkit.engine.train_loop), its metrics and curves.

Runs inside the notebook kernel and inside each distributed worker.
"""

from __future__ import annotations

import statistics
from typing import Any, ClassVar

import torch

from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.engine.peak import PeakFlops, declared_peak, peak_flops
from perfkit.engine.train_loop import TrainingOutcome, train
from perfkit.measure import metrics as m
from perfkit.params.hardware import HardwareSpec
from perfkit.report.labels import TABLE_TITLES
from perfkit.results import vocabulary as vocab
from perfkit.results.curves import bounded_curves
from perfkit.scenarios.base import Measured, Scenario, Session
from perfkit.scenarios.peaks import peak_metrics, roofline, spec_sheet_ceilings


def training_metrics(
    bench: TrainingBenchmark, outcome: TrainingOutcome, hardware: HardwareSpec, precision: str,
    peak_flops: PeakFlops | None = None,
) -> dict[str, Any]:
    """``peak_flops``: the peak MFU is measured against (perfkit.engine.peak); without it, the
    hardware file's statement or none."""
    throughput = m.training_throughput(outcome.timings)
    memory = m.memory_use(outcome.peak_memory_bytes, outcome.total_memory_bytes)
    flops = bench.flops_per_sample()
    peak_flops = peak_flops or PeakFlops(declared_peak(hardware, precision), "hardware file")
    peak = peak_flops.tflops
    first_quality = outcome.eval_curve[0].quality if outcome.eval_curve else None
    return {
        **throughput.to_dict(),
        bench.info.quality_metric: outcome.quality,
        vocab.ACC: outcome.quality,
        vocab.FIRST_EVAL_ACC: first_quality,
        vocab.TARGET: outcome.target,
        vocab.CONVERGED: outcome.converged,
        vocab.STEPS_TO_TARGET: outcome.steps_to_target,
        vocab.STEPS: outcome.steps,
        vocab.SAMPLES: outcome.timings.samples,
        vocab.GLOBAL_BATCH: outcome.global_batch,
        vocab.MEM_PEAK_GIB: memory.peak_gib,
        vocab.MEM_TOTAL_GIB: memory.total_gib,
        vocab.MEM: memory.label(),
        vocab.SETUP_TIME: outcome.setup_seconds,
        vocab.TRAIN_TIME: outcome.timings.train_window,
        vocab.EVAL_TIME: outcome.timings.evaluation,
        vocab.COMPUTE_TIME: outcome.timings.compute,
        vocab.STEP_TIME_MEDIAN: statistics.median(outcome.step_times) if outcome.step_times else None,
        vocab.STEP_TIME_P90: m.percentile(outcome.step_times, 90),
        vocab.FLOPS_PER_SAMPLE: flops,
        vocab.PEAK_TFLOPS: peak,
        vocab.PEAK_SOURCE: peak_flops.source if peak is not None else "none",
        vocab.MFU: m.mfu(flops, throughput.p_core, peak),
        vocab.FIX_HP: bench.fix_hp(),
        vocab.OPTIMIZER: outcome.optimizer,
    }


def training_curves(outcome: TrainingOutcome) -> dict[str, Any]:
    """The curves as stored: at most MAX_CURVE_POINTS points each (perfkit.results.curves)."""
    return bounded_curves({
        "loss": outcome.loss_curve,
        "step_time": outcome.step_times,
        "compute_time": outcome.compute_times,
        "data_time": outcome.data_times,
        "eval": [vars(point) for point in outcome.eval_curve],
    })


class TrainingScenario(Scenario):
    kind: ClassVar[str] = vocab.TRAINING
    table_title = TABLE_TITLES[vocab.TRAINING]
    progress_value = "loss"

    def progress_total(self, params: Any) -> int:
        return params.max_steps

    def check(self, bench: TrainingBenchmark, device: torch.device) -> None:
        return None

    def measure(self, bench: TrainingBenchmark, session: Session) -> Measured:
        params = bench.params
        outcome = train(bench, session.vendor, session.ctx, session.policy, session.bench_start, session.clock,
                        session.progress)
        session.loop_done()
        peak = peak_flops(session.hardware, params.precision, session.policy.dtype or torch.float32, session.device,
                          session.accelerator, session.vendor.synchronize)
        metrics = training_metrics(bench, outcome, session.hardware, params.precision, peak)
        dtype = session.policy.dtype or torch.float32
        spec_gemm, spec_bandwidth = spec_sheet_ceilings(session.vendor.name, session.hardware, session.accelerator,
                                                        dtype)
        metrics.update(peak_metrics(metrics[vocab.FLOPS_PER_SAMPLE], metrics[vocab.P_CORE], session.hardware, params.precision,
                                    spec_gemm, peak))
        metrics[vocab.ROOFLINE] = roofline(metrics[vocab.FLOPS_PER_SAMPLE], metrics[vocab.P_CORE], session.hardware,
                                       params.precision, spec_gemm, spec_bandwidth)
        metrics.update(bench.extra_metrics(metrics, outcome.loss_curve, session.ctx.world_size))
        return Measured(metrics, training_curves(outcome))

    def window(self, metrics: dict[str, Any]) -> tuple[float, int]:
        return metrics[vocab.TRAIN_TIME], metrics[vocab.SAMPLES]
