"""The spec scenario's plan and metric assembly, its refusals, and the sheet as reports and the
index show it (perfkit.scenarios.specs, perfkit.report.spec_sheet), in-process."""

from __future__ import annotations

import json
import math
import os
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from perfkit.benchmarks import declaration
from perfkit.benchmarks.declared.specs import CASES, GEMM_DTYPES, SpecsParams
from perfkit.engine.distributed import DistContext
from perfkit.errors import UserError
from perfkit.params.hardware import load_hardware
from perfkit.report import headline, spec_sheet
from perfkit.report.site_data import SiteData, spec_sheets_table
from perfkit.results.record import RunResult
from perfkit.results.schema import validate_result
from perfkit.scenarios import scenario_named
from perfkit.scenarios import specs as scenario
from perfkit.specs import gemm
from perfkit.specs.result import CaseRefused, Measured, NotApplicable, Refused
from perfkit.telemetry.energy import Window
from perfkit.telemetry.readings import window_readings
from perfkit.telemetry.samples import Sample
from perfkit.vendors import get_vendor
from support.cli import run_main


def _session(ctx: DistContext | None = None, hardware: str = "cpu") -> SimpleNamespace:
    return SimpleNamespace(vendor=get_vendor("cpu"), ctx=ctx or DistContext(), hardware=load_hardware(hardware))


# -- params and plan ---------------------------------------------------------------------------

def test_the_host_params_name_the_cases_and_dtypes_of_perfkit_specs():
    assert GEMM_DTYPES == gemm.DTYPES
    params = SpecsParams()
    assert params.cases == list(CASES) and params.gemm_size == 4096 and params.warmup == 100
    assert declaration("specs").kind == "specs" and scenario_named("specs").kind == "specs"


@pytest.mark.parametrize("overrides, key", [({"cases": ["gemm", "gemm"]}, "cases"),
                                            ({"gemm_dtypes": ["fp32", "fp33"]}, "gemm_dtypes"),
                                            ({"cases": []}, "cases"), ({"gemm_size": 0}, "gemm_size"),
                                            ({"capacity_max_share": 0.95}, "capacity_max_share"),
                                            ({"collective_bytes": 2}, "collective_bytes"),
                                            ({"host_memory": ["pinned", "pinned"]}, "host_memory")])
def test_bad_spec_params_are_refused_naming_the_key(overrides, key):
    with pytest.raises(ValidationError) as raised:
        SpecsParams(**overrides)
    assert raised.value.errors()[0]["loc"][0] == key


@pytest.mark.parametrize("config, fp8", [("A100x1x8", False), ("H100x1x8", True), ("H200x1x8", True)])
def test_each_nvidia_chip_has_a_standard_sheet_at_flagperfs_base_settings(config, fp8):
    from perfkit.jobs.suite import load_suite
    from perfkit.run.spec import prepare

    resolved = prepare("specs", "nvidia", config, {}).resolved
    params = resolved.params
    assert resolved.nonstandard_keys == () and resolved.nproc_per_node == 8
    assert (params.gemm_size, params.warmup, params.memory_bytes, params.collective_bytes) == (4096, 100, 4 << 30, 4 << 30)
    assert ("fp8" in params.gemm_dtypes) == fp8 and {"tf32", "bf16", "int8"} <= set(params.gemm_dtypes)
    suite = load_suite(f"specs_{config[:4].lower()}")
    assert [(e.benchmark, e.vendor, e.config) for e in suite.entries] == [("specs", "nvidia", config)]


def test_the_plan_lists_every_entry_in_sheet_order():
    params = SpecsParams(cases=["all_reduce", "gemm", "h2d", "memory_capacity", "p2p", "all_gather"],
                         gemm_dtypes=["bf16", "fp32"], host_memory=["pageable"])
    assert scenario.plan(params, 4) == [("all_reduce", "4 ranks"), ("gemm", "bf16"), ("gemm", "fp32"),
                                        ("h2d", "pageable"), ("memory_capacity", ""), ("p2p", "intra-node"),
                                        ("all_gather", "4 ranks")]
    assert scenario.plan(SpecsParams(cases=["all_reduce"]), 1) == [("all_reduce", "1 rank")]
    assert scenario.SpecScenario().progress_total(params) == 7


# -- refusals before the run ---------------------------------------------------------------------

