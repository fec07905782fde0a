"""Runs that fail after they started: the failure is recorded, the report is still published."""

from __future__ import annotations

import json


from support.cli import run_cli
from support.secrets import SECRETS



def _run_with_fault(bert_data, reports, fault: str):
    return run_cli(
        "run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index",
        "--set", f"data_dir={bert_data}", "--set", "max_steps=6", "--set", "eval_interval=3",
        env_extra={"PERFKIT_REPORTS": str(reports), "PERFKIT_TEST_FAULT": fault, **SECRETS},
    )


def test_non_finite_loss_stops_the_run_at_that_step(bert_data, tmp_path):
    reports = tmp_path / "reports"
    done = _run_with_fault(bert_data, reports, "nan_loss@3")
    assert done.returncode == 1, done.stderr
    run_dir = reports / "runs/bert/cpu/smoke"
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "failed"
    assert result["error"]["type"] == "NonFiniteLoss" and result["error"]["step"] == 3
    assert "step 3" in result["error"]["message"]
    html = (run_dir / "report.html").read_text()
    assert "NonFiniteLoss" in html and "step 3" in html
    # secrets set in the environment leave no trace in anything written
    for path in (run_dir / "result.json", run_dir / "notebook.ipynb", run_dir / "report.html"):
        text = path.read_text()
        for secret in SECRETS.values():
            assert secret not in text, (path.name, secret)


def test_exception_mid_run_gives_failed_result_and_report_with_traceback(bert_data, tmp_path):
    reports = tmp_path / "reports"
    done = _run_with_fault(bert_data, reports, "raise@2")
    assert done.returncode == 1
    run_dir = reports / "runs/bert/cpu/smoke"
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "failed" and result["error"]["type"] == "InjectedFault"
    assert "Traceback" in result["error"]["traceback"]
    assert "InjectedFault" in (run_dir / "report.html").read_text()
    assert "InjectedFault" in done.stderr
