"""The one training loop every training benchmark runs through.

Timeline of a run (names as in the metric definitions, perfkit/report/definitions.py):

    bench_start ── setup (data checks, model, optimizer) ── TRAIN_START ── steps and
    evaluations ── final evaluation ── TRAIN_END

Each optimizer step is split into the data phase (waiting for the loader, host->device copy)
and the compute phase (forward, backward, optimizer step), both bracketed by device syncs.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from perfkit.benchmarks.base import TrainingBenchmark, to_device
from perfkit.data.sampling import GlobalBatchSampler
from perfkit.engine.distributed import DistContext
from perfkit.engine.faults import fire, planned_fault
from perfkit.engine.metrics import TrainingTimings
from perfkit.engine.precision import PrecisionPolicy
from perfkit.engine.timers import PhaseClock
from perfkit.vendors.base import VendorAdapter


class NonFiniteLoss(RuntimeError):
    def __init__(self, step: int, value: float) -> None:
        super().__init__(f"loss became {value} at step {step}")
        self.step = step


@dataclass
class EvalPoint:
    step: int
    samples: int
    quality: float
    seconds: float


@dataclass
class TrainingOutcome:
    timings: TrainingTimings
    steps: int
    global_batch: int
    converged: bool
    steps_to_target: int | None
    quality: float
    target: float
    eval_curve: list[EvalPoint] = field(default_factory=list)
    loss_curve: list[float] = field(default_factory=list)
    step_times: list[float] = field(default_factory=list)
    compute_times: list[float] = field(default_factory=list)
    data_times: list[float] = field(default_factory=list)
    peak_memory_bytes: list[int] = field(default_factory=list)
    total_memory_bytes: int = 0
    setup_seconds: float = 0.0


ProgressFn = Callable[[int, float, float | None], None]


def _loader(bench: TrainingBenchmark, ctx: DistContext, device: torch.device) -> DataLoader:
    p = bench.params
    dataset, groups = bench.train_dataset()
    sampler = GlobalBatchSampler(groups, p.batch_size, ctx.rank, ctx.world_size, p.seed)
    workers = p.num_workers
    return DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=bench.collate,
        num_workers=workers,
        pin_memory=device.type != "cpu",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
    )


def evaluate(bench: TrainingBenchmark, model: torch.nn.Module, ctx: DistContext, device, policy) -> float:
    model.eval()
    correct = total = 0.0
    with torch.no_grad(), policy.autocast():
        for batch in bench.eval_batches(ctx.rank, ctx.world_size):
            c, t = bench.eval_counts(model, to_device(batch, device))
            correct += c
            total += t
    model.train()
    correct, total = ctx.all_reduce_sum([correct, total])
    return correct / total if total else math.nan


def train(
    bench: TrainingBenchmark,
    vendor: VendorAdapter,
    ctx: DistContext,
    policy: PrecisionPolicy,
    bench_start: float,
    clock: PhaseClock,
    progress: ProgressFn | None = None,
) -> TrainingOutcome:
    p = bench.params
    device = vendor.device(ctx.local_rank)
    vendor.reset_peak_memory()
    model = bench.build_model().to(device)
    optimizer, scheduler = bench.build_optimizer(model)
    if ctx.distributed:
        ids = [device.index] if device.type != "cpu" and device.index is not None else None
        model = DistributedDataParallel(model, device_ids=ids)
    scaler = policy.grad_scaler()
    loader = _loader(bench, ctx, device)
    batches = iter(loader)
    accum = p.gradient_accumulation_steps
    global_batch = p.batch_size * accum * ctx.world_size
    outcome_curves: dict[str, list[Any]] = {"loss": [], "step": [], "compute": [], "data": []}
    evals: list[EvalPoint] = []
    converged = False
    steps_to_target = None
    quality = math.nan
    fault = planned_fault()
    model.train()
    ctx.barrier()
    setup_seconds = clock.now() - bench_start
    train_start = clock.now()
    step = 0
    for step in range(1, p.max_steps + 1):
        step_start = clock.now()
        data_before = clock.total("data")
        compute_before = clock.total("compute")
        loss_sum = 0.0
        for micro in range(accum):
            with clock.phase("data"):
                batch = to_device(next(batches), device)
            last = micro == accum - 1
            no_sync = model.no_sync() if (ctx.distributed and not last) else contextlib.nullcontext()
            with clock.phase("compute"):
                with no_sync:
                    with policy.autocast():
                        loss = bench.train_loss(model, batch) / accum
                    (scaler.scale(loss) if scaler else loss).backward()
                if last:
                    if scaler:
                        scaler.step(optimizer)
                        scaler.update()
                    else:
                        optimizer.step()
                    scheduler.step()
                    optimizer.zero_grad(set_to_none=True)
            loss_sum += float(loss.detach().float().item())
        loss_sum = fire(fault, step, ctx.rank, loss_sum)
        if not math.isfinite(loss_sum):
            raise NonFiniteLoss(step, loss_sum)
        outcome_curves["loss"].append(loss_sum)
        outcome_curves["step"].append(clock.now() - step_start)
        outcome_curves["compute"].append(clock.total("compute") - compute_before)
        outcome_curves["data"].append(clock.total("data") - data_before)
        evaluated = None
        if step % p.eval_interval == 0 or step == p.max_steps:
            with clock.phase("eval"):
                quality = evaluate(bench, model, ctx, device, policy)
            evaluated = quality
            evals.append(EvalPoint(step, step * global_batch, quality, clock.last["eval"]))
            if quality >= bench.target() and not converged:
                converged, steps_to_target = True, step
        if progress:
            progress(step, loss_sum, evaluated)
        if converged:
            break
    train_end = clock.now()
    peak = vendor.peak_memory_bytes()
    loss_curve = outcome_curves["loss"]
    if ctx.distributed:  # the global loss is the mean of the ranks' losses
        loss_curve = [v / ctx.world_size for v in ctx.all_reduce_sum(loss_curve)]
    # The slowest card sets the pace: take all durations from the rank with the most compute
    # time, so that they stay consistent with each other (compute <= train - evaluation).
    local = [train_end - bench_start, train_end - train_start, clock.total("eval"), clock.total("compute")]
    e2e, window, evaluation, compute = max(ctx.all_gather_floats(local), key=lambda row: row[3])
    timings = TrainingTimings(
        e2e=e2e, train_window=window, evaluation=evaluation, compute=compute, samples=step * global_batch
    )
    return TrainingOutcome(
        timings=timings,
        steps=step,
        global_batch=global_batch,
        converged=converged,
        steps_to_target=steps_to_target,
        quality=quality,
        target=bench.target(),
        eval_curve=evals,
        loss_curve=loss_curve,
        step_times=outcome_curves["step"],
        compute_times=outcome_curves["compute"],
        data_times=outcome_curves["data"],
        peak_memory_bytes=ctx.all_gather_int(peak),
        total_memory_bytes=vendor.total_memory_bytes(),
        setup_seconds=setup_seconds,
    )
