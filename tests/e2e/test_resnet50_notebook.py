"""End to end: ResNet50's notebook under plain papermill, and the smoke suite's plan (its ResNet50
and Llama entries are their CPU smoke configs). ResNet50's run through `perfkit run` (the seed
row, the index, that its whole CPU smoke learns) is one case of tests/e2e/test_training_notebooks.py."""

from __future__ import annotations

import json

import pytest

from support.cli import ROOT


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


@pytest.mark.parametrize("benchmark", ["llama", "resnet50"])
def test_the_smoke_suite_plans_the_cpu_smoke_config(benchmark):
    """The suite runs the very params `perfkit run BENCHMARK --vendor cpu --config smoke` resolves
    (the run that tests/e2e/test_training_notebooks.py and test_llama_pretraining.py see learn)."""
    from perfkit.jobs.suite import load_suite, plan_suite
    from perfkit.run.spec import prepare

    planned = {(p.entry.benchmark, p.entry.vendor, p.entry.config): p for p in plan_suite(load_suite("smoke"))}
    run = planned[(benchmark, "cpu", "smoke")]
    assert run.repeat == 1 and run.prepared.resolved.params_hash == prepare(benchmark, "cpu", "smoke").resolved.params_hash
