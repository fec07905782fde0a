"""FlagPerf's vendor rule: a vendor run config may change only the keys its benchmark declares
(batch size, learning rate, precision, gradient accumulation, distributed settings). Anything
else is an error naming the file and the key, unless the config says allow_nonstandard: true;
then every report stamps the result non-standard."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest

from perfkit.benchmarks import benchmark_class, benchmark_names
from perfkit.errors import ParamsError
from perfkit.params import RunParams, resolve_params
from perfkit.report import tables
from perfkit.report.index import runs_table_html
from perfkit.results.record import RunResult
from perfkit.scenarios import scenario_of

from support.cli import run_main

FLAGPERF_RULE = {"batch_size", "learning_rate", "precision", "gradient_accumulation_steps", "dist_backend"}


@pytest.fixture()
def scratch_root(tmp_path, monkeypatch, project_root):
    shutil.copytree(project_root / "params", tmp_path / "params")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.setenv("PERFKIT_ROOT", str(tmp_path))
    return tmp_path


def _resolve(config: str, overrides=None, vendor: str = "kunlunxin"):
    return resolve_params("bert", benchmark_class("bert").params_model, vendor, config, overrides)


@pytest.mark.parametrize("name", benchmark_names())
def test_every_benchmark_declares_the_keys_a_vendor_may_change(name):
    schema = benchmark_class(name).params_model
    # inference runs have no learning rate or accumulation: the rule's run keys apply
    rule = FLAGPERF_RULE if scenario_of(name).kind == "training" else FLAGPERF_RULE & set(RunParams.model_fields)
    assert rule <= schema.vendor_changeable <= set(schema.model_fields)
    assert not {"num_layers", "hidden_size", "max_steps", "seed"} & schema.vendor_changeable


def test_changing_only_allowed_keys_is_standard(scratch_root: Path):
    (scratch_root / "params/bert/kunlunxin/R300x1x1.yaml").write_text(
        "hardware: r300\nparams:\n  batch_size: 32\n  learning_rate: 1.0e-3\n  precision: amp\n"
        "  gradient_accumulation_steps: 2\n  dist_backend: gloo\n"
    )
    resolved = _resolve("R300x1x1")
    assert resolved.standard and resolved.nonstandard_keys == ()


def test_a_forbidden_key_in_a_file_names_the_file_and_the_key(scratch_root: Path):
    (scratch_root / "params/bert/kunlunxin/R300x1x1.yaml").write_text("hardware: r300\nparams:\n  max_steps: 100\n")
    with pytest.raises(ParamsError) as err:
        _resolve("R300x1x1")
    message = str(err.value)
    assert message.startswith("params/bert/kunlunxin/R300x1x1.yaml: key 'max_steps' may not be changed")
    assert "allow_nonstandard: true" in message and "\n" not in message


def test_restating_the_reference_value_is_not_a_change(scratch_root: Path):
    (scratch_root / "params/bert/kunlunxin/R300x1x1.yaml").write_text("hardware: r300\nparams:\n  max_steps: 25000\n")
    assert _resolve("R300x1x1").standard


def test_a_forbidden_override_exits_2_naming_the_key():
    done = run_main("run", "bert", "--vendor", "kunlunxin", "--config", "R300x1x1", "--set", "num_layers=2")
    assert done.returncode == 2
    line = done.stderr.strip()
    assert "\n" not in line and "overrides (--set): key 'num_layers' may not be changed" in line


def _stamped_result() -> RunResult:
    resolved = _resolve("R300x1x1", {"hidden_size": 256, "allow_nonstandard": True})
    return RunResult(
        benchmark="bert", vendor="kunlunxin", config="R300x1x1", status="ok", kit_version="0", started_at="",
        finished_at="", run=resolved.to_dict(), environment={}, hardware={"short_name": "R300"}, data={},
        metrics={"p_train": 1.0},
    )


def test_allow_nonstandard_results_are_stamped_in_every_report(tmp_path):
    result = _stamped_result()
    assert not result.standard and result.run["nonstandard_keys"] == ["hidden_size"]
    assert tables.performance_row(result)["配置"].endswith("†")
    general = dict(zip(tables.general_table(result)["指标名称"], tables.general_table(result)["指标值"]))
    assert general["额外修改项 Non-standard changes"] == "hidden_size"
    summary = dict(zip(tables.run_summary(result)[""], tables.run_summary(result)["value"]))
    assert summary["标准 standard"] == "no † non-standard: hidden_size"
    params = {row["key"]: row for row in tables.params_table(result.run, benchmark_class("bert").params_model).records()}
    assert params["hidden_size"]["non-standard"] == "†" and params["batch_size"]["non-standard"] == ""
    assert "no †" in re.sub(r"<[^>]+>", "", runs_table_html([(tmp_path, result)], tmp_path))
