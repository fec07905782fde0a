"""The training loop times compute with device events read back at window edges: no device sync
per step, the same p_core as the old synchronized clock on the same timeline, and a non-finite
loss found at the next window edge names the step it happened at."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from support.fabricated import FabricatedDevice
from perfkit.engine.distributed import DistContext
from perfkit.measure.metrics import training_throughput
from perfkit.engine.precision import precision_policy
from perfkit.measure.timers import HostEvent, PhaseClock, SyncedHostEvent
from perfkit.engine.train_loop import NonFiniteLoss, train
from perfkit.vendors.cpu import CpuVendor

KERNEL = 0.003  # device seconds of one step's compute
DATA = 0.005  # host seconds to load one batch


class _Samples(torch.utils.data.Dataset):
    def __len__(self) -> int:
        return 64

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        g = torch.Generator().manual_seed(i)
        return {"x": torch.randn(4, generator=g), "y": torch.randn(1, generator=g)}


class DeviceBench:
    """A tiny regression benchmark whose compute runs on a FabricatedDevice's timeline."""

    def __init__(self, device: FabricatedDevice, max_steps: int, eval_interval: int = 10**6,
                 nan_at_call: int | None = None, data_cost: float = DATA) -> None:
        self.device = device
        self.params = SimpleNamespace(batch_size=4, seed=0, num_workers=0, gradient_accumulation_steps=1,
                                      max_steps=max_steps, eval_interval=eval_interval)
        self.nan_at_call = nan_at_call
        self.data_cost = data_cost
        self.calls = 0

    def train_dataset(self):
        return _Samples(), [64]

    def collate(self, items):
        self.device.host_work(self.data_cost)
        return torch.utils.data.default_collate(items)

    def build_model(self) -> torch.nn.Module:
        torch.manual_seed(0)
        return torch.nn.Linear(4, 1)

    def parallelize(self, model, ctx, device) -> bool:
        return False  # not sharded: the loop wraps it as it wraps any model

    def build_optimizer(self, model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)

    def train_loss(self, model, batch):
        self.calls += 1
        self.device.launch(KERNEL)
        loss = torch.nn.functional.mse_loss(model(batch["x"]), batch["y"])
        return loss * math.nan if self.calls == self.nan_at_call else loss

    def eval_batches(self, rank, world_size):
        return [{"x": torch.ones(2, 4), "y": torch.ones(2, 1)}]

    def eval_counts(self, model, batch):
        self.device.launch(0.001)
        return 1.0, 2.0

    def target(self) -> float:
        return 2.0  # never reached: every run goes to max_steps


def _train(bench: DeviceBench, clock: PhaseClock, readback_every: int | None = None):
    vendor = CpuVendor()
    policy = precision_policy("fp32", torch.device("cpu"), vendor.precisions, "cpu")
    return train(bench, vendor, DistContext(), policy, clock.now(), clock, readback_every=readback_every)


def _event_clock(device: FabricatedDevice) -> PhaseClock:
    return PhaseClock(device.sync, device.clock, event=device.event)


def _synced_clock(device: FabricatedDevice) -> PhaseClock:
    """The old clock: a device sync on both edges of every compute phase."""
    return PhaseClock(device.sync, device.clock, event=lambda: SyncedHostEvent(device.sync, device.clock))


def test_device_phases_do_not_sync_until_the_window_edge():
    device = FabricatedDevice()
    clock = _event_clock(device)
    for step in range(1, 6):
        with clock.device_phase("compute", step):
            device.launch(KERNEL)
    assert device.syncs == 0 and clock.pending == 5 and clock.total("compute") == 0.0
    assert device.host < device.free_at  # the host ran ahead of the device
    resolved = clock.flush()
    assert device.syncs == 1 and clock.pending == 0
    assert [r.tag for r in resolved] == [1, 2, 3, 4, 5]
    assert clock.total("compute") == pytest.approx(5 * KERNEL)


def test_the_device_syncs_of_a_run_do_not_grow_with_its_steps():
    counts = []
    for steps in (4, 12):
        device = FabricatedDevice()
        outcome = _train(DeviceBench(device, steps), _event_clock(device), readback_every=100)
        assert outcome.steps == steps
        counts.append(device.syncs)
    assert counts[0] == counts[1]
    old = FabricatedDevice()
    _train(DeviceBench(old, 12), _synced_clock(old), readback_every=100)
    assert old.syncs >= counts[1] + 2 * 12  # the old clock: two syncs per compute phase


def test_progress_read_backs_are_the_only_other_syncs():
    device = FabricatedDevice()
    _train(DeviceBench(device, 12), _event_clock(device), readback_every=100)
    once = device.syncs
    device = FabricatedDevice()
    _train(DeviceBench(device, 12), _event_clock(device), readback_every=3)
    assert device.syncs == once + 3  # read-backs at steps 3, 6 and 9; step 12 is the final edge


def test_same_p_core_as_the_synchronized_clock_on_the_same_timeline():
    # data loading (host) is longer than a step's compute (device): the device is idle when each
    # step starts, so both clocks see exactly the kernels' time.
    results = {}
    for name, make in (("events", _event_clock), ("synced", _synced_clock)):
        device = FabricatedDevice()
        outcome = _train(DeviceBench(device, 6, eval_interval=3), make(device), readback_every=100)
        results[name] = outcome
    events, synced = results["events"], results["synced"]
    assert events.timings.compute == pytest.approx(6 * KERNEL)
    assert training_throughput(events.timings).p_core == pytest.approx(training_throughput(synced.timings).p_core)
    assert events.compute_times == pytest.approx(synced.compute_times)
    assert events.loss_curve == synced.loss_curve


def test_device_bound_steps_are_timed_by_the_device_not_by_the_host():
    # Launching costs the host 1 ms, the kernel 3 ms, and data is free: after the first step the
    # device is always busy. Events time the device's 3 ms; the old clock billed launch + kernel.
    device = FabricatedDevice(launch_cost=0.001)
    events = _train(DeviceBench(device, 8, data_cost=0.0), _event_clock(device), readback_every=100)
    assert events.compute_times[1:] == pytest.approx([KERNEL] * 7)
    device = FabricatedDevice(launch_cost=0.001)
    synced = _train(DeviceBench(device, 8, data_cost=0.0), _synced_clock(device), readback_every=100)
    assert synced.compute_times == pytest.approx([KERNEL + 0.001] * 8)


def test_a_non_finite_loss_is_found_at_the_window_edge_and_names_its_step():
    device = FabricatedDevice()
    bench = DeviceBench(device, 6, nan_at_call=3)
    with pytest.raises(NonFiniteLoss) as caught:
        _train(bench, _event_clock(device), readback_every=100)
    assert caught.value.step == 3 and "step 3" in str(caught.value)
    assert bench.calls == 6  # no read-back before the end: steps 4-6 were queued unread


def test_a_non_finite_loss_stops_the_run_at_the_next_progress_read_back():
    device = FabricatedDevice()
    bench = DeviceBench(device, 12, nan_at_call=5)
    with pytest.raises(NonFiniteLoss) as caught:
        _train(bench, _event_clock(device), readback_every=4)
    assert caught.value.step == 5 and bench.calls == 8


def test_host_events_read_the_host_clock():
    ticks = iter([1.0, 1.5])
    start, end = HostEvent(lambda: next(ticks)), HostEvent(lambda: 0.0)
    start.record()
    end._clock = lambda: next(ticks)
    end.record()
    assert start.elapsed_time(end) == pytest.approx(500.0)
    assert isinstance(CpuVendor().create_event(), HostEvent)
