"""One benchmark run, from resolved params to a written result record.

``prepare`` resolves and validates everything a user can get wrong before any work starts;
``execute`` then runs the benchmark, times it, and writes ``result.json`` atomically (rank 0).
A run that fails after it started still leaves a result, with status ``failed`` and the error.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from perfkit import __version__, paths
from perfkit.benchmarks import benchmark_class
from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.engine import metrics as m
from perfkit.engine.distributed import DistContext, context_from_env
from perfkit.engine.peak import PeakFlops, declared_peak, peak_flops
from perfkit.engine.precision import precision_policy
from perfkit.engine.timers import PhaseClock
from perfkit.engine.train_loop import TrainingOutcome, train
from perfkit.errors import ParamsError, UserError
from perfkit.params import ResolvedParams, resolve_params
from perfkit.params.hardware import HardwareSpec, load_hardware
from perfkit.results.environment import collect_environment
from perfkit.results.record import RunResult, utc_now
from perfkit.results.store import RESULT_FILE, write_json_atomic
from perfkit.telemetry import Work, sampling
from perfkit.vendors import get_vendor


@dataclass(frozen=True)
class PreparedRun:
    resolved: ResolvedParams
    hardware: HardwareSpec
    output_dir: Path

    @property
    def benchmark(self) -> str:
        return self.resolved.benchmark

    @property
    def result_path(self) -> Path:
        return self.output_dir / RESULT_FILE


def parse_overrides_text(text: str | dict | None) -> dict[str, Any]:
    """The notebook's ``overrides`` parameter: a JSON object (or a dict from papermill -y)."""
    if not text:
        return {}
    if isinstance(text, dict):
        return dict(text)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParamsError(f"parameter 'overrides': not a JSON object ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ParamsError("parameter 'overrides': must be a JSON object such as {\"max_steps\": 20}")
    return value


def prepare(
    benchmark: str,
    vendor: str,
    config: str,
    overrides: dict[str, Any] | str | None = None,
    output_dir: str | Path | None = None,
) -> PreparedRun:
    cls = benchmark_class(benchmark)
    resolved = resolve_params(benchmark, cls.params_model, vendor, config, parse_overrides_text(overrides))
    hardware = load_hardware(resolved.hardware)
    out = Path(output_dir) if output_dir else paths.run_dir(benchmark, vendor, config)
    return PreparedRun(resolved=resolved, hardware=hardware, output_dir=out)


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
        "acc": outcome.quality,
        "first_eval_acc": first_quality,
        "target": outcome.target,
        "converged": outcome.converged,
        "steps_to_target": outcome.steps_to_target,
        "steps": outcome.steps,
        "samples": outcome.timings.samples,
        "global_batch": outcome.global_batch,
        "mem_peak_gib": memory.peak_gib,
        "mem_total_gib": memory.total_gib,
        "mem": memory.label(),
        "setup_time": outcome.setup_seconds,
        "train_time": outcome.timings.train_window,
        "eval_time": outcome.timings.evaluation,
        "compute_time": outcome.timings.compute,
        "step_time_median": statistics.median(outcome.step_times) if outcome.step_times else None,
        "step_time_p90": m.percentile(outcome.step_times, 90),
        "flops_per_sample": flops,
        "peak_tflops": peak,
        "peak_source": peak_flops.source if peak is not None else "none",
        "mfu": m.mfu(flops, throughput.p_core, peak),
        "fix_hp": bench.fix_hp(),
        "optimizer": outcome.optimizer,
    }


def _curves(outcome: TrainingOutcome) -> dict[str, Any]:
    return {
        "loss": outcome.loss_curve,
        "step_time": outcome.step_times,
        "compute_time": outcome.compute_times,
        "data_time": outcome.data_times,
        "eval": [vars(point) for point in outcome.eval_curve],
    }


