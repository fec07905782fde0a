"""Hardware descriptions and the reports' environment section and scaling table."""

from __future__ import annotations

import dataclasses

import pytest

from perfkit import paths
from perfkit.errors import ParamsError
from perfkit.measure.metrics import scaling_efficiency
from perfkit.params import hardware
from perfkit.params.hardware import load_hardware
from perfkit.report.compare import measured_row
from perfkit.report.scaling import scaling_rows
from perfkit.report.tables import environment_table, run_summary
from perfkit.results.environment import collect_environment
from perfkit.results.record import RunResult
from perfkit.vendors import get_vendor

SEED_SOFTWARE = ("os", "kernel", "driver", "docker_image", "framework", "dependencies")


def test_a100_peaks_are_the_datasheet_values():
    a100 = load_hardware("a100-sxm4-40gb")
    assert a100.peak_tflops == {"fp32": 19.5, "tf32": 156.0, "fp16": 312.0, "bf16": 312.0, "fp64": 19.5}
    assert a100.peak_tops == {"int8": 624.0} and a100.tdp_w == 400.0 and a100.interconnect_gb_s == 600.0
    assert a100.memory_gib == 40.0 and a100.vendor == "nvidia" and "200Gb/s" in a100.interconnect


@pytest.mark.parametrize("name", sorted(p.stem for p in (paths.params_dir() / "hardware").glob("*.yaml")))
def test_every_hardware_file_loads_and_names_a_builtin_vendor(name):
    spec = load_hardware(name)
    assert spec.vendor in {"cpu", "nvidia", "iluvatar", "kunlunxin"}
    if spec.vendor != "cpu":  # the seeds' 环境配置 software fields are stated for every card
        assert set(SEED_SOFTWARE) <= set(spec.software), name
        assert spec.memory_gib and spec.machine_model


def test_a_precision_given_no_peak_is_not_stated(tmp_path, monkeypatch):
    """`peak_tflops: {fp32: null}` states no fp32 peak, like an absent key: the table keeps only
    numbers, so the report's peak row and the MFU's lookup never meet a None."""
    card = tmp_path / "card.yaml"
    card.write_text("name: Card\nvendor: cpu\nshort_name: card\npeak_tflops: {fp32: null, fp16: 10}\n"
                    "peak_tops: {int8: null}\n")
    monkeypatch.setattr(hardware.sources, "hardware_path", lambda name: card)
    spec = hardware.load_hardware("card")
    assert spec.peak_tflops == {"fp16": 10.0} and spec.peak_tops == {}
    result = dataclasses.replace(_result("r300", {}), hardware=spec.to_dict())
    assert _rows(environment_table(result))["峰值算力 Peak compute (TFLOP/s)"] == "fp16 10"


def test_a_text_given_null_is_empty_and_software_is_a_mapping(tmp_path, monkeypatch):
    card = tmp_path / "card.yaml"
    monkeypatch.setattr(hardware.sources, "hardware_path", lambda name: card)
    card.write_text("name: Card\nvendor: cpu\nshort_name: card\nmachine_model: null\ninterconnect: ~\n"
                    "software: {os: null, driver: 1.0}\n")
    spec = hardware.load_hardware("card")
    assert (spec.machine_model, spec.interconnect, spec.software) == ("", "", {"driver": "1.0"})
    card.write_text("name: Card\nvendor: cpu\nshort_name: card\nsoftware: [os, driver]\n")
    with pytest.raises(ParamsError, match=r"card.yaml: key 'software' maps a component"):
        hardware.load_hardware("card")


def _result(hardware: str, environment: dict, **run) -> RunResult:
    topology = {"nnodes": 1, "nproc_per_node": 1, "world_size": 1, **run}
    return RunResult(
        benchmark="bert", vendor=load_hardware(hardware).vendor, config="c", status="ok", kit_version="0",
        started_at="", finished_at="", run={"params": {}, "nonstandard_keys": [], **topology},
        environment=environment, hardware=load_hardware(hardware).to_dict(), data={},
        metrics={"p_train": 100.0 * topology["world_size"] * 0.9 if topology["world_size"] > 1 else 100.0},
    )


def _rows(frame) -> dict[str, str]:
    return dict(zip(frame["项目"], frame["值"]))


def test_environment_section_takes_unmeasured_fields_from_the_hardware_file():
    rows = _rows(environment_table(_result("r300", {})))
    assert rows["机器型号 Machine model"] == "昆仑芯AI加速器组R480-X8"
    assert rows["多机网络类型、带宽 Interconnect, bandwidth"] == "InfiniBand，200Gb/s"
    assert rows["加速卡驱动版本 Driver version"] == "4.0.25" and rows["训练编译器版本 Compiler version"] == "xacc"
    assert rows["Docker镜像和版本 Docker image"] == "pytorch1.12.1-cpu-ubuntu20.04:v0.01"
    assert rows["OS kernel版本 OS kernel version"] == "5.4.0-26-generic" and rows["加速卡存储 Accelerator memory"] == "32 GiB"


def test_environment_section_prefers_what_the_run_measured():
    env = collect_environment(get_vendor("cpu").environment())
    env["dist_backend"] = "gloo"
    result = _result("a100-sxm4-40gb", env, nnodes=2, nproc_per_node=1, world_size=2)
    rows = _rows(environment_table(result))
    assert rows["OS kernel版本 OS kernel version"] == env["kernel"] != "5.4.0-113-generic"
    assert rows["训练框架版本 Framework version"].startswith("torch ")
    assert rows["峰值算力 Peak compute (TFLOP/s)"] == "fp32 19.5, tf32 156, fp16 312, bf16 312, fp64 19.5"
    assert rows["节点 x 卡 Nodes x cards (world size)"] == "2x1 (world size 2), gloo"


def test_summary_and_scaling_table_show_world_size_and_efficiency():
    one = _result("cpu", {})
    two = dataclasses.replace(_result("cpu", {}, nproc_per_node=2, world_size=2), config="cpux1x2")
    summary = dict(zip(run_summary(two)[""], run_summary(two)["value"]))
    assert summary["卡数 / 单卡 p_train world size / per-card p_train"] == "2 / 90.00"
    rows = {row["topology"]: row for row in scaling_rows([measured_row(two), measured_row(one)])}
    assert rows["1x2"]["efficiency"] == pytest.approx(scaling_efficiency(180.0, 100.0, 2)) == pytest.approx(0.9)
    assert rows["1x1"]["efficiency"] == pytest.approx(1.0) and rows["1x2"]["baseline"] == "1x1"


def test_scaling_without_a_baseline_gives_no_efficiency():
    two = _result("cpu", {}, nproc_per_node=2, world_size=2)
    assert scaling_rows([measured_row(two)]) == []
