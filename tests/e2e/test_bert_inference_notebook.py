"""End to end: the BERT inference notebook executed with papermill on the CPU, through the torch
and onnxruntime backends; every cell of seed 003's 指标值 row is filled from result.json."""

from __future__ import annotations

import json
import math

import pytest

from perfkit.report.offline import remote_references
from perfkit.report.plots import IMAGE_DATA
from perfkit.report.tables import inference_row
from perfkit.results.store import load_result

from support.cli import run_cli

NUMBERS = ("e2e_time", "p_val_whole", "p_val_core", "p_infer_whole", "p_infer_core", "infer_time",
           "latency_p50", "latency_p90", "latency_p99", "mem_peak_gib", "flops_per_sample", "peak_tflops", "mfu")
SEED_COLUMNS = ("配置", "precision", "bs", "byte_per_batch", "e2e_time", "p_val_whole", "p_val_core",
                "p_infer_whole", "p_infer_core", "infer_time", "acc", "mem")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Both smoke runs on one private data folder and reports folder."""
    root = tmp_path_factory.mktemp("e2e_inference")
    reports, data = root / "reports", root / "data"
    done = {}
    for config, backend, index in (("smoke", "torch", ["--no-index"]), ("smoke_onnxruntime", "onnxruntime", [])):
        done[backend] = run_cli(  # the index once, after both runs
            "run", "bert_inference", "--vendor", "cpu", "--config", config, "--set", f"data_dir={data}",
            "--set", "min_batches=20", "--set", "min_seconds=0.5", *index,
            env_extra={"PERFKIT_REPORTS": str(reports)},
        )
        assert done[backend].returncode == 0, done[backend].stdout + done[backend].stderr
    return reports, done


@pytest.mark.parametrize("config, backend", [("smoke", "torch"), ("smoke_onnxruntime", "onnxruntime")])
def test_result_fills_every_cell_of_the_seed_row(runs, config, backend):
    reports, _ = runs
    path = reports / "runs/bert_inference/cpu" / config / "result.json"
    result = json.loads(path.read_text())
    assert result["status"] == "ok"
    m = result["metrics"]
    assert m["backend"] == backend
    for key in NUMBERS:
        assert isinstance(m[key], float) and math.isfinite(m[key]) and m[key] > 0, key
    assert m["byte_per_batch"] == 3 * 8 * 64 * 8  # input_ids, attention_mask, token_type_ids: int64 [8, 64]
    assert m["p_infer_core"] >= m["p_infer_whole"] and m["p_val_core"] >= m["p_val_whole"]
    assert m["infer_time"] == pytest.approx(1 / m["p_infer_core"])
    assert m["infer_batches"] >= 20 and len(result["curves"]["infer_latency"]) == m["infer_batches"]
    assert m["val_batches"] == m["eval_batches"] == 12  # eval_samples 96 / batch 8
    assert m["latency_p50"] <= m["latency_p90"] <= m["latency_p99"]
    assert abs(m["acc_infer"] - m["acc_val"]) <= 0.005 and m["masked_tokens"] > 0
    assert m["export_time"] >= 0 and m["e2e_time"] > m["val_time"] + m["infer_whole_time"]
    assert m["peak_source"].startswith("measured")
    assert result["data"]["method"] == "sha256 of the files read" and result["data"]["matches_build"] is True
    assert len(result["data"]["checkpoint"]["hash"]) == 64
    row = inference_row(load_result(path))
    assert [column for column in SEED_COLUMNS if not row[column]] == []


def test_onnxruntime_reports_its_export_time_and_provider(runs):
    reports, done = runs
    m = json.loads((reports / "runs/bert_inference/cpu/smoke_onnxruntime/result.json").read_text())["metrics"]
    assert m["provider"] == "CPUExecutionProvider" and m["export_time"] > 0
    assert "export_time=" in done["onnxruntime"].stdout
    # the printed accuracy is 0–1, as on the index and in the reports (not the seed's percent text)
    assert f"acc_infer={m['acc_infer']:.4g}" in done["onnxruntime"].stdout and " acc=" not in done["onnxruntime"].stdout


def test_report_html_is_offline_and_shows_the_seed_tables(runs):
    reports, _ = runs
    html = (reports / "runs/bert_inference/cpu/smoke/report.html").read_text()
    assert remote_references(html) == []
    assert "pk.prepare" not in html
    for text in ("指标列表", "指标值", "p_infer_core", "infer_time", "export_time", IMAGE_DATA):
        assert text in html
    index = (reports / "index.html").read_text()
    assert "bert_inference 指标值" in index and 'href="runs/bert_inference/cpu/smoke_onnxruntime/report.html"' in index


