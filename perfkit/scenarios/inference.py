"""The inference scenario: the backend, the inference loop (perfkit.engine.infer_loop), its
metrics and curves.

Runs inside the notebook kernel; preflight (``check``) also runs on the host.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.engine.infer_loop import InferenceOutcome, infer
from perfkit.engine.peak import PeakFlops, peak_flops
from perfkit.inference import get_backend
from perfkit.measure import metrics as m
from perfkit.report.labels import TABLE_TITLES
from perfkit.results import vocabulary as vocab
from perfkit.results.curves import bounded_curves
from perfkit.scenarios.base import Measured, Scenario, Session
from perfkit.scenarios.peaks import peak_metrics, roofline, spec_sheet_ceilings


def check_backend(params, device: torch.device) -> None:
    """The backend the params name can run here at their precision (a UserError otherwise)."""
    get_backend(params.backend, device, params.precision, params)


def inference_metrics(bench: InferenceBenchmark, outcome: InferenceOutcome, peak: PeakFlops) -> dict[str, Any]:
    throughput = m.inference_throughput(outcome.timings)
    memory = m.memory_use([outcome.peak_memory_bytes], outcome.total_memory_bytes)
    flops = bench.flops_per_sample()
    acc_infer, acc_val = outcome.inference.accuracy, outcome.validation.accuracy
    return {
        **throughput.to_dict(),
        **m.latency_percentiles(outcome.inference.latencies),
        vocab.BYTE_PER_BATCH: outcome.byte_per_batch,
        vocab.BATCH_SIZE: outcome.batch_size,
        vocab.ACC_INFER: acc_infer,
        vocab.ACC_VAL: acc_val,
        bench.info.quality_metric: acc_infer,
        vocab.ACC: f"{100 * acc_infer:.1f}/{100 * acc_val:.1f}",
        vocab.MASKED_TOKENS: outcome.inference.total,
        vocab.MEM_PEAK_GIB: memory.peak_gib,
        vocab.MEM_TOTAL_GIB: memory.total_gib,
        vocab.MEM: memory.label(),
        vocab.EXPORT_TIME: outcome.export_seconds,
        vocab.SETUP_TIME: outcome.setup_seconds,
        vocab.VAL_TIME: outcome.timings.val_window,
        vocab.INFER_WHOLE_TIME: outcome.timings.infer_window,
        vocab.INFER_CORE_TIME: outcome.timings.infer_core,
        vocab.VAL_SAMPLES: outcome.timings.val_samples,
        vocab.INFER_SAMPLES: outcome.timings.infer_samples,
        vocab.VAL_BATCHES: outcome.validation.batches,
        vocab.INFER_BATCHES: outcome.inference.batches,
        vocab.EVAL_BATCHES: outcome.eval_batches,
        vocab.WARMUP_BATCHES: outcome.warmup_batches,
        **{key: value for key, value in outcome.backend.items()},
        vocab.FLOPS_PER_SAMPLE: flops,
        vocab.PEAK_TFLOPS: peak.tflops,
        vocab.PEAK_SOURCE: peak.source,
        vocab.MFU: m.mfu(flops, throughput.p_infer_core, peak.tflops),
    }


def inference_curves(outcome: InferenceOutcome) -> dict[str, Any]:
    """The curves as stored: at most MAX_CURVE_POINTS points each (perfkit.results.curves)."""
    return bounded_curves({"infer_latency": outcome.inference.latencies, "val_latency": outcome.validation.latencies})


class InferenceScenario(Scenario):
    kind: ClassVar[str] = vocab.INFERENCE
    table_title = TABLE_TITLES[vocab.INFERENCE]
    progress_value = "latency_s"
    progress_unit = "batch"

    def progress_total(self, params: Any) -> int:
        return params.min_batches

    def check(self, bench: InferenceBenchmark, device: torch.device) -> None:
        check_backend(bench.params, device)

    def measure(self, bench: InferenceBenchmark, session: Session) -> Measured:
        params = bench.params
        backend = get_backend(params.backend, session.device, params.precision, params)
        outcome = infer(bench, backend, session.vendor, session.device, session.bench_start, session.clock,
                        session.progress)
        session.loop_done()
        peak = peak_flops(session.hardware, params.precision, backend.dtype, session.device, session.accelerator,
                          session.vendor.synchronize)
        metrics = inference_metrics(bench, outcome, peak)
        spec_gemm, spec_bandwidth = spec_sheet_ceilings(session.vendor.name, session.hardware, session.accelerator,
                                                        backend.dtype)
        metrics.update(peak_metrics(metrics[vocab.FLOPS_PER_SAMPLE], metrics[vocab.P_INFER_CORE], session.hardware,
                                    params.precision, spec_gemm, peak))
        metrics[vocab.ROOFLINE] = roofline(metrics[vocab.FLOPS_PER_SAMPLE], metrics[vocab.P_INFER_CORE], session.hardware,
                                       params.precision, spec_gemm, spec_bandwidth)
        return Measured(metrics, inference_curves(outcome), {"checkpoint": bench.checkpoint_identity()})

    def window(self, metrics: dict[str, Any]) -> tuple[float, int]:
        return metrics[vocab.INFER_WHOLE_TIME], metrics[vocab.INFER_SAMPLES]
