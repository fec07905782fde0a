"""The same params and seed twice on the CPU give the same curves and accuracies."""

from __future__ import annotations

from perfkit.run.execute import execute
from perfkit.run.spec import prepare


def _run(bert_data, out):
    overrides = {"data_dir": str(bert_data), "max_steps": 8, "eval_interval": 4, "eval_samples": 64}
    return execute(prepare("bert", "cpu", "smoke", overrides, out), progress=False)


def test_two_runs_are_identical(bert_data, tmp_path):
    first = _run(bert_data, tmp_path / "a")
    second = _run(bert_data, tmp_path / "b")
    assert first.status == second.status == "ok"
    assert first.curves["loss"] == second.curves["loss"]
    assert [e["quality"] for e in first.curves["eval"]] == [e["quality"] for e in second.curves["eval"]]
    assert first.run["params_hash"] == second.run["params_hash"]
    assert first.data["hash"] == second.data["hash"]
    assert first.seeds == second.seeds
    assert first.seeds == {"seed": 1234, "model_init": 1234, "data_order": 1234, "data_builder": 12345}
