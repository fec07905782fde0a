"""Ledger records (reports/jobs/<id>.json) are hostile input to `perfkit status`: a record is
validated against a strict schema and its ``run_dir`` must be exactly the run folder its own
identity names; anything else is skipped with one warning naming the file, and nothing is
written or deleted for it. Slurm's commands are faked on PATH: they no longer know any job,
which is when `perfkit status` settles (and once deleted) a record's run folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from perfkit import cli
from perfkit.slurm import ledger

FORGOTTEN = {  # Slurm that no longer knows the job
    "squeue": "#!/bin/sh\nexit 0\n",
    "scontrol": "#!/bin/sh\necho 'slurm_load_jobs error: Invalid job id specified' >&2\nexit 1\n",
    "sacct": "#!/bin/sh\nexit 0\n",
}


@pytest.fixture()
def tree(tmp_path, monkeypatch) -> Path:
    """A reports folder with a published ok bert run, an imported reference and a user's file;
    Slurm's commands faked; the index rebuild stubbed (not what is tested)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in FORGOTTEN.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    reports = (tmp_path / "reports").resolve()
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    monkeypatch.setattr("perfkit.jobs.index_build.build_index", lambda *a, **k: reports / "index.html")
    bert = reports / "runs/bert/cpu/smoke"
    bert.mkdir(parents=True)
    (bert / "result.json").write_text(json.dumps({"status": "ok", "marker": "bert's ok result"}))
    (bert / "report.html").write_text("<p>bert</p>")
    (reports / "references").mkdir()
    (reports / "references/bert.json").write_text("{}")
    (reports / "notes.txt").write_text("the user's own notes")
    (reports / "jobs").mkdir()
    return reports


