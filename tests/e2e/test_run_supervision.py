"""`perfkit run` under supervision: one writer per run folder, SIGTERM and --timeout end the
kernel and everything it started, a DataLoader worker that dies makes the run ``crashed``.

Every run here carries a marker in its environment (PERFKIT_TEST_MARK); a process still alive
with that marker after the run ended is a leaked kernel or worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil

from support.cli import ROOT, run_cli

MARK = "PERFKIT_TEST_MARK"


def _args(bert_data: Path, *extra: str) -> list[str]:
    return ["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--no-html",
            "--set", f"data_dir={bert_data}", "--set", "max_steps=4", "--set", "eval_interval=4", *extra]


def _env(reports: Path, fault: str, mark: str, **extra: str) -> dict[str, str]:
    return {"PERFKIT_REPORTS": str(reports), "PERFKIT_TEST_FAULT": fault, MARK: mark, "OMP_NUM_THREADS": "1", **extra}


def _start(args: list[str], env_extra: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "w") as handle:
        return subprocess.Popen([sys.executable, "-m", "perfkit", *args], cwd=ROOT, env={**os.environ, **env_extra},
                                stdout=handle, stderr=subprocess.STDOUT)


def _marked(mark: str) -> list[int]:
    """Processes alive (not zombies) whose environment carries ``mark``."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get(MARK) == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
        except psutil.Error:
            continue
    return found


def _wait_for(predicate, what: str, proc: subprocess.Popen, log: Path, limit: float = 600) -> None:
    """Poll until ``predicate()``; fail (not hang) when the run ended first or after ``limit`` s."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert proc.poll() is None, f"the run ended before {what}: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {what}: {log.read_text()[-3000:]}"
        time.sleep(0.2)


def _notebook_started(run_dir: Path) -> bool:
    """The notebook is running: papermill wrote its first save into the staging folder (the
    kernel boots earlier, while the host checks the run)."""
    return any((staging / "notebook.ipynb").is_file() for staging in _staging(run_dir))


def _staging(run_dir: Path) -> list[Path]:
    return sorted(run_dir.parent.glob(f".{run_dir.name}.staging-*")) + sorted(run_dir.parent.glob(f".{run_dir.name}.old-*"))


def _result(run_dir: Path) -> dict:
    return json.loads((run_dir / "result.json").read_text())


def test_a_second_run_of_the_same_folder_is_refused_naming_the_first_which_ends_ok(bert_data, tmp_path):
    reports, mark, release = tmp_path / "reports", uuid.uuid4().hex, tmp_path / "release"
    run_dir = reports / "runs/bert/cpu/smoke"
    log = tmp_path / "first.log"
    first = _start(_args(bert_data), _env(reports, "hold@2", mark, PERFKIT_TEST_RELEASE=str(release)), log)
    try:
        staging = run_dir.parent / f".smoke.staging-{first.pid}"
        _wait_for(staging.is_dir, "staging folder of the first run", first, log)
        second = run_cli(*_args(bert_data), env_extra=_env(reports, "", uuid.uuid4().hex))
        assert second.returncode == 2, second.stdout + second.stderr
        lines = [line for line in second.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0] and "being written" in lines[0], lines
        assert staging.is_dir(), "the second run removed the first's live staging folder"
        release.touch()
        assert first.wait(timeout=600) == 0, log.read_text()[-3000:]
    finally:
        release.touch()
        if first.poll() is None:
            first.kill()
    result = _result(run_dir)
    assert result["status"] == "ok" and result["metrics"]["steps"] == 4
    assert (run_dir / "notebook.ipynb").is_file()
    assert _staging(run_dir) == []
    assert _marked(mark) == []


def test_sigterm_ends_the_run_as_interrupted_with_no_process_or_staging_left(bert_data, tmp_path):
    reports, mark = tmp_path / "reports", uuid.uuid4().hex
    run_dir = reports / "runs/bert/cpu/smoke"
    log = tmp_path / "run.log"
    args = _args(bert_data)
    args.remove("--no-html")  # the interrupted run's partial notebook is published as HTML too
    proc = _start(args, _env(reports, "hang@2", mark), log)
    try:
        _wait_for(lambda: _notebook_started(run_dir), "notebook", proc, log)
        started = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 130, log.read_text()[-3000:]
    assert "interrupted" in log.read_text()
    result = _result(run_dir)
    assert result["status"] == "interrupted" and result["error"]["type"] == "Interrupted"
    assert (run_dir / "notebook.ipynb").is_file() and (run_dir / "report.html").is_file()
    assert _staging(run_dir) == []
    assert [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE] == []
    assert _marked(mark) == []


def test_timeout_ends_the_run_as_timeout_with_no_process_or_staging_left(bert_data, tmp_path):
    reports, mark = tmp_path / "reports", uuid.uuid4().hex
    run_dir = reports / "runs/bert/cpu/smoke"
    done = run_cli(*_args(bert_data, "--timeout", "15"), env_extra=_env(reports, "hang@2", mark))
    assert done.returncode == 1, done.stdout + done.stderr
    result = _result(run_dir)
    assert result["status"] == "timeout" and result["error"]["type"] == "Timeout"
    assert _staging(run_dir) == []
    assert _marked(mark) == []


def test_a_dataloader_worker_that_dies_makes_the_run_crashed(bert_data, tmp_path):
    reports, mark = tmp_path / "reports", uuid.uuid4().hex
    run_dir = reports / "runs/bert/cpu/smoke"
    done = run_cli(*_args(bert_data, "--set", "num_workers=2"), env_extra=_env(reports, "loader_exit@1", mark))
    assert done.returncode == 1, done.stdout + done.stderr
    result = _result(run_dir)
    assert result["status"] == "crashed", result["error"]
    assert "DataLoader worker" in result["error"]["message"]
    assert _staging(run_dir) == []
    assert _marked(mark) == []
