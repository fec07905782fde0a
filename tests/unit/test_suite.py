"""`perfkit suite` without real runs: validation, dry runs, run folders (the real runs are in
tests/e2e/test_suite_runs.py). Runs happen in a scratch project (PERFKIT_ROOT) with two tiny run configs:
`short` (3 steps) and `long` (6 steps), so one fault step (4) fails only the long run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from perfkit.results import run_folder
from perfkit.cli import main

from support.suite_project import LONG, SHORT, run_dir, write_suite



# -- validation and planning (no notebook runs) ----------------------------------------------

BAD_SUITES = {
    "unknown top-level key": ({"runz": []}, "unknown key 'runz'"),
    "no runs": ({"runs": []}, "key 'runs' must be a non-empty list"),
    "unknown run key": ({"runs": [{**SHORT, "repeat": 2}]}, "runs[0]: unknown key 'repeat'"),
    "missing config": ({"runs": [{"benchmark": "bert", "vendor": "cpu"}]}, "runs[0]: key 'config' is required"),
    "zero repeats": ({"runs": [{**SHORT, "repeats": 0}]}, "runs[0]: key 'repeats' must be a whole number >= 1"),
    "negative timeout": ({"runs": [{**SHORT, "timeout": -5}]}, "runs[0]: key 'timeout' must be a number of seconds, at least 1"),
    "suite timeout not a number": ({"timeout": "soon", "runs": [SHORT]}, "key 'timeout' must be a number"),
    "set not a mapping": ({"runs": [{**SHORT, "set": [1]}]}, "runs[0]: key 'set' must be a mapping"),
    "same run twice": ({"runs": [SHORT, LONG, SHORT]}, "runs[2]: bert/cpu/short is already runs[0]"),
    "unknown config": ({"runs": [SHORT, {**SHORT, "config": "huge"}]}, "runs[1] (bert/cpu/huge): unknown config 'huge'"),
    "unknown vendor": ({"runs": [{**SHORT, "vendor": "acme"}]}, "runs[0] (bert/acme/short):"),
    "unknown override": ({"runs": [{**SHORT, "set": {"no_such_key": 1}}]}, "runs[0] (bert/cpu/short): key 'set': unknown key 'no_such_key'"),
}


@pytest.mark.parametrize("name", list(BAD_SUITES))
def test_invalid_suite_gives_one_line_naming_file_and_key(name, project, monkeypatch, capsys):
    body, needle = BAD_SUITES[name]
    (project / "params/suites/bad.yaml").write_text(yaml.safe_dump(body))
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))
    code = main(["suite", "bad"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert "params/suites/bad.yaml" in err[0] and needle in err[0], err[0]
    assert not (project / "reports").exists()


def test_suite_given_by_path_and_bad_timeout_flag(project, monkeypatch, capsys, tmp_path):
    path = tmp_path / "elsewhere.yaml"
    path.write_text(yaml.safe_dump({"runs": [SHORT]}))
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))
    assert main(["suite", str(path), "--dry-run"]) == 0
    assert "bert/cpu/short" in capsys.readouterr().out
    assert main(["suite", str(path), "--timeout", "0"]) == 2
    assert "--timeout" in capsys.readouterr().err


def test_dry_run_lists_every_repeat_with_its_folder_and_timeout_and_writes_nothing(project, monkeypatch, capsys):
    write_suite(project, "matrix", [{**SHORT, "repeats": 2}, {**LONG, "timeout": 50}], timeout=300)
    monkeypatch.setenv("PERFKIT_ROOT", str(project))
    monkeypatch.setenv("PERFKIT_REPORTS", str(project / "reports"))
    assert main(["suite", "matrix", "--dry-run"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    runs = [line for line in lines if line.startswith("run ")]
    assert len(runs) == 3
    assert "bert/cpu/short r1" in runs[0] and "timeout 300 s" in runs[0] and runs[0].split("-> ")[1].startswith(
        str(run_dir(project, "short")))
    assert "bert/cpu/short r2" in runs[1] and str(run_dir(project, "short") / "r2") in runs[1]
    assert "bert/cpu/long" in runs[2] and "timeout 50 s" in runs[2]
    assert lines[-1] == "3 to run, 0 to skip"
    assert main(["suite", "matrix", "--dry-run", "--timeout", "7"]) == 0
    assert capsys.readouterr().out.count("timeout 7 s") == 3
    assert not (project / "reports").exists()


# -- run folders: the staging swap and what a killed writer leaves ---------------------------

def _folder(path: Path, marker: str) -> Path:
    path.mkdir(parents=True)
    (path / "result.json").write_text(json.dumps({"marker": marker}))
    return path


def test_swap_keeps_repeat_subfolders(tmp_path):
    final = _folder(tmp_path / "smoke", "old")
    _folder(final / "r2", "repeat 2")
    staging = run_folder.new_staging(final)
    (staging / "result.json").write_text(json.dumps({"marker": "new"}))
    run_folder.swap_into_place(staging, final)
    assert json.loads((final / "result.json").read_text())["marker"] == "new"
    assert json.loads((final / "r2/result.json").read_text())["marker"] == "repeat 2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smoke"]


def test_recover_after_a_writer_killed_between_the_two_renames(tmp_path):
    final = tmp_path / "smoke"
    old = _folder(tmp_path / ".smoke.old-123", "complete old run")
    _folder(tmp_path / ".smoke.staging-123/r2", "repeat 2")  # moved into staging before the kill
    run_folder.recover(final)
    assert json.loads((final / "result.json").read_text())["marker"] == "complete old run"
    assert json.loads((final / "r2/result.json").read_text())["marker"] == "repeat 2"
    assert not old.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["smoke"]


