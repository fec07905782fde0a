"""The full CPU smoke configs of GLM and MobileNetV2 learn: their final accuracy ends clearly
above chance (GLM: mean 1/candidates over the evaluated queries; MobileNetV2: 1/10 classes)."""

from __future__ import annotations

import json


from support.cli import run_cli



def _smoke(benchmark: str, data, tmp_path) -> dict:
    reports = tmp_path / "reports"
    done = run_cli("run", benchmark, "--vendor", "cpu", "--config", "smoke", "--set", f"data_dir={data}",
                   "--no-html", "--no-index", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((reports / f"runs/{benchmark}/cpu/smoke/result.json").read_text())


def test_glm_smoke_ends_clearly_above_chance(glm_data, tmp_path):
    from perfkit.data import record

    result = _smoke("glm", glm_data, tmp_path)
    evaluated = record.read_record(glm_data / "val.jsonl")[: result["run"]["params"]["eval_samples"]]
    chance = record.chance_accuracy(evaluated)
    assert 0.3 < chance < 0.5
    assert result["metrics"]["acc"] >= chance + 0.1, (result["metrics"]["acc"], chance)


def test_mobilenetv2_smoke_ends_clearly_above_chance(imagenet_data, tmp_path):
    result = _smoke("mobilenetv2", imagenet_data, tmp_path)
    assert result["metrics"]["acc"] >= 0.1 + 0.2, result["metrics"]["acc"]
