"""The one training loop every training benchmark runs through.

Timeline of a run (names as in the metric definitions, perfkit/report/definitions.py):

    bench_start ── setup (data checks, model, optimizer) ── TRAIN_START ── steps and
    evaluations ── final evaluation ── TRAIN_END

Each optimizer step is bracketed by device events (the vendor's ``create_event``), and so is
its compute phase (forward, backward, optimizer step); the data phase (waiting for the loader,
host->device copy) is the rest of the step. Recording an event does not wait for the device, and
the loss stays on the device: the host queues step after step. Events and losses are read back
only at window edges, with one device sync each: before every evaluation, at the end, and every
``readback_every`` steps for the progress bar. A non-finite loss is found there, and the error
names the step it first appeared at. Evaluations are synchronized windows.

Vendor hooks: the adapter may wrap the model (``wrap_model``), build the optimizer
(``create_optimizer``) and set DataLoader options (``configure_loader``); the outcome lists the
hooks it replaced.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from perfkit.benchmarks.base import TrainingBenchmark, to_device
from perfkit.benchmarks.optim import describe_optimizer
from perfkit.data.sampling import GlobalBatchSampler
from perfkit.engine.distributed import DistContext
from perfkit.engine.faults import fire, loader_worker_start, planned_fault
from perfkit.engine.precision import PrecisionPolicy
from perfkit.measure.metrics import TrainingTimings
from perfkit.measure.timers import PhaseClock
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
    vendor_hooks: list[str] = field(default_factory=list)
    optimizer: str = ""


ProgressFn = Callable[[int, float, float | None], None]
READBACK_MAX_STEPS = 100


def _loader(bench: TrainingBenchmark, ctx: DistContext, device: torch.device, vendor: VendorAdapter) -> DataLoader:
    p = bench.params
    dataset, groups = bench.train_dataset()
    sampler = GlobalBatchSampler(groups, p.batch_size, ctx.rank, ctx.world_size, p.seed)
    workers = p.num_workers
    options = dict(
        batch_sampler=sampler,
        collate_fn=bench.collate,
        num_workers=workers,
        pin_memory=device.type != "cpu",
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        worker_init_fn=loader_worker_start if workers > 0 else None,
    )
    return DataLoader(dataset, **vendor.configure_loader(options))


def readback_interval(max_steps: int) -> int:
    """Steps between progress read-backs: about ten per run, at most every 100 steps."""
    return max(1, min(READBACK_MAX_STEPS, max_steps // 10))


@dataclass
class _Window:
    """What the steps since the last read-back left on the device: their losses, unread."""

    steps: list[int] = field(default_factory=list)
    losses: list[torch.Tensor] = field(default_factory=list)

    def add(self, step: int, loss: torch.Tensor) -> None:
        self.steps.append(step)
        self.losses.append(loss)


def read_back(clock: PhaseClock, window: _Window) -> tuple[list[tuple[int, float]], dict[int, dict[str, float]]]:
    """A window edge: one device sync (``clock.flush``), the pending phase events and losses
    read back. Raises NonFiniteLoss naming the first step whose loss was not finite."""
    resolved = clock.flush()
    values = torch.stack(window.losses).tolist() if window.losses else []
    losses = list(zip(window.steps, values, strict=False))
    window.steps, window.losses = [], []
    for step, value in losses:
        if not math.isfinite(value):
            raise NonFiniteLoss(step, value)
    per_step: dict[int, dict[str, float]] = {}
    for item in resolved:
        if item.tag is not None:
            phases = per_step.setdefault(item.tag, {})
            phases[item.name] = phases.get(item.name, 0.0) + item.seconds
    return losses, per_step


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
    readback_every: int | None = None,
) -> TrainingOutcome:
    """Run the steps. ``readback_every``: steps between progress read-backs (window edges
    besides evaluations and the end); default :func:`readback_interval`."""
    p = bench.params
    device = vendor.device(ctx.local_rank)
    vendor.reset_peak_memory()
    model = vendor.wrap_model(bench.build_model().to(device))
    sharded = bench.parallelize(model, ctx, device)  # e.g. FSDP: then no DDP
    optimizer, scheduler = vendor.create_optimizer(bench, model)
    if ctx.distributed and not sharded:
        ids = [device.index] if device.type != "cpu" and device.index is not None else None
        model = DistributedDataParallel(model, device_ids=ids)
    scaler = policy.grad_scaler()
    loader = _loader(bench, ctx, device, vendor)
    batches = iter(loader)
    accum = p.gradient_accumulation_steps
    global_batch = p.batch_size * accum * ctx.world_size
    every = readback_every or readback_interval(p.max_steps)
    curves: dict[str, list[float]] = {"loss": [], "step": [], "compute": [], "data": []}
    pending = _Window()
    evals: list[EvalPoint] = []
    converged = False
    steps_to_target = None
    quality = math.nan
    fault = planned_fault()
    model.train()
    ctx.barrier()
    clock.sync()
    setup_seconds = clock.now() - bench_start
    train_start = clock.now()
    step = 0
    for step in range(1, p.max_steps + 1):
        step_loss: torch.Tensor | None = None
        with clock.device_phase("step", step):
            for micro in range(accum):
                batch = to_device(next(batches), device)
                last = micro == accum - 1
                no_sync = model.no_sync() if (isinstance(model, DistributedDataParallel) and not last) else contextlib.nullcontext()
                with clock.device_phase("compute", step):
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
                micro_loss = loss.detach().float()
                step_loss = micro_loss if step_loss is None else step_loss + micro_loss
        assert step_loss is not None
        if fault is not None:
            poisoned = fire(fault, step, ctx.rank, 0.0)
            if not math.isfinite(poisoned):
                step_loss = torch.full_like(step_loss, poisoned)
        pending.add(step, step_loss)
        evaluating = step % p.eval_interval == 0 or step == p.max_steps
        if not (evaluating or step % every == 0):
            continue
        losses, per_step = read_back(clock, pending)
        for done, value in losses:
            phases = per_step.get(done, {})
            curves["loss"].append(value)
            curves["step"].append(phases.get("step", 0.0))
            curves["compute"].append(phases.get("compute", 0.0))
            curves["data"].append(max(0.0, phases.get("step", 0.0) - phases.get("compute", 0.0)))
        evaluated = None
        if evaluating:
            with clock.window("eval"):
                quality = evaluate(bench, model, ctx, device, policy)
            evaluated = quality
            evals.append(EvalPoint(step, step * global_batch, quality, clock.last["eval"]))
            if quality >= bench.target() and not converged:
                converged, steps_to_target = True, step
        if progress:
            for done, value in losses:
                progress(done, value, evaluated if done == step else None)
        if converged:
            break
    if pending.steps:  # nothing is left unread after the final evaluation; kept for safety
        read_back(clock, pending)
    clock.sync()
    train_end = clock.now()
    peak = vendor.peak_memory_bytes()
    loss_curve = curves["loss"]
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
        step_times=curves["step"],
        compute_times=curves["compute"],
        data_times=curves["data"],
        peak_memory_bytes=ctx.all_gather_int(peak),
        total_memory_bytes=vendor.total_memory_bytes(),
        setup_seconds=setup_seconds,
        vendor_hooks=vendor.replaced_hooks(),
        optimizer=describe_optimizer(optimizer),
    )
