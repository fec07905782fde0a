"""End to end: the CPU spec sheet (params/specs/cpu/smoke.yaml) through `perfkit run`, through
plain papermill, in the run's report and on the index: gemm fp32 and bf16, memory bandwidth,
bounded capacity and all_reduce over 2 local processes (gloo) measured; h2d, d2h and p2p not
applicable with the reason; the CPU's datasheet unknown, never invented."""

from __future__ import annotations

import csv
import json
import math

import pytest

from perfkit.specs.transfer import CPU_REASON

from support.cli import ROOT, run_main

MEASURED = [("gemm", "fp32", "TFLOP/s"), ("gemm", "bf16", "TFLOP/s"), ("memory_bandwidth", "copy", "GB/s"),
            ("memory_capacity", "", "GiB"), ("all_reduce", "2 ranks", "GB/s")]
NOT_APPLICABLE = [("h2d", "pinned"), ("h2d", "pageable"), ("d2h", "pinned"), ("d2h", "pageable"), ("p2p", "intra-node")]
ORDER = [("gemm", "fp32"), ("gemm", "bf16"), ("memory_bandwidth", "copy"), ("memory_capacity", ""),
         *NOT_APPLICABLE, ("all_reduce", "2 ranks")]


def check_sheet(result: dict, ranks: int = 2) -> dict[tuple[str, str], dict]:
    """Every case of the smoke sheet is there, in order, with its values or its reason."""
    assert result["status"] == "ok" and result["kind"] == "specs"
    cases = result["metrics"]["spec_cases"]
    by_name = {(c["case"], c["variant"]): c for c in cases}
    order = [(c, v if c != "all_reduce" else f"{ranks} ranks") for c, v in ORDER]
    assert [(c["case"], c["variant"]) for c in cases] == order
    for case, variant, unit in MEASURED:
        entry = by_name[(case, variant if case != "all_reduce" else f"{ranks} ranks")]
        assert entry["kind"] == "measured" and entry["unit"] == unit, entry
        assert isinstance(entry["value"], float) and math.isfinite(entry["value"]) and entry["value"] > 0, entry
        assert 0 <= entry["spread"] < 10 and entry["best"] >= entry["value"]
        # the CPU's hardware file states nothing: no datasheet, no ratio
        assert entry["datasheet"] is None and entry["percent_of_datasheet"] is None
        assert entry["repeats"] == (1 if case == "memory_capacity" else 3)
    assert by_name[("memory_capacity", "")]["value"] == pytest.approx(0.0625)
    reduce = by_name[("all_reduce", f"{ranks} ranks")]
    assert reduce["params"]["ranks"] == ranks and reduce["params"]["backend"] == "gloo"
    # nccl-tests: busbw = algbw x 2(n-1)/n, 1.0 at n = 2
    assert reduce["value"] == pytest.approx(reduce["params"]["algbw_gb_s"] * 2 * (ranks - 1) / ranks)
    for case, variant in NOT_APPLICABLE:
        entry = by_name[(case, variant)]
        assert entry["kind"] == "not_applicable" and CPU_REASON in entry["reason"], entry
        assert "value" not in entry
    m = result["metrics"]
    assert (m["cases_measured"], m["cases_not_applicable"], m["cases_refused"]) == (5, 5, 0)
    assert m["datasheet_source"] == "none stated" and m["e2e_time"] >= m["spec_time"] > 0
    return by_name


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The smoke sheet through `perfkit run` (the notebook in a kernel, 2 processes through the
    elastic launcher), its report and the index, in a private reports folder."""
    reports = tmp_path_factory.mktemp("e2e_specs") / "reports"
    done = run_main("run", "specs", "--vendor", "cpu", "--config", "smoke", "--quiet",
                    env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    return reports, done


def test_perfkit_run_writes_every_case(run):
    reports, done = run
    result = json.loads((reports / "runs/specs/cpu/smoke/result.json").read_text())
    check_sheet(result)
    assert result["run"]["world_size"] == 2 and result["environment"]["dist_backend"] == "gloo"
    assert "cases_measured=5  cases_not_applicable=5  cases_refused=0" in done.stdout


def test_the_report_and_the_index_show_the_sheet(run):
    reports, _ = run
    report = (reports / "runs/specs/cpu/smoke/report.html").read_text()
    for text in ("核心评测结果", "实测值 measured", "标称值 datasheet", "not applicable", CPU_REASON, "unknown",
                 "busbw"):
        assert text in report, text
    assert "Traceback" not in report
    index = (reports / "index.html").read_text()
    assert "Host CPU 核心评测结果 Spec sheet" in index and "runs/specs/cpu/smoke/report.html" in index
    sheet = index[index.index("Host CPU 核心评测结果 Spec sheet"):]
    sheet = sheet[:sheet.index("</table>")]
    assert sheet.count("<tr>") == 1 + len(ORDER) and sheet.count("not applicable") == len(NOT_APPLICABLE)
    rows = list(csv.DictReader((reports / "tables/spec_sheets.csv").open(encoding="utf-8")))
    assert [(r["case"], r["variant"]) for r in rows] == ORDER
    assert {r["hardware"] for r in rows} == {"Host CPU"} and {r["datasheet"] for r in rows} == {""}


def test_plain_papermill_runs_the_sheet(tmp_path):
    import papermill

    out_dir = tmp_path / "run"
    papermill.execute_notebook(
        str(ROOT / "notebooks/specs.ipynb"), str(tmp_path / "out.ipynb"),
        parameters={"vendor": "cpu", "config": "smoke", "output_dir": str(out_dir)},
        cwd=str(ROOT), progress_bar=False, kernel_name="python3",
    )
    check_sheet(json.loads((out_dir / "result.json").read_text()))


def test_the_specs_suite_plans_the_cpu_sheet_and_its_config_resolves():
    from perfkit.jobs.suite import load_suite, plan_suite
    from perfkit.run.spec import prepare
    from perfkit.scenarios.specs import plan

    planned = plan_suite(load_suite("specs"))
    assert [(p.entry.benchmark, p.entry.vendor, p.entry.config) for p in planned] == [("specs", "cpu", "cpux1x2")]
    run = prepare("specs", "cpu", "cpux1x2", {})
    assert run.resolved.world_size == 2
    assert plan(run.resolved.params, 2)[-2:] == [("all_reduce", "2 ranks"), ("all_gather", "2 ranks")]