def test_a_gemm_dtype_the_cpu_lacks_is_refused_before_the_run_naming_the_key():
    params = SpecsParams(cases=["gemm"], gemm_dtypes=["fp32", "tf32"])
    with pytest.raises(UserError, match=r"^params key 'gemm_dtypes': gemm tf32: .*CUDA.*this device runs: .*fp32"):
        scenario.check_params(params, get_vendor("cpu").device(0))


def test_a_cpu_capacity_above_its_bound_is_refused_before_the_run():
    params = SpecsParams(cases=["memory_capacity"], capacity_gib=100000)
    with pytest.raises(UserError, match=r"^params key 'capacity_gib': 100000 GiB is above the bound"):
        scenario.check_params(params, get_vendor("cpu").device(0))
    scenario.check_params(SpecsParams(cases=["gemm", "memory_capacity"], gemm_dtypes=["fp32"], capacity_gib=0.01),
                          get_vendor("cpu").device(0))


def test_perfkit_run_refuses_a_dtype_the_cpu_lacks_in_one_line_and_writes_nothing(tmp_path):
    reports = tmp_path / "reports"
    done = run_main("run", "specs", "--config", "smoke", "--set", "gemm_dtypes=[fp32, tf32]", "--no-index",
                    env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "gemm_dtypes" in done.stderr and "tf32" in done.stderr
    assert not reports.exists() or not [p for p in reports.rglob("*") if p.is_file()]


# -- entries and metric assembly -----------------------------------------------------------------

def test_a_collective_with_one_rank_is_not_applicable_with_the_reason():
    entry = scenario.run_entry("all_reduce", "1 rank", SpecsParams(), _session())
    assert entry == NotApplicable("all_reduce", "1 rank", scenario.ONE_RANK_REASON)


def test_a_case_refused_while_it_runs_is_a_refused_entry_and_the_sheet_goes_on(monkeypatch):
    def past_timeout(*args, **kwargs):
        raise CaseRefused("gemm fp32: timeout of 1 s passed before one timed repeat finished")

    monkeypatch.setattr(gemm, "run_gemm", past_timeout)
    entry = scenario.run_entry("gemm", "fp32", SpecsParams(), _session())
    assert entry == Refused("gemm", "fp32", "gemm fp32: timeout of 1 s passed before one timed repeat finished")


def test_gemm_m_n_and_k_may_be_set_apart(monkeypatch):
    asked = []
    monkeypatch.setattr(gemm, "run_gemm", lambda vendor, dtype, m, n, k, *a, **kw: asked.append((m, n, k)) or
                        Measured("gemm", dtype, 1.0, "TFLOP/s", 0.0, 1, 1.0, "torch.mm"))
    scenario.run_entry("gemm", "fp32", SpecsParams(gemm_m=6656, gemm_n=2048), _session())
    scenario.run_entry("gemm", "fp32", SpecsParams(gemm_size=64), _session())
    assert asked == [(6656, 2048, 4096), (64, 64, 64)]


def test_a_measured_entry_is_paired_with_the_datasheet(monkeypatch):
    monkeypatch.setattr(gemm, "run_gemm", lambda *a, **k: Measured("gemm", "bf16", 790.0, "TFLOP/s", 0.01, 5, 795.0,
                                                                   "torch.mm (bfloat16)"))
    entry = scenario.run_entry("gemm", "bf16", SpecsParams(), _session(hardware="h100-sxm"))
    assert entry.datasheet == 989.4 and entry.percent_of_datasheet == pytest.approx(79.85, abs=0.01)
    entry = scenario.run_entry("gemm", "bf16", SpecsParams(), _session(hardware="cpu"))
    assert entry.datasheet is None and entry.percent_of_datasheet is None


def test_sheet_metrics_count_the_entries_and_keep_each_ones_time():
    entries = [Measured("gemm", "fp32", 1.5, "TFLOP/s", 0.02, 3, 1.6, "torch.mm").with_datasheet(3.0, "datasheet (X)"),
               NotApplicable("h2d", "pinned", "no device memory"), Refused("gemm", "bf16", "timeout")]
    metrics = scenario.sheet_metrics(entries, [1.0, 0.5, 2.0], load_hardware("h100-sxm"), 9.0)
    assert (metrics["cases_measured"], metrics["cases_not_applicable"], metrics["cases_refused"]) == (1, 1, 1)
    assert metrics["spec_time"] == 3.5 and metrics["e2e_time"] == 9.0
    assert [c["seconds"] for c in metrics["spec_cases"]] == [1.0, 0.5, 2.0]
    assert metrics["spec_cases"][0]["percent_of_datasheet"] == 50.0 and metrics["spec_cases"][2]["reason"] == "timeout"
    assert metrics["datasheet_source"] == f"hardware file {load_hardware('h100-sxm').name}"
    none = scenario.sheet_metrics(entries[1:], [0.5, 2.0], load_hardware("cpu"), 3.0)
    assert none["datasheet_source"] == "none stated"
    with pytest.raises(ValueError):
        scenario.sheet_metrics(entries, [1.0], load_hardware("cpu"), 1.0)


def test_one_process_runs_a_sheet_in_process_and_writes_a_valid_record(tmp_path):
    from perfkit.run.execute import execute
    from perfkit.run.spec import prepare

    run = prepare("specs", "cpu", "smoke", {"cases": ["gemm", "p2p", "all_reduce"], "gemm_dtypes": ["fp32"],
                                            "gemm_size": 16, "min_seconds": 0.05, "repeats": 2})
    result = execute(replace(run, output_dir=tmp_path), progress=False)
    data = json.loads((tmp_path / "result.json").read_text())
    assert validate_result(data, "result.json") is None and data["kind"] == "specs"
    kinds = [(c["case"], c["variant"], c["kind"]) for c in result.metrics["spec_cases"]]
    assert kinds == [("gemm", "fp32", "measured"), ("p2p", "intra-node", "not_applicable"),
                     ("all_reduce", "1 rank", "not_applicable")]
    gemm_entry = result.metrics["spec_cases"][0]
    assert gemm_entry["repeats"] == 2 and math.isfinite(gemm_entry["value"]) and gemm_entry["value"] > 0
    assert gemm_entry["params"]["m"] == 16 and gemm_entry["datasheet"] is None


def test_a_sheet_with_nothing_measured_fails_naming_why(tmp_path):
    """Only cases that do not apply here (or that were all refused): no sheet, so no ok status."""
    from perfkit.run.execute import execute
    from perfkit.run.spec import prepare

    run = prepare("specs", "cpu", "smoke", {"cases": ["p2p", "all_reduce"], "min_seconds": 0.05, "repeats": 2})
    with pytest.raises(scenario.NothingMeasured, match=r"no spec case was measured; p2p/intra-node: .+; all_reduce/1 rank: "):
        execute(replace(run, output_dir=tmp_path), progress=False)
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["status"] == "failed" and "no spec case was measured" in json.dumps(data["error"])


# -- the sheet in reports and on the index -------------------------------------------------------

def _record(entries: list, finished: str = "2026-01-01T00:00:00+00:00", status: str = "ok", kind: str = "specs",
            hardware: str = "Host CPU", benchmark: str = "specs", **metrics) -> RunResult:
    return RunResult(benchmark=benchmark, vendor="cpu", config="smoke", status=status, kit_version="0",
                     started_at=finished, finished_at=finished, run={"params": {}}, environment={},
                     hardware={"name": hardware}, data={}, metrics={"spec_cases": entries, **metrics}, kind=kind)


MEASURED = Measured("gemm", "bf16", 790.0, "TFLOP/s", 0.012, 5, 795.0, "torch.mm (bfloat16)").with_datasheet(
    989.4, "datasheet").to_dict()


def test_sheet_rows_show_measured_datasheet_percent_and_reasons():
    cpu = Measured("memory_bandwidth", "copy", 12.3456, "GB/s", 0.05, 3, 13.0, "dst.copy_(src)").to_dict()
    table = spec_sheet.sheet_table(_record([MEASURED, cpu, NotApplicable("h2d", "pinned", "same memory").to_dict(),
                                            Refused("p2p", "intra-node", "timeout").to_dict()]))
    # no entry has telemetry readings: the power, temperature and memory columns are left out
    assert list(table.columns) == [c for c in spec_sheet.COLUMNS if c not in spec_sheet.TELEMETRY_COLUMNS]
    rows = table.records()
    assert rows[0] | {"note": ""} == {"case": "gemm", "variant": "bf16", "implementation": "PyTorch",
                                      "measured": "790", "unit": "TFLOP/s",
                                      "spread": "1.2", "datasheet": "989.4", "percent": "79.8", "note": ""}
    assert (rows[1]["measured"], rows[1]["datasheet"], rows[1]["percent"]) == ("12.35", "unknown", "")
    assert (rows[2]["measured"], rows[2]["note"]) == ("not applicable", "same memory")
    assert (rows[3]["measured"], rows[3]["note"]) == ("refused", "timeout")


@pytest.mark.parametrize("cases", [None, "gemm", {"case": "gemm"}, [1, "x", None, []],
                                   [{"kind": "measured", "value": "nan", "datasheet": "1e999", "case": 5}]])
def test_hostile_sheets_never_show_an_invented_number(cases):
    result = _record([])
    result.metrics["spec_cases"] = cases
    table = spec_sheet.sheet_table(result)
    for row in table.records():
        assert row["measured"] == "" and row["datasheet"] == "unknown" and row["case"] == ""
    assert len(table) == (1 if isinstance(cases, list) and cases and isinstance(cases[0], dict) else 0)


def test_the_index_shows_the_latest_ok_sheet_of_each_hardware():
    runs = [(Path("/r/runs/specs/cpu/smoke"), _record([MEASURED], "2026-01-02T00:00:00+00:00")),
            (Path("/r/runs/specs/cpu/old"), _record([MEASURED], "2026-01-01T00:00:00+00:00")),
            (Path("/r/runs/specs/cpu/late"), _record([MEASURED], "2026-01-03T00:00:00+00:00", status="failed")),
            (Path("/r/runs/specs/nvidia/H100x1x8"), _record([MEASURED], hardware="NVIDIA H100")),
            (Path("/r/runs/bert/cpu/smoke"), _record([MEASURED], "2026-01-09T00:00:00+00:00", kind="training",
                                                       benchmark="bert"))]
    latest = spec_sheet.latest_sheets(runs)
    assert [(name, str(folder)) for name, folder, _ in latest] == [("Host CPU", "/r/runs/specs/cpu/smoke"),
                                                                   ("NVIDIA H100", "/r/runs/specs/nvidia/H100x1x8")]
    site = SiteData(Path("/r"), runs, [])
    csv = spec_sheets_table(site)
    assert list(csv["run_id"]) == ["specs/cpu/smoke", "specs/nvidia/H100x1x8"]
    assert list(csv["percent_of_datasheet"]) == [pytest.approx(79.85, abs=0.01)] * 2
    # a spec sheet is not a workload row: no comparison table, no throughput for it
    assert [r.benchmark for r in site.rows()] == ["bert"] and site.benchmarks == ["bert"]


def test_the_power_line_says_where_power_was_not_measurable():
    assert spec_sheet.power_line(_record([], power_avg_w=250.04, power_peak_w=300.0, energy_source="nvml")) == \
        "power over the cases: average 250.0 W, peak 300.0 W (nvml)"
    assert spec_sheet.power_line(_record([], telemetry_note="not measurable here: no source")) == \
        "power: not measurable here: no source"


def test_the_headline_of_a_spec_sheet_counts_its_entries():
    items = dict(headline.headline_items(_record([], cases_measured=5, cases_not_applicable=5, cases_refused=0,
                                                 datasheet_source="none stated", e2e_time=2.0)))
    assert items["项目 Cases"] == "5 measured, 5 not applicable, 0 refused"
    assert items["标称值 Datasheet"] == "none stated" and "吞吐量 Throughput (samples/s)" not in items


def test_telemetry_readings_over_a_case_window():
    samples = [Sample(0.5, {"power_w": 100.0, "temperature_c": 50.0}),
               Sample(1.0, {"power_w": 200.0, "temperature_c": 60.0, "gpu_mem_used_mib": 1000.0, "rss_mib": 10.0}),
               Sample(2.0, {"power_w": 300.0, "temperature_c": 70.0, "gpu_mem_used_mib": 3000.0, "cpu_percent": 40.0}),
               Sample(2.5, {"power_w": float("nan")}), Sample(3.5, {"power_w": 900.0})]
    got = window_readings(samples, Window(1.0, 3.0))
    assert got == {"readings": 3, "power_avg_w": 250.0, "power_max_w": 300.0, "power_std_w": 50.0,
                   "temperature_max_c": 70.0, "device_memory_max_mib": 3000.0, "cpu_percent_avg": 40.0,
                   "rss_max_mib": 10.0}
    empty = window_readings(samples, Window(4.0, 5.0))
    assert empty["readings"] == 0 and all(v is None for k, v in empty.items() if k != "readings")


def test_a_sheet_with_telemetry_shows_power_temperature_and_memory_per_case():
    readings = {"readings": 3, "power_avg_w": 250.0, "power_max_w": 300.0, "power_std_w": 50.0,
                "temperature_max_c": 70.0, "device_memory_max_mib": 3000.0, "cpu_percent_avg": None, "rss_max_mib": 9.0}
    metrics = scenario.sheet_metrics([Measured("gemm", "bf16", 790.0, "TFLOP/s", 0.0, 1, 790.0, "torch.mm"),
                                      NotApplicable("p2p", "intra-node", "one card")], [1.0, 0.0],
                                     load_hardware("cpu"), 2.0, [readings, {"readings": 0}])
    rows = spec_sheet.sheet_table(_record(metrics["spec_cases"])).records()
    assert (rows[0]["power"], rows[0]["temperature"], rows[0]["memory"]) == ("250.0 / 300.0, σ 50.0", "70", "3000 (device)")
    assert (rows[1]["power"], rows[1]["temperature"], rows[1]["memory"]) == ("", "", "")
    cpu = spec_sheet.sheet_table(_record([{**metrics["spec_cases"][0], "telemetry": {"rss_max_mib": 12.4}}]))
    assert list(cpu["memory"]) == ["12 (process RSS)"] and "power" not in cpu.columns
    site = SiteData(Path("/r"), [(Path("/r/runs/specs/cpu/smoke"), _record(metrics["spec_cases"]))], [])
    assert list(spec_sheets_table(site)["power_std_w"])[0] == 50.0


# -- vendor tools (perfkit.specs.tools) ----------------------------------------------------------

TOOL_MODULE = """
from perfkit.specs.result import CaseRefused, Measured
from perfkit.specs.tools import SpecTool


class HandGemm(SpecTool):
    vendors = ("cpu",)
    cases = ("gemm", "all_reduce")
    description = "hand gemm (a vendor's own tool)"

    def run(self, vendor, case, variant, params, budget, local_rank=0):
        if variant == "bf16":
            raise CaseRefused("hand gemm: no bf16 kernel")
        return Measured("gemm", variant, 2.5, "TFLOP/s", 0.0, 1, 2.5, "hand-written loop", {"m": params["gemm_size"]})


class Broken(SpecTool):
    vendors = ("cpu",)
    cases = ("memory_bandwidth",)
    description = "a tool with a bug"

    def run(self, vendor, case, variant, params, budget, local_rank=0):
        raise ZeroDivisionError("division by zero")


class OtherVendor(SpecTool):
    vendors = ("nvidia",)
    cases = ("gemm",)
    description = "CUDA only"

    def run(self, vendor, case, variant, params, budget, local_rank=0):
        raise AssertionError("never run on the CPU")
"""


@pytest.fixture()
def installed_tools(tmp_path, monkeypatch):
    """A package installed on the search path that registers three spec tools."""
    from perfkit import plugins

    site = tmp_path / "site"
    info = site / "perfkit_fake_tools-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "perfkit_fake_tools.py").write_text(TOOL_MODULE)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: perfkit-fake-tools\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[perfkit.spec_tools]\nhand_gemm = perfkit_fake_tools:HandGemm\n"
                                           "broken = perfkit_fake_tools:Broken\nother = perfkit_fake_tools:OtherVendor\n")
    monkeypatch.syspath_prepend(str(site))
    plugins.scan_entry_points.cache_clear()
    yield
    plugins.scan_entry_points.cache_clear()


