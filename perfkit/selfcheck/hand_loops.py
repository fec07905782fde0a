"""The hand-written reference loops perfkit's own loops are measured against.

One module for every reference: the training harness (`perfkit bench harness`), the inference
harness and the device check (scripts/device-check.sh) all time the same plain step, so a change
to what "the plainest loop" does is made once.

- ``train_step``: forward under autocast, backward (through the grad scaler where the precision
  has one), optimizer and scheduler step, zero grads; nothing else.
- ``HandLoop``: the harness's hand loop: its own model, optimizer and DataLoader (same sampler
  and seed as perfkit's), kept between blocks; device events around each step's compute, read
  once per block.
- ``wall_clock_loop``: the device check's hand loop: the same step over a loader with the run's
  worker settings, synchronized once before the first step and once after the last.
- ``forward_block``: the inference reference: copy, forward under inference mode, device events
  around each forward.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from perfkit.benchmarks.base import Batch, TrainingBenchmark, to_device
from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.data.sampling import GlobalBatchSampler
from perfkit.engine.precision import PrecisionPolicy
from perfkit.vendors.base import VendorAdapter


@dataclass(frozen=True)
class HarnessPair:
    """One interleaved pair: perfkit's throughput and the hand loop's, measured back to back."""

    perfkit_p_core: float
    hand_throughput: float

    @property
    def ratio(self) -> float:
        return self.perfkit_p_core / self.hand_throughput


def train_step(bench: TrainingBenchmark, model: torch.nn.Module, optimizer, scheduler,
               policy: PrecisionPolicy, scaler, batch: Batch) -> None:
    """One plain training step: forward, backward, optimizer and scheduler step, zero grads."""
    with policy.autocast():
        loss = bench.train_loss(model, batch)
    if scaler:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()
    scheduler.step()
    optimizer.zero_grad(set_to_none=True)


def _loader(bench: TrainingBenchmark, workers: int, pin_memory: bool) -> DataLoader:
    p = bench.params
    dataset, groups = bench.train_dataset()
    return DataLoader(dataset, batch_sampler=GlobalBatchSampler(groups, p.batch_size, 0, 1, p.seed),
                      collate_fn=bench.collate, num_workers=workers, pin_memory=pin_memory,
                      persistent_workers=workers > 0, prefetch_factor=4 if workers > 0 else None)


class HandLoop:
    """The harness's hand loop, kept between blocks. Only the compute of each step is timed."""

    def __init__(self, bench: TrainingBenchmark, vendor: VendorAdapter, device: torch.device,
                 policy: PrecisionPolicy) -> None:
        self.batches = iter(_loader(bench, workers=0, pin_memory=False))
        self.bench, self.vendor, self.device, self.policy = bench, vendor, device, policy
        self.model = bench.build_model().to(device)
        self.optimizer, self.scheduler = bench.build_optimizer(self.model)
        self.scaler = policy.grad_scaler()
        self.model.train()

    def block(self, steps: int) -> float:
        """Samples per second of the compute of ``steps`` steps; one sync, at the end."""
        events = []
        for _ in range(steps):
            batch = to_device(next(self.batches), self.device)
            start, end = self.vendor.create_event(), self.vendor.create_event()
            start.record()
            train_step(self.bench, self.model, self.optimizer, self.scheduler, self.policy, self.scaler, batch)
            end.record()
            events.append((start, end))
        self.vendor.synchronize()
        compute = sum(start.elapsed_time(end) for start, end in events) / 1000.0
        return steps * self.bench.params.batch_size / compute


def wall_clock_loop(bench: TrainingBenchmark, vendor: VendorAdapter, device: torch.device,
                    policy: PrecisionPolicy, steps: int) -> float:
    """Samples per second of ``steps`` plain steps by the wall clock, with no host sync inside.

    Same loader settings, model, optimizer, scheduler and autocast as perfkit's loop; the device
    is synchronized once before the first step and once after the last.
    """
    model = bench.build_model().to(device)
    optimizer, scheduler = bench.build_optimizer(model)
    scaler = policy.grad_scaler()
    model.train()
    batches = iter(_loader(bench, bench.params.num_workers, pin_memory=device.type != "cpu"))
    first = to_device(next(batches), device)
    vendor.synchronize()
    start = time.perf_counter()
    for step in range(steps):
        batch = first if step == 0 else to_device(next(batches), device)
        train_step(bench, model, optimizer, scheduler, policy, scaler, batch)
    vendor.synchronize()
    return steps * bench.params.batch_size / (time.perf_counter() - start)


def forward_block(model: torch.nn.Module, bench: InferenceBenchmark, batches: list[Batch], steps: int,
                  vendor: VendorAdapter, device: torch.device) -> float:
    """Samples per second of ``steps`` plain forwards; one sync, at the end."""
    events = []
    samples = 0
    for i in range(steps):
        inputs = to_device(bench.model_inputs(batches[i % len(batches)]), device)
        start, end = vendor.create_event(), vendor.create_event()
        start.record()
        with torch.inference_mode():
            model(**inputs)
        end.record()
        events.append((start, end))
        samples += inputs["input_ids"].shape[0]
    vendor.synchronize()
    return samples / (sum(start.elapsed_time(end) for start, end in events) / 1000.0)
