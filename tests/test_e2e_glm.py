"""End to end: the GLM notebook executed with papermill on the CPU, results read back."""

from __future__ import annotations

import json

import pytest

from conftest import check_training_result, run_cli

pytestmark = pytest.mark.e2e


def test_glm_smoke_run_writes_every_cell_of_the_seed_row(glm_data, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "glm", "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={glm_data}",
                   "--set", "max_steps=6", "--set", "eval_interval=3", "--set", "eval_samples=24",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = check_training_result(reports, "glm", steps=6, evals=[3, 6])
    assert result["metrics"]["record_accuracy"] == result["metrics"]["acc"]
    assert result["data"]["builder"] == "perfkit.data.build_record/1"
    assert result["metrics"]["fix_hp"] == "bs=8,lr=0.002"
    html = (reports / "runs/glm/cpu/smoke/report.html").read_text()
    for heading in ("通用指标", "性能指标", "ReCoRD", "p_core", "acc (0–1)"):
        assert heading in html, heading
    assert json.loads((reports / "runs/glm/cpu/smoke/result.json").read_text())["status"] == "ok"
