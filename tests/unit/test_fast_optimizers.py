"""Multi-tensor LAMB gives the per-tensor reference's numbers; AdamW and SGD take the fast kernel
path the device supports; vendor hooks have the reference defaults and every replaced hook is
recorded and shown in the report's environment table."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from support.fabricated import make_result
from perfkit.benchmarks.optim import Lamb, describe_optimizer, fast_kernels, no_decay_groups
from perfkit.report.tables import environment_table
from perfkit.vendors.base import HOOKS
from perfkit.vendors.cpu import CpuVendor


def _model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.LayerNorm(16), torch.nn.Linear(16, 3))
    with torch.no_grad():  # one tensor at zero: its trust ratio must fall back to 1 in both
        model[2].bias.zero_()
    return model


def _train(foreach: bool, steps: int = 6, weight_decay: float = 0.01) -> list[torch.Tensor]:
    model = _model()
    optimizer = Lamb(no_decay_groups(model, weight_decay), lr=0.02, foreach=foreach)
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x, y = torch.randn(5, 8, generator=g), torch.randn(5, 3, generator=g)
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    return [p.detach().clone() for p in model.parameters()]


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_multi_tensor_lamb_matches_the_per_tensor_reference(weight_decay):
    fast, reference = _train(True, weight_decay=weight_decay), _train(False, weight_decay=weight_decay)
    start = [p.detach() for p in _model().parameters()]
    assert any(not torch.equal(a, b) for a, b in zip(reference, start))  # the steps moved the weights
    for a, b in zip(fast, reference):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_lamb_skips_parameters_without_gradients():
    model = _model()
    model[0].weight.requires_grad_(False)
    before = model[0].weight.detach().clone()
    optimizer = Lamb(model.parameters(), lr=0.1)
    model(torch.ones(2, 8)).sum().backward()
    optimizer.step()
    assert torch.equal(model[0].weight, before) and model[0].weight not in optimizer.state


def test_the_fast_kernel_path_on_the_cpu_is_foreach():
    model = _model()
    options = fast_kernels(model)
    assert options == {"foreach": True}
    assert describe_optimizer(torch.optim.AdamW(model.parameters(), **options)) == "AdamW (foreach)"
    assert describe_optimizer(torch.optim.SGD(model.parameters(), lr=0.1, **options)) == "SGD (foreach)"
    assert describe_optimizer(Lamb(model.parameters(), foreach=False)) == "Lamb (per-tensor)"


def test_the_reference_hooks_change_nothing_and_none_is_reported_replaced():
    vendor = CpuVendor()
    model = _model()
    built = []
    bench = SimpleNamespace(build_optimizer=lambda m: built.append(m) or ("opt", "sched"))
    assert vendor.wrap_model(model) is model
    assert vendor.create_optimizer(bench, model) == ("opt", "sched") and built == [model]
    assert vendor.configure_loader({"num_workers": 2}) == {"num_workers": 2}
    assert vendor.replaced_hooks() == []


class FusedVendor(CpuVendor):
    name = "fused-test"

    def create_optimizer(self, bench, model):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)

    def wrap_model(self, model):
        return model


def test_a_vendor_that_replaces_hooks_is_named_in_the_environment_table():
    vendor = FusedVendor()
    assert vendor.replaced_hooks() == ["create_optimizer", "wrap_model"]
    assert set(vendor.replaced_hooks()) <= set(HOOKS)
    result = make_result(metrics={"optimizer": "SGD (per-tensor)"})
    result.environment["vendor_hooks"] = vendor.replaced_hooks()
    table = environment_table(result)
    cell = dict(zip(table["项目"], table["值"]))["厂商替换 Vendor hooks"]
    assert cell == "replaced: create_optimizer, wrap_model; optimizer SGD (per-tensor)"
    result.environment["vendor_hooks"] = []
    table = environment_table(result)
    assert dict(zip(table["项目"], table["值"]))["厂商替换 Vendor hooks"].startswith("reference (none replaced)")


def test_the_training_loop_uses_the_vendor_optimizer_and_records_it():
    from test_event_timing import DeviceBench, _event_clock

    from support.fabricated import FabricatedDevice
    from perfkit.engine.distributed import DistContext
    from perfkit.engine.precision import precision_policy
    from perfkit.engine.train_loop import train

    device = FabricatedDevice()
    bench = DeviceBench(device, 3)
    vendor = FusedVendor()
    policy = precision_policy("fp32", torch.device("cpu"), vendor.precisions, "cpu")
    clock = _event_clock(device)
    outcome = train(bench, vendor, DistContext(), policy, clock.now(), clock)
    assert outcome.vendor_hooks == ["create_optimizer", "wrap_model"]
    assert outcome.optimizer == "SGD (per-tensor)"  # the vendor's, not the bench's