def test_a_vendor_tool_runs_beside_the_pytorch_figure_and_is_recorded_as_such(installed_tools, tmp_path):
    from perfkit.run.execute import execute
    from perfkit.run.spec import prepare

    run = prepare("specs", "cpu", "smoke", {"cases": ["gemm", "memory_bandwidth", "all_reduce"],
                                            "gemm_dtypes": ["fp32", "bf16"], "gemm_size": 16, "memory_bytes": 4096,
                                            "min_seconds": 0.05, "repeats": 2, "spec_tools": ["hand_gemm", "broken"]})
    result = execute(replace(run, output_dir=tmp_path), progress=False)
    got = [(c["case"], c["variant"], c["implementation"], c["kind"]) for c in result.metrics["spec_cases"]]
    assert got == [("gemm", "fp32", "pytorch", "measured"), ("gemm", "fp32", "hand_gemm", "measured"),
                   ("gemm", "bf16", "pytorch", "measured"), ("gemm", "bf16", "hand_gemm", "refused"),
                   ("memory_bandwidth", "copy", "pytorch", "measured"), ("memory_bandwidth", "copy", "broken", "refused"),
                   ("all_reduce", "1 rank", "pytorch", "not_applicable"), ("all_reduce", "1 rank", "hand_gemm",
                                                                             "not_applicable")]
    cases = result.metrics["spec_cases"]
    assert cases[1]["value"] == 2.5 and cases[1]["tool"] == "hand gemm (a vendor's own tool)"
    assert cases[3]["reason"] == "hand_gemm: hand gemm: no bf16 kernel"
    assert cases[5]["reason"] == "spec tool 'broken' failed: ZeroDivisionError: division by zero"
    assert "tool" not in cases[0]
    rows = spec_sheet.sheet_table(result).records()
    assert [r["implementation"] for r in rows[:2]] == ["PyTorch", "hand_gemm (vendor tool)"]
    assert rows[1]["note"] == "hand gemm (a vendor's own tool): hand-written loop"


