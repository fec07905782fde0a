"""An inference benchmark's part of a run: the backend, the loop, and its metrics and curves.

``perfkit.runner.execute`` calls :func:`run_inference` for benchmarks whose info.kind is
"inference"; everything else about a run (params, result record, atomic write) is shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.engine import metrics as m
from perfkit.engine.infer_loop import InferenceOutcome, ProgressFn, infer
from perfkit.engine.peak import PeakFlops, peak_flops
from perfkit.engine.timers import PhaseClock
from perfkit.inference import get_backend
from perfkit.params.hardware import HardwareSpec
from perfkit.vendors.base import VendorAdapter


def backend_options(params) -> dict[str, str]:
    return {"onnx_provider": params.onnx_provider, "compile_mode": params.compile_mode}


def check_backend(params, device: torch.device) -> None:
    """The backend the params name can run here at their precision (a UserError otherwise)."""
    get_backend(params.backend, device, params.precision, backend_options(params))


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
    return {"infer_latency": outcome.inference.latencies, "val_latency": outcome.validation.latencies}


def run_inference(
    bench: InferenceBenchmark,
    vendor: VendorAdapter,
    device: torch.device,
    hardware: HardwareSpec,
    accelerator: str,
    bench_start: float,
    clock: PhaseClock,
    progress: ProgressFn | None = None,
    loop_done: Callable[[], None] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``loop_done``: called as soon as the measured loop returned (the telemetry window's end)."""
    params = bench.params
    backend = get_backend(params.backend, device, params.precision, backend_options(params))
    outcome = infer(bench, backend, vendor, device, bench_start, clock, progress)
    if loop_done is not None:
        loop_done()
    peak = peak_flops(hardware, params.precision, backend.dtype, device, accelerator, vendor.synchronize)
    return inference_metrics(bench, outcome, peak), inference_curves(outcome)
