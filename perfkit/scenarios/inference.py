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
        "byte_per_batch": outcome.byte_per_batch,
        "batch_size": outcome.batch_size,
        "acc_infer": acc_infer,
        "acc_val": acc_val,
        bench.info.quality_metric: acc_infer,
        "acc": f"{100 * acc_infer:.1f}/{100 * acc_val:.1f}",
        "masked_tokens": outcome.inference.total,
        "mem_peak_gib": memory.peak_gib,
        "mem_total_gib": memory.total_gib,
        "mem": memory.label(),
        "export_time": outcome.export_seconds,
        "setup_time": outcome.setup_seconds,
        "val_time": outcome.timings.val_window,
        "infer_whole_time": outcome.timings.infer_window,
        "infer_core_time": outcome.timings.infer_core,
        "val_samples": outcome.timings.val_samples,
        "infer_samples": outcome.timings.infer_samples,
        "val_batches": outcome.validation.batches,
        "infer_batches": outcome.inference.batches,
        "eval_batches": outcome.eval_batches,
        "warmup_batches": outcome.warmup_batches,
        **{key: value for key, value in outcome.backend.items()},
        "flops_per_sample": flops,
        "peak_tflops": peak.tflops,
        "peak_source": peak.source,
        "mfu": m.mfu(flops, throughput.p_infer_core, peak.tflops),
    }


def inference_curves(outcome: InferenceOutcome) -> dict[str, Any]:
    """The curves as stored: at most MAX_CURVE_POINTS points each (perfkit.results.curves)."""
    return bounded_curves({"infer_latency": outcome.inference.latencies, "val_latency": outcome.validation.latencies})


class InferenceScenario(Scenario):
    kind: ClassVar[str] = "inference"
    # accuracy as 0–1, as every report shows it (the record's "acc" keeps the seed's percent text)
    headline_keys = ("e2e_time", "p_val_whole", "p_val_core", "p_infer_whole", "p_infer_core", "export_time",
                     "acc_infer", "acc_val", "mem")
    table_title = TABLE_TITLES["inference"]
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
        metrics.update(peak_metrics(metrics["flops_per_sample"], metrics["p_infer_core"], session.hardware,
                                    params.precision, spec_gemm, peak))
        metrics["roofline"] = roofline(metrics["flops_per_sample"], metrics["p_infer_core"], session.hardware,
                                       params.precision, spec_gemm, spec_bandwidth)
        return Measured(metrics, inference_curves(outcome), {"checkpoint": bench.checkpoint_identity()})

    def window(self, metrics: dict[str, Any]) -> tuple[float, int]:
        return metrics["infer_whole_time"], metrics["infer_samples"]
