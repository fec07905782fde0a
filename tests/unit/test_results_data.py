"""Results as data: perfkit.report.load() and the raw-number CSV tables (formula-safe)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd

from support.fabricated import SEEDS, make_result, write_run
from perfkit.importing.readme import parse_page
from perfkit.importing.references import write_references
from perfkit.report.csv_safe import neutralize, to_csv_text
from perfkit.report.site_data import load_site, write_csv_tables
from perfkit.report import load


def _reports(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    write_run(reports, make_result(config="x1", metrics={"p_core": 100.123456, "mfu": 0.0123456, "peak_tflops": 1.5,
                                                         "peak_source": "measured GEMM", "energy_j": 42.5}))
    write_run(reports, make_result(config="x1", metrics={"p_core": 104.0}), repeat="r2")
    write_run(reports, make_result(config="bad", status="failed", error={"type": "RuntimeError", "message": "boom"}))
    write_references([parse_page(p) for p in sorted(SEEDS.glob("*.txt"))], reports / "references")
    return reports


def test_load_one_row_per_run_and_repeat_and_published_row(tmp_path):
    df = load(_reports(tmp_path))
    measured = df[df["source"] == "measured"]
    assert sorted(measured["run_id"]) == ["bert/cpu/bad", "bert/cpu/x1", "bert/cpu/x1/r2"]
    assert set(df["source"]) == {"measured", "published"}
    assert (df["source"] == "published").sum() > 0
    first = measured.set_index("run_id").loc["bert/cpu/x1"]
    repeat = measured.set_index("run_id").loc["bert/cpu/x1/r2"]
    assert (first["repeat"], repeat["repeat"]) == (1, 2)
    assert first["config"] == repeat["config"] == "x1"
    assert first["p_core"] == 100.123456 and first["mfu"] == 0.0123456 and first["peak_source"] == "measured GEMM"
    assert first["energy_j"] == 42.5 and first["mem_peak_gib"] == 1.25 and first["mem_total_gib"] == 8.0
    assert first["param.batch_size"] == 16 and first["param.precision"] == "fp32"
    assert first["status"] == "ok" and first["params_hash"] == "h-x1"
    assert first["finished_at"] == pd.Timestamp("2026-01-01T00:01:00Z")
    assert math.isnan(repeat["mfu"])  # a quantity the run does not have is NaN, not zero
    bad = measured.set_index("run_id").loc["bert/cpu/bad"]
    assert bad["status"] == "failed" and bad["reason"] == "RuntimeError: boom"
    for column in ("p_core", "mfu", "e2e_time", "acc", "mem_peak_gib"):
        assert df[column].dtype == "float64", column
    assert "mem" not in df.columns  # formatted "used/total" text is not data
    published = df[df["source"] == "published"]
    assert {"kunlunxin", "iluvatar"} <= set(published["vendor"])
    assert published["acc"].notna().any() and published["mem_peak_gib"].notna().any()


def test_load_inference_acc_is_a_fraction(tmp_path):
    reports = tmp_path / "reports"
    write_run(reports, make_result(benchmark="bert_inference", config="s",
                                   metrics={"acc": "1.2/1.3", "acc_infer": 0.0118, "p_infer_core": 5.0}))
    df = load(reports)
    assert df.iloc[0]["acc"] == 0.0118 and df.iloc[0]["p_infer_core"] == 5.0


def test_load_of_an_empty_folder_has_the_identity_columns(tmp_path):
    df = load(tmp_path / "nothing")
    assert len(df) == 0 and {"source", "benchmark", "vendor", "config", "repeat", "status"} <= set(df.columns)


def test_csv_tables_hold_raw_numbers_and_mfu(tmp_path):
    reports = _reports(tmp_path)
    write_csv_tables(load_site(reports))
    with (reports / "tables" / "bert_comparison.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    x1 = next(r for r in rows if r["origin"] == "bert/cpu/x1")
    assert float(x1["p_core"]) == 100.123456  # not rounded
    assert float(x1["mfu"]) == 0.0123456 and float(x1["peak_tflops"]) == 1.5 and x1["peak_source"] == "measured GEMM"
    assert float(x1["mem_peak_gib"]) == 1.25 and float(x1["mem_total_gib"]) == 8.0
    assert not any("/" in (r.get("mem_peak_gib") or "") for r in rows)
    published = [r for r in rows if r["source"] == "published" and r["mem_peak_gib"]]
    assert published and all(float(r["mem_peak_gib"]) > 0 for r in published)
    with (reports / "tables" / "runs.csv").open(encoding="utf-8") as handle:
        runs = {r["run_id"]: r for r in csv.DictReader(handle)}
    assert float(runs["bert/cpu/x1"]["mfu"]) == 0.0123456 and runs["bert/cpu/x1"]["report"] == "runs/bert/cpu/x1/report.html"
    assert (reports / "tables" / "results.csv").is_file()


def test_formula_cells_are_neutralized_and_numbers_untouched():
    for text in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"):
        assert neutralize(text) == "'" + text
    for value in (-1.5, -3, 0.0, 7, "-3.5", "+2", "1e-3", "ok", "", None):
        assert neutralize(value) == value


def test_csv_of_hostile_text_runs_no_formula(tmp_path):
    frame = pd.DataFrame({"config": ["=cmd|' /C calc'!A0", "plain"], "delta": [-0.25, 1.0]})
    rows = list(csv.reader(to_csv_text(frame).splitlines()))
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-0.25"] and rows[2] == ["plain", "1.0"]


def test_run_with_a_formula_config_is_quoted_in_every_csv(tmp_path):
    reports = tmp_path / "reports"
    write_run(reports, make_result(config="@evil", status="failed", error={"type": "E", "message": "=2+5"}))
    write_csv_tables(load_site(reports))
    for path in (reports / "tables").glob("*.csv"):
        for row in csv.reader(path.read_text(encoding="utf-8").splitlines()):
            assert not any(cell.startswith(("=", "@")) for cell in row), (path.name, row)
    flagged = (reports / "tables" / "flagged.csv").read_text(encoding="utf-8")
    assert "'E: =2+5" not in flagged and "E: =2+5" in flagged  # starts with E: safe as is
