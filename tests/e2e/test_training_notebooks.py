"""End to end: each training benchmark's notebook executed through `perfkit run` on the CPU, its
result read back; the same checks for BERT, GLM, MobileNetV2 and ResNet50, plus plain papermill
(BERT and Llama).

Each benchmark runs once per module, at its whole CPU smoke config (BERT: 200 of its 300 steps),
and every check reads that one run: the seed row, the report, the index, and that it learns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass

import pytest

from perfkit.report.offline import remote_references
from perfkit.report.plots import IMAGE_DATA

from support.cli import ROOT, check_training_result, run_cli


@dataclass(frozen=True)
class Case:
    benchmark: str
    data: str  # the session fixture holding its dataset
    steps: int
    eval_interval: int
    settings: tuple[str, ...]  # further --set KEY=VALUE
    quality: str  # the benchmark's quality metric
    headings: tuple[str, ...]  # what its report shows
    builder: str = ""
    fix_hp: str = ""

    @property
    def evals(self) -> list[int]:
        return list(range(self.eval_interval, self.steps + 1, self.eval_interval))


IMAGE_HEADINGS = ("通用指标", "性能指标", "ImageNet2012", "图像分类", "p_core", "acc (0–1)")
CASES = {
    # 200 steps: enough for the offline text to be learnt visibly
    "bert": Case("bert", "bert_data", 200, 50, ("max_steps=200",), "mlm_accuracy",
                 ("环境配置", "通用指标", "性能指标", "mlm_accuracy", "p_core")),
    # the others at their whole smoke config (params/<benchmark>/cpu/smoke.yaml)
    "glm": Case("glm", "glm_data", 240, 120, (), "record_accuracy",
                ("通用指标", "性能指标", "ReCoRD", "p_core", "acc (0–1)"), "perfkit.data.build_record/1", "bs=8,lr=0.002"),
    "mobilenetv2": Case("mobilenetv2", "imagenet_data", 300, 150, (), "top1_accuracy", IMAGE_HEADINGS,
                        "perfkit.data.build_imagenet/1"),
    "resnet50": Case("resnet50", "imagenet_data", 300, 150, (), "top1_accuracy",
                     (*IMAGE_HEADINGS, "ResNet50 on ImageNet2012"), "perfkit.data.build_imagenet/1"),
}


@pytest.fixture(scope="module", params=list(CASES))
def smoke(request, tmp_path_factory):
    """`perfkit run BENCHMARK --vendor cpu --config smoke` on the session's dataset, once per module."""
    case = CASES[request.param]
    data = request.getfixturevalue(case.data)
    reports = tmp_path_factory.mktemp(f"reports-{case.benchmark}")
    sets = [f"data_dir={data}", *case.settings]
    done = run_cli("run", case.benchmark, "--vendor", "cpu", "--config", "smoke",
                   *[item for s in sets for item in ("--set", s)], env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 0, done.stdout + done.stderr
    return case, reports


def test_result_has_every_cell_of_the_seed_row(smoke):
    case, reports = smoke
    result = check_training_result(reports, case.benchmark, steps=case.steps, evals=case.evals)
    metrics = result["metrics"]
    assert metrics[case.quality] == metrics["acc"]
    assert metrics["mem_peak_gib"] > 0 and metrics["e2e_time"] >= metrics["train_time"]
    assert len(result["curves"]["loss"]) == case.steps
    assert result["kind"] == "training" and result["schema_version"] == 2
    assert "learning_rate" in result["run"]["params"]
    if case.builder:
        assert result["data"]["builder"] == case.builder
    if case.fix_hp:
        assert metrics["fix_hp"] == case.fix_hp
    env = result["environment"]
    assert env["python"] and env["libraries"]["torch"] and env["kernel"]


def test_report_html_is_offline_hides_code_and_shows_the_tables(smoke):
    case, reports = smoke
    html = (reports / f"runs/{case.benchmark}/cpu/smoke/report.html").read_text()
    assert remote_references(html) == []
    assert "pk.prepare" not in html  # code inputs hidden
    text = re.sub(r"<[^>]+>", "", html)  # what a reader sees (some words sit in no-break spans)
    for heading in case.headings:
        assert heading in text, heading
    assert IMAGE_DATA in html  # the curves, embedded
    log = re.search(r'<details class="perfkit-log"><summary>运行日志 Run log \((\d+) lines\)</summary>.*?</details>', html, re.S)
    assert log and 1 <= int(log.group(1)) <= 21  # the progress lines, folded above the headline
    assert f"{case.benchmark}: step " in log.group(0) and f"{case.benchmark}: step " not in html.replace(log.group(0), "")
    assert html.index(log.group(0)) < html.index('class="perfkit-headline"')
    index = (reports / "index.html").read_text()
    assert f'href="runs/{case.benchmark}/cpu/smoke/report.html"' in index
    assert remote_references(index) == []
    assert (reports / f"tables/{case.benchmark}_comparison.csv").is_file()


def test_executed_notebook_sits_beside_the_result(smoke):
    case, reports = smoke
    run_dir = reports / f"runs/{case.benchmark}/cpu/smoke"
    assert sorted(p.name for p in run_dir.iterdir()) == ["notebook.ipynb", "report.html", "result.json", "telemetry.csv"]
    # no staging or moved-aside folder left; the run folder's lock file stays, by design
    assert [p.name for p in run_dir.parent.iterdir() if p.name.startswith(".")] == [".smoke.lock"]


@pytest.mark.parametrize("smoke", ["bert"], indirect=True)
def test_bert_learns_the_offline_text(smoke):
    _, reports = smoke
    result = json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())
    metrics, evals = result["metrics"], result["curves"]["eval"]
    assert metrics["samples"] == 200 * 32
    assert metrics["mlm_accuracy"] > evals[0]["quality"]
    assert result["curves"]["loss"][-1] < result["curves"]["loss"][0]
    assert len(result["data"]["hash"]) == 64 and result["run"]["params_hash"]


