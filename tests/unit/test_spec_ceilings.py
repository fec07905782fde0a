"""MFU against both peaks: the measured one from the latest spec sheet of the same machine
(perfkit.specs.ceilings) or the engine's GEMM peak, and the datasheet's, each with its source
(perfkit.scenarios.peaks); the headline shows the pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from perfkit.engine.peak import PeakFlops
from perfkit.params.hardware import load_hardware
from perfkit.report.headline import headline_items, mfu_pair_text, roofline_text
from perfkit.results.record import RunResult
from perfkit.scenarios import peaks
from perfkit.specs import ceilings
from perfkit.specs.ceilings import Ceiling
from perfkit.specs.result import Measured


def _sheet(value: float, finished: str, status: str = "ok", accelerator: str = "AMD EPYC", hardware: str = "Host CPU",
           vendor: str = "cpu", implementation: str = "pytorch") -> RunResult:
    entry = {**Measured("gemm", "fp32", value, "TFLOP/s", 0.01, 3, value, "torch.mm").to_dict(),
             "implementation": implementation}
    return RunResult(benchmark="specs", vendor=vendor, config="smoke", status=status, kit_version="0",
                     started_at=finished, finished_at=finished, run={"params": {}},
                     environment={"accelerator": {"accelerator": accelerator}}, hardware={"name": hardware}, data={},
                     metrics={"spec_cases": [entry]}, kind="specs")


def _publish(reports: Path, config: str, result: RunResult) -> None:
    folder = reports / "runs" / "specs" / result.vendor / config
    folder.mkdir(parents=True)
    (folder / "result.json").write_text(json.dumps(result.to_dict()))


def test_the_latest_ok_sheet_of_the_same_machine_gives_the_measured_peak(tmp_path):
    reports = tmp_path / "reports"
    _publish(reports, "old", _sheet(1.0, "2026-01-01T00:00:00+00:00"))
    _publish(reports, "smoke", _sheet(2.0, "2026-01-02T00:00:00+00:00"))
    _publish(reports, "failed", _sheet(9.0, "2026-01-05T00:00:00+00:00", status="failed"))
    _publish(reports, "other_cpu", _sheet(8.0, "2026-01-06T00:00:00+00:00", accelerator="Intel Xeon"))
    _publish(reports, "tool", _sheet(7.0, "2026-01-07T00:00:00+00:00", implementation="hand_gemm"))
    found = ceilings.machine_ceiling(reports, "cpu", "Host CPU", "AMD EPYC", "gemm", "fp32")
    # the latest ok sheet of this machine is "tool"; its only gemm figure is a vendor tool's
    assert found is None
    (reports / "runs/specs/cpu/tool/result.json").unlink()
    found = ceilings.machine_ceiling(reports, "cpu", "Host CPU", "AMD EPYC", "gemm", "fp32")
    assert found == Ceiling(2.0, "TFLOP/s", "spec sheet specs/cpu/smoke (gemm fp32, 2026-01-02)")
    assert ceilings.machine_ceiling(reports, "cpu", "Host CPU", "AMD EPYC", "gemm", "bf16") is None
    assert ceilings.machine_ceiling(reports, "cpu", "Other", "AMD EPYC", "gemm", "fp32") is None
    assert ceilings.machine_ceiling(tmp_path / "none", "cpu", "Host CPU", "AMD EPYC", "gemm", "fp32") is None


@pytest.mark.parametrize("value", [float("nan"), -1.0, 0.0, "12", True, None])
def test_a_sheet_without_a_finite_positive_figure_gives_no_peak(value):
    result = _sheet(1.0, "2026-01-01T00:00:00+00:00")
    result.metrics["spec_cases"][0]["value"] = value
    assert ceilings.sheet_ceiling("specs/cpu/smoke", result, "gemm", "fp32") is None


def test_mfu_against_both_peaks_each_with_its_source():
    h100 = load_hardware("h100-sxm")
    spec = Ceiling(790.0, "TFLOP/s", "spec sheet specs/nvidia/H100x1x8 (gemm bf16, 2026-01-02)")
    got = peaks.peak_metrics(1e12, 400.0, h100, "bf16", spec, PeakFlops(989.4, "datasheet"))
    assert got["mfu_measured"] == pytest.approx(400 / 790) and got["peak_measured_source"] == spec.source
    assert got["mfu_datasheet"] == pytest.approx(400 / 989.4) and got["peak_datasheet_tflops"] == 989.4
    assert "hardware file" in got["peak_datasheet_source"]
    cpu = load_hardware("cpu")
    engine = PeakFlops(2.0, "measured on 2026-01-01, spread 1.0%")
    got = peaks.peak_metrics(1e9, 1000.0, cpu, "fp32", None, engine)
    assert got["mfu_measured"] == pytest.approx(0.5)
    assert got["peak_measured_source"] == "GEMM peak measured on 2026-01-01, spread 1.0%"
    assert (got["mfu_datasheet"], got["peak_datasheet_tflops"], got["peak_datasheet_source"]) == (None, None,
                                                                                                   peaks.NO_DATASHEET)
    got = peaks.peak_metrics(1e9, 1000.0, cpu, "fp32", None, PeakFlops(None, "none"))
    assert (got["mfu_measured"], got["peak_measured_source"]) == (None, peaks.NO_MEASURED)


def test_the_run_finds_the_spec_sheet_in_its_reports_folder(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    _publish(reports, "smoke", _sheet(2.0, "2026-01-02T00:00:00+00:00"))
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    cpu = load_hardware("cpu")
    assert peaks.spec_sheet_peak("cpu", cpu, "AMD EPYC", torch.float32).value == 2.0
    assert peaks.spec_sheet_peak("cpu", cpu, "AMD EPYC", torch.bfloat16) is None
    assert peaks.spec_sheet_peak("cpu", cpu, "AMD EPYC", torch.int8) is None


def test_the_headline_shows_mfu_against_both_peaks():
    metrics = {"mfu_measured": 0.5, "peak_measured_tflops": 2.0, "peak_measured_source": "spec sheet specs/cpu/smoke",
               "mfu_datasheet": None, "peak_datasheet_tflops": None, "peak_datasheet_source": peaks.NO_DATASHEET}
    assert mfu_pair_text(metrics) == (f"measured: 50 % of 2 TFLOP/s (spec sheet specs/cpu/smoke); "
                                      f"datasheet: – ({peaks.NO_DATASHEET})")
    result = RunResult(benchmark="bert", vendor="cpu", config="smoke", status="ok", kit_version="0", started_at="",
                       finished_at="", run={}, environment={}, hardware={}, data={}, metrics=metrics)
    assert dict(headline_items(result))["MFU 实测/标称峰值 vs measured and datasheet peak"] == mfu_pair_text(metrics)
    result.metrics = {}
    assert mfu_pair_text({}) == "" and "MFU 实测/标称峰值 vs measured and datasheet peak" not in dict(headline_items(result))


def test_the_run_on_its_roofline_with_measured_and_datasheet_ceilings():
    h100 = load_hardware("h100-sxm")
    gemm = Ceiling(790.0, "TFLOP/s", "spec sheet specs/nvidia/H100x1x8 (gemm bf16, 2026-01-02)")
    copy = Ceiling(2900.0, "GB/s", "spec sheet specs/nvidia/H100x1x8 (memory_bandwidth copy, 2026-01-02)")
    line = peaks.roofline(2e12, 100.0, h100, "bf16", gemm, copy)
    assert line["achieved_tflops"] == pytest.approx(200.0)
    assert line["arithmetic_intensity"] is None and line["intensity_note"] == peaks.INTENSITY_NOT_STATED
    assert line["compute_measured"] == {"value": 790.0, "unit": "TFLOP/s", "source": gemm.source}
    assert line["compute_datasheet"]["value"] == 989.4 and "hardware file" in line["compute_datasheet"]["source"]
    assert line["bandwidth_measured"]["value"] == 2900.0
    assert line["bandwidth_datasheet"]["value"] == pytest.approx(3350.0)
    assert peaks.roofline(2e12, 100.0, h100, "bf16", gemm, copy, bytes_per_sample=1e9)["arithmetic_intensity"] == 2000.0
    cpu = peaks.roofline(1e9, 10.0, load_hardware("cpu"), "fp32", None, None)
    assert all(cpu[k]["value"] is None and cpu[k]["source"].startswith("none") for k in
               ("compute_measured", "compute_datasheet", "bandwidth_measured", "bandwidth_datasheet"))
    text = roofline_text({"roofline": line})
    assert text == ("200 TFLOP/s achieved; compute ceiling 790 measured / 989.4 datasheet; bandwidth 2900 / 3350 GB/s; "
                    "x omitted (no bytes moved stated)")
    assert roofline_text({}) == "" and roofline_text({"roofline": "x"}) == ""


def test_the_run_reads_both_ceilings_from_one_sheet(tmp_path, monkeypatch):
    reports = tmp_path / "reports"
    sheet = _sheet(2.0, "2026-01-02T00:00:00+00:00")
    sheet.metrics["spec_cases"].append(Measured("memory_bandwidth", "copy", 12.0, "GB/s", 0.0, 3, 12.0, "copy_").to_dict())
    _publish(reports, "smoke", sheet)
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    gemm, copy = peaks.spec_sheet_ceilings("cpu", load_hardware("cpu"), "AMD EPYC", torch.float32)
    assert (gemm.value, copy.value) == (2.0, 12.0) and copy.source.startswith("spec sheet specs/cpu/smoke")
    assert peaks.spec_sheet_ceilings("cpu", load_hardware("cpu"), "AMD EPYC", torch.int8)[0] is None


def test_the_index_lists_every_ok_run_on_its_hardwares_roofline():
    from perfkit.report.roofline import roofline_tables

    h100, cpu = load_hardware("h100-sxm"), load_hardware("cpu")
    gemm = Ceiling(790.0, "TFLOP/s", "spec sheet")

    def run(name: str, line: dict, hardware: str, status: str = "ok") -> tuple[Path, RunResult]:
        result = RunResult(benchmark=name, vendor="nvidia", config="x", status=status, kit_version="0", started_at="",
                           finished_at="", run={}, environment={}, hardware={"name": hardware}, data={},
                           metrics={"roofline": line})
        return Path(f"/r/runs/{name}/nvidia/x"), result

    runs = [run("bert", peaks.roofline(2e12, 100.0, h100, "bf16", gemm, None), h100.name),
            run("llama", peaks.roofline(1e9, 10.0, cpu, "fp32", None, None), cpu.name),
            run("glm", peaks.roofline(1e9, 10.0, cpu, "fp32", None, None), cpu.name, status="failed"),
            run("resnet50", {"achieved_tflops": "nan", "compute_measured": {"value": float("inf")}}, cpu.name)]
    tables = roofline_tables(runs, Path("/r"))
    assert list(tables) == sorted([cpu.name, h100.name])
    bert = tables[h100.name].records()[0]
    assert bert == {"run": "bert/nvidia/x", "achieved": "200", "measured ceiling": "790", "% of measured": "25.3",
                    "datasheet ceiling": "989.4", "% of datasheet": "20.2", "intensity": peaks.INTENSITY_NOT_STATED}
    rows = tables[cpu.name].records()
    assert [r["run"] for r in rows] == ["llama/nvidia/x", "resnet50/nvidia/x"]
    assert rows[1]["achieved"] == rows[1]["measured ceiling"] == rows[1]["% of measured"] == ""
