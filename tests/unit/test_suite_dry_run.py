"""`perfkit suite NAME --dry-run` once the suite's runs exist: every benchmark kind (training and
inference) is asked for its data's current hash, an ok run with the same hashes is listed as a
skip, and nothing is written (it once crashed: 'BertInference' object has no attribute
'current_data')."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from perfkit.cli import main
from support.fabricated import make_result, write_run
from support.suite_project import SHORT, make_project, write_suite

SMOKE = Path(__file__).resolve().parents[2] / "params/suites/smoke.yaml"


def _tree(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


@pytest.fixture()
def project(tmp_path, bert_data, project_root, monkeypatch) -> Path:
    root = make_project(tmp_path, bert_data, project_root)
    monkeypatch.setenv("PERFKIT_ROOT", str(root))
    monkeypatch.setenv("PERFKIT_REPORTS", str(root / "reports"))
    monkeypatch.setenv("PERFKIT_DATA", str(tmp_path / "data-cache"))
    return root


def test_dry_run_with_every_run_of_the_smoke_suite_already_published(project, capsys):
    from perfkit.jobs.suite import current_data_hash, load_suite, plan_suite

    smoke_runs = yaml.safe_load(SMOKE.read_text())["runs"]
    write_suite(project, "existing", [SHORT, *smoke_runs])
    planned = plan_suite(load_suite("existing"))
    assert {run.prepared.benchmark for run in planned} >= {"bert", "bert_inference", "glm", "mobilenetv2"}
    reports = project / "reports"
    for run in planned:  # an ok result of the same params, for every run; the data hash where data exists
        result = make_result(run.prepared.benchmark, run.prepared.resolved.vendor, run.prepared.resolved.config)
        result.run["params_hash"] = run.prepared.resolved.params_hash
        result.data["hash"] = current_data_hash(run) or "no-data-yet"
        write_run(reports, result)
    before = _tree(project)
    capsys.readouterr()
    assert main(["suite", "existing", "--dry-run"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert captured.err.strip() == ""
    assert any(line.startswith("skip  bert/cpu/short") for line in lines), lines
    for entry in smoke_runs:
        label = f"{entry['benchmark']}/{entry['vendor']}/{entry['config']}"
        assert any(line.split()[1:2] == [label] for line in lines if line.startswith(("run ", "skip "))), label
    assert lines[-1].endswith("to skip") and len([l for l in lines if l.startswith(("run ", "skip "))]) == len(planned)
    assert _tree(project) == before, "the dry run wrote something"
    assert not any(name.startswith(".") for name in os.listdir(reports / "runs/bert/cpu"))