@pytest.mark.parametrize("smoke", ["glm"], indirect=True)
def test_glm_smoke_ends_clearly_above_chance(smoke, glm_data):
    from perfkit.data import record

    _, reports = smoke
    result = json.loads((reports / "runs/glm/cpu/smoke/result.json").read_text())
    evaluated = record.read_record(glm_data / "val.jsonl")[: result["run"]["params"]["eval_samples"]]
    chance = record.chance_accuracy(evaluated)
    assert 0.3 < chance < 0.5
    assert result["metrics"]["acc"] >= chance + 0.1, (result["metrics"]["acc"], chance)


@pytest.mark.parametrize("smoke", ["mobilenetv2", "resnet50"], indirect=True)
def test_image_smoke_ends_clearly_above_chance(smoke):
    """The whole CPU smoke config (300 steps); 10 classes: chance 0.1."""
    case, reports = smoke
    result = json.loads((reports / f"runs/{case.benchmark}/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok" and result["metrics"]["steps"] == 300
    assert result["metrics"]["acc"] >= 0.1 + 0.2, result["metrics"]["acc"]


# benchmark -> (its notebook, the session fixture holding its dataset, the metrics its result must hold)
PLAIN_PAPERMILL = {
    "bert": ("bert_training", "bert_data", ("p_core",)),
    # llama's learning is checked through `perfkit run` (tests/e2e/test_llama_pretraining.py);
    # here four steps, enough to read token/p/s and both MFUs back from the result
    "llama": ("llama_pretraining", "llama_data", ("tokens_per_card_s", "mfu", "mfu_attn", "loss")),
}


@pytest.mark.parametrize("benchmark", list(PLAIN_PAPERMILL))
def test_plain_papermill_runs_the_notebook(benchmark, request, tmp_path):
    notebook, data, keys = PLAIN_PAPERMILL[benchmark]
    out_dir = tmp_path / "run"
    overrides = json.dumps({"data_dir": str(request.getfixturevalue(data)), "max_steps": 4, "eval_interval": 2})
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(ROOT / f"notebooks/{notebook}.ipynb"), str(tmp_path / "out.ipynb"),
         "-p", "vendor", "cpu", "-p", "config", "smoke", "-p", "overrides", overrides, "-p", "output_dir", str(out_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((out_dir / "result.json").read_text())
    assert result["status"] == "ok" and result["run"]["benchmark"] == benchmark
    assert result["metrics"]["steps"] == 4 and [e["step"] for e in result["curves"]["eval"]] == [2, 4]
    for key in keys:
        assert isinstance(result["metrics"][key], float) and result["metrics"][key] > 0, key
    assert "Passed unknown parameter" not in done.stderr


def test_plain_papermill_with_default_folders_runs_interactively(bert_data, tmp_path):
    """No output_dir and no resolved (a notebook run in JupyterLab): the result goes to its own
    reports/interactive/… folder; the published run's result and report stay as they were."""
    from support.fabricated import make_result, write_run

    published = write_run(tmp_path, make_result())
    before = (published / "result.json").read_text()
    overrides = json.dumps({"data_dir": str(bert_data), "max_steps": 3, "eval_interval": 3})
    done = subprocess.run(
        [sys.executable, "-m", "papermill", str(ROOT / "notebooks/bert_training.ipynb"), str(tmp_path / "out.ipynb"),
         "-p", "vendor", "cpu", "-p", "config", "smoke", "-p", "overrides", overrides],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PERFKIT_REPORTS": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    interactive = list((tmp_path / "interactive/bert/cpu/smoke").glob("*/result.json"))
    assert len(interactive) == 1 and re.fullmatch(r"\d{8}T\d{6}Z", interactive[0].parent.name)
    assert json.loads(interactive[0].read_text())["metrics"]["steps"] == 3
    assert (published / "result.json").read_text() == before and (published / "report.html").is_file()
    lines = [line for cell in json.loads((tmp_path / "out.ipynb").read_text())["cells"]
             for output in cell.get("outputs", []) for line in "".join(output.get("text", "")).splitlines()]
    assert any(line.startswith("interactive run: writing to") for line in lines)
    assert sum(1 for line in lines if line.startswith("bert: step ")) <= 20
