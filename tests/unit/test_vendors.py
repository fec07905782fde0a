"""Vendor adapters: the built-ins exist, the accelerator ones fail fast here with an install hint."""

from __future__ import annotations

import inspect

import pytest
import torch

from perfkit.errors import UserError, VendorError
from perfkit.vendors import VendorAdapter, available_vendors, get_vendor
from perfkit.vendors.registry import BUILTIN, vendor_class

from support.cli import run_main

ACCELERATORS = {
    "nvidia": ("CUDA build of PyTorch", "nccl"),
    "iluvatar": ("CoreX", "nccl"),
    "kunlunxin": ("torch_xmlir", "xccl"),
}


def test_builtins_are_registered_without_entry_points():
    assert {"cpu", "nvidia", "iluvatar", "kunlunxin"} <= set(BUILTIN)
    assert {"cpu", "nvidia", "iluvatar", "kunlunxin"} <= set(available_vendors())


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_every_builtin_implements_the_whole_interface(name):
    cls = vendor_class(name)
    assert issubclass(cls, VendorAdapter) and not inspect.isabstract(cls)
    assert cls.name == name
    assert cls.dist_backend and cls.precisions <= {"fp32", "amp", "fp16", "bf16"} and "fp32" in cls.precisions
    if name != "cpu":
        assert cls.install_hint


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
@pytest.mark.parametrize("name", sorted(ACCELERATORS))
def test_accelerator_vendor_without_its_software_fails_at_once_with_a_hint(name):
    hint, backend = ACCELERATORS[name]
    assert vendor_class(name).dist_backend == backend
    with pytest.raises(VendorError) as err:
        get_vendor(name)
    message = str(err.value)
    assert "\n" not in message and name in message and hint in message and "install" in message
    assert isinstance(err.value, UserError) and err.value.exit_code == 2


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
@pytest.mark.parametrize(("vendor", "config"), [("kunlunxin", "R300x1x1"), ("iluvatar", "BI-V100x1x1"), ("nvidia", "smoke")])
def test_perfkit_run_on_a_missing_vendor_exits_2_and_writes_nothing(vendor, config, tmp_path):
    reports = tmp_path / "reports"
    done = run_main("run", "bert", "--vendor", vendor, "--config", config, env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and vendor in lines[0] and "install" in lines[0]
    assert not reports.exists()


def test_cpu_adapter_measures_memory_and_environment():
    cpu = get_vendor("cpu")
    assert cpu.device(0) == torch.device("cpu") and cpu.dist_backend == "gloo"
    cpu.reset_peak_memory()
    assert 0 < cpu.peak_memory_bytes() < cpu.total_memory_bytes()
    facts = cpu.environment()
    assert {"accelerator", "driver", "sdk", "smi"} <= set(facts)


def test_unknown_vendor_lists_the_allowed_ones():
    with pytest.raises(VendorError, match="allowed: cpu, iluvatar, kunlunxin, nvidia"):
        get_vendor("nosuch")
