"""End to end: the BERT notebook executed with papermill on the CPU, results read back."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

from perfkit.report.offline import remote_references

from conftest import ROOT, run_cli

pytestmark = pytest.mark.e2e
ROW = ("e2e_time", "p_whole", "p_train", "p_core", "mlm_accuracy", "mem")


@pytest.fixture(scope="module")
def smoke_run(bert_data, tmp_path_factory):
    """`perfkit run bert --vendor cpu --config smoke` on the session's dataset, 200 steps."""
    reports = tmp_path_factory.mktemp("reports")
    done = run_cli(
        "run", "bert", "--vendor", "cpu", "--config", "smoke",
        "--set", f"data_dir={bert_data}", "--set", "max_steps=200", "--set", "eval_interval=50",
        env_extra={"PERFKIT_REPORTS": str(reports)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return reports, done


def test_result_has_every_cell_of_the_seed_row(smoke_run):
    reports, _ = smoke_run
    result = json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok"
    metrics = result["metrics"]
    for key in ROW[:-1]:
        assert isinstance(metrics[key], float) and math.isfinite(metrics[key]) and metrics[key] > 0, key
    assert metrics["mem"].count("/") == 1 and metrics["mem_peak_gib"] > 0
    assert metrics["p_core"] >= metrics["p_train"] >= metrics["p_whole"]
    assert metrics["e2e_time"] >= metrics["train_time"]
    assert metrics["steps"] == 200 and metrics["samples"] == 200 * 32
    evals = result["curves"]["eval"]
    assert [e["step"] for e in evals] == [50, 100, 150, 200]
    assert metrics["mlm_accuracy"] == evals[-1]["quality"]
    assert metrics["mlm_accuracy"] > evals[0]["quality"]  # the offline text is learnable
    assert len(result["curves"]["loss"]) == 200
    assert result["curves"]["loss"][-1] < result["curves"]["loss"][0]
    assert result["data"]["method"] == "manifest" and len(result["data"]["hash"]) == 64
    assert result["run"]["params_hash"] and result["run"]["nonstandard_keys"]
    env = result["environment"]
    assert env["python"] and env["libraries"]["torch"] and env["kernel"]


def test_report_html_is_offline_hides_code_and_shows_the_tables(smoke_run):
    reports, _ = smoke_run
    html = (reports / "runs/bert/cpu/smoke/report.html").read_text()
    assert remote_references(html) == []
    assert "pk.prepare" not in html  # code inputs hidden
    for heading in ("环境配置", "通用指标", "性能指标", "mlm_accuracy", "p_core"):
        assert heading in html
    assert "data:image/png;base64," in html  # the curves, embedded
    index = (reports / "index.html").read_text()
    assert 'href="runs/bert/cpu/smoke/report.html"' in index
    assert remote_references(index) == []


def test_executed_notebook_sits_beside_the_result(smoke_run):
    reports, _ = smoke_run
    run_dir = reports / "runs/bert/cpu/smoke"
    assert sorted(p.name for p in run_dir.iterdir()) == ["notebook.ipynb", "report.html", "result.json"]
    assert not [p for p in (reports / "runs/bert/cpu").iterdir() if p.name.startswith(".")]


def test_unknown_override_exits_2_naming_it_and_writes_nothing(tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "bert", "--vendor", "cpu", "--config", "smoke", "--set", "no_such_key=1",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no_such_key" in lines[0]
    assert not reports.exists()


def test_missing_data_dir_exits_2_and_writes_nothing(tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "bert", "--vendor", "cpu", "--config", "smoke",
                   "--set", f"data_dir={tmp_path / 'absent'}", "--set", "data_autobuild=false",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2, done.stderr
    assert "absent" in done.stderr and "perfkit data build bert" in done.stderr
    assert not list(reports.rglob("result.json"))
    assert not list(reports.rglob("*.ipynb"))


def test_plain_papermill_runs_the_notebook(bert_data, tmp_path):
    out_dir = tmp_path / "run"
    overrides = json.dumps({"data_dir": str(bert_data), "max_steps": 4, "eval_interval": 2})
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(ROOT / "notebooks/bert_training.ipynb"), str(tmp_path / "out.ipynb"),
         "-p", "vendor", "cpu", "-p", "config", "smoke", "-p", "overrides", overrides, "-p", "output_dir", str(out_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out_dir / "result.json").read_text())
    assert result["status"] == "ok" and result["metrics"]["steps"] == 4
    assert "Passed unknown parameter" not in done.stderr