def _files(root: Path) -> dict[str, bytes]:
    """Every path under ``root`` (the ledger folder aside) with a file's bytes."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(root.rglob("*")) if "jobs" not in p.relative_to(root).parts[:1]}


def _record(reports: Path, **changes) -> dict:
    record = {"job_id": "91", "submitted_at": "2026-01-01T00:00:00+00:00", "benchmark": "bert", "vendor": "cpu",
              "config": "smoke", "label": "bert/cpu/smoke", "run_dir": str(reports / "runs/bert/cpu/smoke"),
              "overrides": {}, "timeout": None, "suite": "", "html": False, "redacted": False, "state": "RUNNING",
              "reason": "", "status": "", "detail": "", "settled_at": ""}
    record.update(changes)
    return record


def _status(capsys) -> tuple[int, list[str]]:
    code = cli.main(["status"])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


HOSTILE_RUN_DIRS = {
    "the reports folder": lambda r: {"run_dir": str(r)},
    "reports/runs": lambda r: {"run_dir": str(r / "runs")},
    "reports/references": lambda r: {"run_dir": str(r / "references")},
    "the reports folder's parent": lambda r: {"run_dir": str(r.parent)},
    "the root": lambda r: {"run_dir": "/"},
    "another benchmark's run folder": lambda r: {"benchmark": "glm", "label": "glm/cpu/smoke"},
    "another vendor's": lambda r: {"vendor": "nvidia", "label": "bert/nvidia/smoke"},
    "a repeat's folder for the first repeat": lambda r: {"run_dir": str(r / "runs/bert/cpu/smoke/r2")},
    "the first repeat's folder for a repeat": lambda r: {"label": "bert/cpu/smoke r2"},
    "a label that is not the identity": lambda r: {"benchmark": "glm", "label": "bert/cpu/smoke",
                                                   "run_dir": str(r / "runs/glm/cpu/smoke")},
    "a path through ..": lambda r: {"benchmark": "glm", "label": "glm/cpu/smoke",
                                    "run_dir": str(r / "runs/glm/cpu/../../bert/cpu/smoke")},
    "a relative path": lambda r: {"run_dir": "runs/bert/cpu/smoke"},
    "a config that is a path": lambda r: {"config": "../../..", "label": "bert/cpu/../../..",
                                          "run_dir": str(r)},
    "a prepared run outside the ledger": lambda r: {"prepared": "/etc/passwd"},
    "a prepared run through ..": lambda r: {"prepared": str(r / "jobs/prepared/../../runs/bert/cpu/smoke/result.json")},
    "a prepared run not named as perfkit names them": lambda r: {"prepared": str(r / "jobs/prepared/x.json")},
    "a relative prepared run": lambda r: {"prepared": "jobs/prepared/" + "0" * 32 + ".json"},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_RUN_DIRS))
def test_a_record_whose_run_dir_is_not_its_own_run_folder_is_skipped_and_nothing_is_touched(tree, capsys, case):
    record = _record(tree, **HOSTILE_RUN_DIRS[case](tree))
    if case == "another benchmark's run folder" or case == "another vendor's":
        record["run_dir"] = str(tree / "runs/bert/cpu/smoke")
    path = tree / "jobs/91.json"
    path.write_text(json.dumps(record))
    before = _files(tree.parent)
    code, lines = _status(capsys)
    assert code == 0
    assert _files(tree.parent) == before, "a refused record changed files"
    warnings = [line for line in lines if "warning" in line]
    assert len(warnings) == 1 and str(path) in warnings[0], lines
    assert "Traceback" not in "\n".join(lines)
    assert json.loads(path.read_text()) == record  # the record itself is left as it is


STRICT = {
    "submitted_at an integer": {"submitted_at": 1767225600},
    "submitted_at not a time": {"submitted_at": "yesterday"},
    "html a string": {"html": "yes"},
    "timeout a string": {"timeout": "5"},
    "timeout negative": {"timeout": -1.0},
    "overrides a list": {"overrides": ["max_steps=3"]},
    "job_id a number": {"job_id": 91},
    "an unknown key": {"run_dir_2": "/"},
    "a huge label": {"label": "x" * 100_000},
}


@pytest.mark.parametrize("case", sorted(STRICT))
def test_a_record_of_the_wrong_shape_is_skipped_with_one_warning_naming_it(tree, capsys, case):
    path = tree / "jobs/91.json"
    path.write_text(json.dumps(_record(tree, **STRICT[case])))
    before = _files(tree.parent)
    code, lines = _status(capsys)
    assert code == 0 and _files(tree.parent) == before
    assert len(lines) >= 1 and str(path) in lines[0] and "warning" in lines[0], lines
    assert "Traceback" not in "\n".join(lines)


@pytest.mark.parametrize("text", ["[]", "1" * 10, "[" * 100_000, '{"job_id": "91"', "\udcff"])
def test_a_record_that_is_not_a_json_object_is_skipped(tree, capsys, text):
    path = tree / "jobs/91.json"
    path.write_text(text, errors="surrogateescape")
    code, lines = _status(capsys)
    assert code == 0 and any(str(path) in line for line in lines) and "Traceback" not in "\n".join(lines)


def test_a_record_named_for_another_job_is_skipped(tree, capsys):
    path = tree / "jobs/92.json"
    path.write_text(json.dumps(_record(tree)))
    code, lines = _status(capsys)
    assert code == 0 and str(path) in lines[0]


def test_a_valid_record_settles_its_own_run_folder_and_no_other(tree, capsys):
    glm = tree / "runs/glm/cpu/smoke"
    (tree / "jobs/93.json").write_text(json.dumps(_record(tree, job_id="93", benchmark="glm", label="glm/cpu/smoke",
                                                          run_dir=str(glm))))
    bert_before = _files(tree / "runs/bert")
    code, lines = _status(capsys)
    assert code == 0, lines
    assert json.loads((glm / "result.json").read_text())["status"] == "crashed"
    assert _files(tree / "runs/bert") == bert_before
    assert (tree / "notes.txt").read_text() == "the user's own notes"
    settled = ledger.load(tree / "jobs/93.json", tree)
    assert settled is not None and settled.status == "crashed" and settled.settled


def test_the_expected_folder_follows_the_identity_and_the_repeat(tree):
    good = ledger.JobRecord.checked(_record(tree, label="bert/cpu/smoke r3"))
    assert ledger.expected_run_dir(good, tree) == tree / "runs/bert/cpu/smoke/r3"
    path = tree / "jobs/91.json"
    path.write_text(json.dumps(_record(tree, label="bert/cpu/smoke r3", run_dir=str(tree / "runs/bert/cpu/smoke/r3"))))
    assert ledger.load(path, tree) is not None


def test_a_suites_first_repeat_labelled_r1_is_the_run_folder_itself(tree):
    """A suite with repeats labels its first run "… r1"; its folder is the run folder (no r1/)."""
    first = ledger.JobRecord.checked(_record(tree, label="bert/cpu/smoke r1"))
    assert ledger.expected_run_dir(first, tree) == tree / "runs/bert/cpu/smoke"
    path = tree / "jobs/92.json"
    path.write_text(json.dumps(_record(tree, job_id="92", label="bert/cpu/smoke r1", run_dir=str(tree / "runs/bert/cpu/smoke"))))
    assert ledger.load(path, tree) is not None
