"""End to end: ResNet50 through `perfkit run` (the seed row, the index), its whole CPU smoke
(learns), plain papermill, and the smoke suite's plan."""

from __future__ import annotations

import json

import pytest

from support.cli import ROOT, check_training_result, run_cli


@pytest.mark.e2e
def test_resnet50_run_writes_the_seed_row_and_appears_in_the_index(imagenet_data, tmp_path):
    reports = tmp_path / "reports"
    done = run_cli("run", "resnet50", "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={imagenet_data}",
                   "--set", "max_steps=6", "--set", "eval_interval=3", "--set", "eval_samples=64",
                   env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = check_training_result(reports, "resnet50", steps=6, evals=[3, 6])
    assert result["metrics"]["top1_accuracy"] == result["metrics"]["acc"]
    assert result["data"]["builder"] == "perfkit.data.build_imagenet/1"
    html = (reports / "runs/resnet50/cpu/smoke/report.html").read_text()
    for heading in ("通用指标", "性能指标", "ResNet50 on ImageNet2012", "图像分类", "p_core", ">acc<"):
        assert heading in html, heading
    index = (reports / "index.html").read_text()
    assert "resnet50/cpu/smoke/report.html" in index
    assert (reports / "tables/resnet50_comparison.csv").is_file()


@pytest.mark.e2e
def test_resnet50_smoke_ends_clearly_above_chance(imagenet_data, tmp_path):
    """The whole CPU smoke config (300 steps; about 25 s of training on two quiet cores)."""
    reports = tmp_path / "reports"
    done = run_cli("run", "resnet50", "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={imagenet_data}",
                   "--no-html", "--no-index", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((reports / "runs/resnet50/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok" and result["metrics"]["steps"] == 300
    assert result["metrics"]["acc"] >= 0.1 + 0.2, result["metrics"]["acc"]  # 10 classes: chance 0.1


@pytest.mark.e2e
def test_resnet50_notebook_runs_under_plain_papermill(imagenet_data, tmp_path):
    import papermill

    out_dir = tmp_path / "run"
    overrides = {"data_dir": str(imagenet_data), "max_steps": 4, "eval_interval": 2, "eval_samples": 64}
    papermill.execute_notebook(
        str(ROOT / "notebooks/resnet50_training.ipynb"), str(tmp_path / "out.ipynb"),
        parameters={"vendor": "cpu", "config": "smoke", "overrides": json.dumps(overrides),
                    "output_dir": str(out_dir)},
        cwd=str(ROOT), progress_bar=False, kernel_name="python3",
    )
    result = json.loads((out_dir / "result.json").read_text())
    assert result["status"] == "ok"
    assert result["metrics"]["steps"] == 4 and [e["step"] for e in result["curves"]["eval"]] == [2, 4]
    assert result["run"]["benchmark"] == "resnet50" and result["run"]["params"]["depths"] == [1, 1, 1]


def test_the_smoke_suite_plans_resnet50():
    from perfkit.jobs.suite import load_suite, plan_suite

    planned = plan_suite(load_suite("smoke"))
    labels = [(p.entry.benchmark, p.entry.vendor, p.entry.config) for p in planned]
    assert ("resnet50", "cpu", "smoke") in labels