class _Progress:
    """A text progress bar (tqdm) on the main rank; silent elsewhere."""

    def __init__(self, total: int, enabled: bool, label: str, value_name: str = "loss") -> None:
        self.bar = None
        self.value_name = value_name
        if enabled:
            from tqdm import tqdm

            # A saved notebook keeps every refresh as a line: about ten of them is plenty.
            self.bar = tqdm(total=total, desc=label, unit="step", file=sys.stdout, ascii=True,
                            miniters=max(1, total // 10), mininterval=5.0)

    def __call__(self, step: int, loss: float, quality: float | None) -> None:
        if self.bar is None:
            return
        postfix = {self.value_name: f"{loss:.3f}"}
        if quality is not None:
            postfix["acc"] = f"{quality:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def initial_record(run: PreparedRun, started: str = "", status: str = "failed") -> RunResult:
    """The record of a run before it measured anything: what was asked and where."""
    resolved = run.resolved
    return RunResult(
        benchmark=resolved.benchmark,
        vendor=resolved.vendor,
        config=resolved.config,
        status=status,
        kit_version=__version__,
        started_at=started or utc_now(),
        finished_at="",
        run=resolved.to_dict(),
        environment={},
        hardware=run.hardware.to_dict(),
        data={},
        seeds={"seed": resolved.params.seed},
    )


def execute(run: PreparedRun, progress: bool = True, ctx: DistContext | None = None) -> RunResult:
    """Run the benchmark in this process (one rank) and write its result on rank 0.

    With world_size > 1 and no context given, this process is the launcher instead: it starts
    one worker per card through the elastic launch (perfkit.launch) and returns rank 0's result.
    """
    if ctx is None and run.resolved.world_size > 1:
        from perfkit.launch import inside_worker, launch_run

        if not inside_worker():
            return launch_run(run)
    bench_start = time.perf_counter()
    started = utc_now()
    resolved = run.resolved
    params = resolved.params
    vendor = get_vendor(resolved.vendor)
    ctx = ctx or context_from_env(params.dist_backend or vendor.dist_backend)
    device = vendor.device(ctx.local_rank)
    policy = precision_policy(params.precision, device, vendor.precisions, vendor.name)
    bench = benchmark_class(resolved.benchmark)(params)
    clock = PhaseClock(vendor.synchronize, event=vendor.create_event)
    record = initial_record(run, started)
    inference = bench.info.kind == "inference"
    bar = _Progress(params.min_batches if inference else params.max_steps, progress and ctx.is_main,
                    resolved.benchmark, "latency_s" if inference else "loss")
    try:
        record.data = bench.prepare_data().to_dict()
        # one seed drives model init and the global batch order; the builder's drew the data
        record.seeds = {"seed": params.seed, "model_init": params.seed, "data_order": params.seed}
        if record.data.get("builder_seed") is not None:
            record.seeds["data_builder"] = record.data["builder_seed"]
        facts = vendor.environment()  # may call the vendor's smi tool: ask once
        accelerator = str(facts.get("accelerator", ""))
        record.environment = collect_environment(facts)
        record.environment["world_size"] = ctx.world_size
        record.environment["dist_backend"] = ctx.backend
        record.environment["vendor_hooks"] = vendor.replaced_hooks()
        # telemetry (perfkit.telemetry): the main rank samples the vendor's sources during the loop
        interval = params.telemetry_interval if ctx.is_main else 0.0
        with sampling(vendor.telemetry_sources(), interval) as session:
            loop_end: list[float] = []
            if inference:
                from perfkit.inference_run import run_inference

                record.metrics, record.curves = run_inference(bench, vendor, device, run.hardware, accelerator,
                                                              bench_start, clock, bar,
                                                              loop_done=lambda: loop_end.append(session.now()))
                record.data["checkpoint"] = bench.checkpoint_identity()
                seconds, samples = record.metrics["infer_whole_time"], record.metrics["infer_samples"]
            else:
                outcome = train(bench, vendor, ctx, policy, bench_start, clock, bar)
                loop_end.append(session.now())
                peak = peak_flops(run.hardware, params.precision, policy.dtype or torch.float32, device,
                                  accelerator, vendor.synchronize)
                record.metrics = training_metrics(bench, outcome, run.hardware, params.precision, peak)
                record.curves = _curves(outcome)
                seconds, samples = outcome.timings.train_window, outcome.timings.samples
        tokens = bench.tokens_per_sample()
        record.metrics.update(session.summary(session.window_ending_at(loop_end[0], seconds),
                                              Work(samples, samples * tokens if tokens else None)))
        if ctx.is_main:
            session.save(run.output_dir)
        record.status = "ok"
    except UserError:
        raise
    except BaseException as exc:
        record.error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "step": getattr(exc, "step", None),
            "traceback": traceback.format_exc(),
        }
        raise
    finally:
        bar.close()
        record.finished_at = utc_now()
        if ctx.is_main and (record.status == "ok" or record.error is not None):
            write_json_atomic(run.result_path, record.to_dict())
    return record


__all__ = ["PreparedRun", "execute", "initial_record", "prepare", "training_metrics"]
