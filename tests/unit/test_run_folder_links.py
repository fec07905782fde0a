"""The runs tree never follows a link: ``runs/`` itself, a folder on the way to a run folder, the
run folder, its attempts folder, or a staging / moved-aside folder that recovery would move or
delete, when a link, make `perfkit run` refuse with one line and exit 2, and the link's target
keeps every file. The kernel is faked (what is tested is the host's writing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfkit import cli
from perfkit.jobs.kernel import KernelEnding
from perfkit.results import run_folder
from perfkit.results.store import write_json_atomic
from perfkit.run.spec import initial_record, prepare
from support.fake_kernel import fake_runs


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    return fake_runs(monkeypatch, tmp_path / "reports", "failed",
                     KernelEnding("error", 1.0, ename="InjectedFault", evalue="boom"))


@pytest.fixture()
def victim(tmp_path) -> Path:
    """A folder of the user's that a link points at."""
    folder = tmp_path / "victim"
    (folder / "sub").mkdir(parents=True)
    (folder / "keep.txt").write_text("the user's file")
    (folder / "sub/result.json").write_text('{"mine": true}')
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"<dir>" for p in sorted(folder.rglob("*"))}


def _run(capsys) -> tuple[int, list[str]]:
    code = cli.main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--no-html", "--quiet"])
    return code, [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True,
                              text=True).stdout)


def _ok_run_folder(reports: Path) -> Path:
    final = reports / "runs/bert/cpu/smoke"
    final.mkdir(parents=True)
    record = initial_record(prepare("bert", "cpu", "smoke", {}, final), "2026-01-01T00:00:00+00:00", status="ok")
    write_json_atomic(final / "result.json", record.to_dict())
    return final


LINKS = {
    "runs": lambda reports, victim: (reports / "runs", victim),
    "runs/bert": lambda reports, victim: (reports / "runs/bert", victim),
    "runs/bert/cpu": lambda reports, victim: (reports / "runs/bert/cpu", victim),
    "the run folder": lambda reports, victim: (reports / "runs/bert/cpu/smoke", victim),
    "a dead writer's staging folder": lambda reports, victim: (
        reports / f"runs/bert/cpu/.smoke.staging-{_dead_pid()}", victim),
    "a dead writer's moved-aside folder": lambda reports, victim: (
        reports / f"runs/bert/cpu/.smoke.old-{_dead_pid()}", victim),
    "the attempts folder of an ok run": lambda reports, victim: (reports / "runs/bert/cpu/smoke/attempts", victim),
}


@pytest.mark.parametrize("case", sorted(LINKS))
def test_a_link_in_the_runs_tree_is_refused_in_one_line_and_its_target_is_untouched(reports, victim, capsys, case):
    if case == "the attempts folder of an ok run":
        _ok_run_folder(reports)
    link, target = LINKS[case](reports, victim)
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target, target_is_directory=True)
    before = _snapshot(victim)
    code, lines = _run(capsys)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("perfkit: error: ") and "link" in lines[0], lines
    assert _snapshot(victim) == before
    assert link.is_symlink()
    if (reports / "runs/bert/cpu").is_dir() and not (reports / "runs/bert/cpu").is_symlink():
        assert not list((reports / "runs/bert/cpu").glob(f".smoke.staging-{__import__('os').getpid()}"))


def test_a_file_where_a_folder_belongs_is_refused(reports, capsys):
    (reports / "runs/bert").mkdir(parents=True)
    (reports / "runs/bert/cpu").write_text("not a folder")
    code, lines = _run(capsys)
    assert code == 2 and len(lines) == 1, lines
    assert (reports / "runs/bert/cpu").read_text() == "not a folder"


def test_readers_never_follow_a_link_in_the_runs_tree(reports, victim):
    (reports / "runs/bert/cpu").mkdir(parents=True)
    (victim / "v/c").mkdir(parents=True)
    (victim / "v/c/result.json").write_text("{}")
    (reports / "runs/glm").symlink_to(victim, target_is_directory=True)
    (reports / "runs/bert/cpu/smoke").mkdir()
    (reports / "runs/bert/cpu/smoke/result.json").symlink_to(victim / "sub/result.json")
    assert run_folder.result_files(reports) == []


def test_a_run_writes_when_nothing_is_a_link(reports, capsys):
    code, lines = _run(capsys)
    assert code == 1, lines  # the faked kernel fails the run: it is published
    assert json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())["status"] == "failed"