def test_a_spec_tool_not_registered_or_not_for_the_vendor_is_refused_in_one_line(installed_tools, tmp_path):
    from perfkit.specs.tools import load_tools

    reports = tmp_path / "reports"
    # the run's checks run in its kernel: the package is on its search path too, as an installed one is
    search = os.pathsep.join([str(tmp_path / "site"), os.environ.get("PYTHONPATH", "")])
    done = run_main("run", "specs", "--config", "smoke", "--set", "spec_tools=[hand_gemm, nope]", "--no-index",
                    env_extra={"PERFKIT_REPORTS": str(reports), "PYTHONPATH": search})
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "key 'spec_tools': unknown spec tool 'nope'; allowed: broken, hand_gemm, other" in done.stderr
    with pytest.raises(UserError, match=r"^key 'spec_tools': spec tool 'other' runs on nvidia, not on 'cpu'$"):
        load_tools(["hand_gemm", "other"], "cpu")
    with pytest.raises(ValidationError):
        SpecsParams(spec_tools=["../evil"])


# -- published (imported FlagPerf base pages) beside measured ------------------------------------

def test_an_imported_base_page_sits_beside_the_sheet_measured_on_the_same_chip():
    from perfkit.importing import parse_page
    from perfkit.report.published_specs import chip_matches, published_table

    page = parse_page(Path(__file__).parents[1] / "fixtures/flagperf_base/base/benchmarks/computation-BF16/nvidia/A100/README.md")
    a100 = Measured("gemm", "bf16", 250.0, "TFLOP/s", 0.01, 5, 252.0, "torch.mm (bfloat16)").to_dict()
    on_a100 = _record([a100], hardware="NVIDIA_A100-SXM4-40GB")
    on_cpu = _record([a100], hardware="Host CPU")
    table = published_table([page], [(Path("runs/specs/nvidia/A100x1x8"), on_a100)])
    row = table.iloc[0].to_dict()
    assert (row["chip"], row["FlagPerf case"], row["source"]) == ("A100", "computation-BF16", "PyTorch")
    assert (row["published"], row["datasheet"], row["published %"]) == ("259.2 TFLOP/s", "312 TFLOP/s", "83.1 %")
    assert row["measured here"] == "250 TFLOP/s" and row["measured / published"] == f"{100 * 250 / 259.2:.1f} %"
    alone = published_table([page], [(Path("runs/specs/cpu/smoke"), on_cpu)]).iloc[0].to_dict()
    assert alone["published"] == "259.2 TFLOP/s" and alone["measured here"] == "" and alone["measured / published"] == ""
    assert chip_matches("A100", "NVIDIA_A100-SXM4-40GB") and not chip_matches("A10", "NVIDIA_A100-SXM4-40GB")
    assert not chip_matches("H100", "H1000") and not chip_matches("", "anything")
