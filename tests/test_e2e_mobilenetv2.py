"""End to end: the MobileNetV2 notebook executed with papermill on the CPU, results read back."""

from __future__ import annotations

import pytest

from conftest import check_training_result, run_cli

pytestmark = pytest.mark.e2e


def test_mobilenetv2_smoke_run_writes_every_cell_of_the_seed_row(imagenet_data, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "mobilenetv2", "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={imagenet_data}",
                   "--set", "max_steps=6", "--set", "eval_interval=3", "--set", "eval_samples=64",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = check_training_result(reports, "mobilenetv2", steps=6, evals=[3, 6])
    assert result["metrics"]["top1_accuracy"] == result["metrics"]["acc"]
    assert result["data"]["builder"] == "perfkit.data.build_imagenet/1"
    html = (reports / "runs/mobilenetv2/cpu/smoke/report.html").read_text()
    for heading in ("通用指标", "性能指标", "ImageNet2012", "图像分类", "p_core", "acc (0–1)"):
        assert heading in html, heading
