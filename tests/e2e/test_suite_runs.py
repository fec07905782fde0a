"""`perfkit suite`, real runs: failure isolation, crashed kernels, timeouts, resume,
Ctrl-C and SIGKILL. Runs happen in a scratch project (PERFKIT_ROOT) with two tiny run configs:
`short` (3 steps) and `long` (6 steps), so one fault step (4) fails only the long run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from support.cli import ROOT
from support.suite_project import FAULT_STEP, LONG, SHORT, result, run_dir, suite_cli, write_suite


# -- real runs --------------------------------------------------------------------------------

def test_failed_run_is_isolated_recorded_and_rendered_then_resume_skips_it(project):
    write_suite(project, "mixed", [LONG, SHORT])
    done = suite_cli(project, "mixed", fault=f"raise@{FAULT_STEP}")
    assert done.returncode == 101, done.stdout + done.stderr  # 100 + one run that did not end ok
    failed, ok = result(project, "long"), result(project, "short")
    assert failed["status"] == "failed" and failed["error"]["type"] == "InjectedFault"
    assert "Traceback" in failed["error"]["traceback"]
    assert ok["status"] == "ok" and ok["metrics"]["steps"] == 3
    assert "InjectedFault" in (run_dir(project, "long") / "report.html").read_text()
    assert (run_dir(project, "long") / "notebook.ipynb").is_file()
    assert "bert/cpu/long: failed" in done.stdout and "bert/cpu/short: ok" in done.stdout
    assert "wall time" in done.stdout and "kit overhead" in done.stdout and "HTML export" in done.stdout
    index = (project / "reports/index.html").read_text()
    assert "runs/bert/cpu/long/report.html" in index and "failed" in index
    record = json.loads((project / "reports/suites/mixed.json").read_text())
    assert [r["status"] for r in record["runs"]] == ["failed", "ok"]

    # the dry run now plans to skip the ok run; the real rerun skips it and redoes the failed one
    plan = suite_cli(project, "mixed", "--dry-run")
    assert "skip  bert/cpu/short" in plan.stdout and "run   bert/cpu/long" in plan.stdout
    again = suite_cli(project, "mixed", "--no-index")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "bert/cpu/short: skipped" in again.stdout
    assert result(project, "short")["finished_at"] == ok["finished_at"]
    assert result(project, "long")["status"] == "ok"

    # --force reruns an ok run; changed params are not skipped either
    write_suite(project, "one", [SHORT])
    forced = suite_cli(project, "one", "--force", "--no-index")
    assert forced.returncode == 0 and "short: ok" in forced.stdout
    assert result(project, "short")["started_at"] >= ok["finished_at"]
    write_suite(project, "one", [{**SHORT, "set": {"learning_rate": 0.02}}])
    assert "run   bert/cpu/short" in suite_cli(project, "one", "--dry-run").stdout


def test_dead_kernel_is_recorded_as_crashed_and_the_suite_goes_on(project):
    write_suite(project, "crash", [LONG, SHORT])
    done = suite_cli(project, "crash", "--no-index", fault=f"exit@{FAULT_STEP}")
    assert done.returncode == 101, done.stdout + done.stderr
    crashed = result(project, "long")  # written by perfkit: the kernel died before it could
    assert crashed["status"] == "crashed" and crashed["error"]["type"] == "KernelDied"
    assert "exit code 17" in crashed["error"]["message"] and crashed["error"]["kernel_exit_code"] == 17
    assert crashed["run"]["params"]["max_steps"] == 6 and crashed["run"]["params_hash"]
    notebook = json.loads((run_dir(project, "long") / "notebook.ipynb").read_text())
    assert "This run crashed" in "".join(notebook["cells"][0]["source"])
    html = (run_dir(project, "long") / "report.html").read_text()
    assert "This run crashed" in html and "exit code 17" in html
    assert result(project, "short")["status"] == "ok"


def test_run_over_its_timeout_is_stopped_and_recorded_as_timeout(project):
    write_suite(project, "slow", [LONG, SHORT], timeout=3600)
    done = suite_cli(project, "slow", "--no-index", "--timeout", "15", fault=f"hang@{FAULT_STEP}")
    assert done.returncode == 101, done.stdout + done.stderr
    record = result(project, "long")
    assert record["status"] == "timeout" and record["error"]["type"] == "Timeout"
    assert "timed out after 15 s" in record["error"]["message"]
    assert "timed out" in (run_dir(project, "long") / "report.html").read_text()
    assert result(project, "short")["status"] == "ok"


def _wait_for(predicate, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def _interruptible() -> None:
    """In the child before it runs: Ctrl-C delivered as a terminal delivers it. A test run started
    in the background of a non-interactive shell inherits SIGINT ignored (POSIX shells ignore it
    for `&` commands), and Python keeps an inherited ignore, so the suite would never see it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_suite(root: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "PERFKIT_ROOT": str(root), "PERFKIT_REPORTS": str(root / "reports")}
    return subprocess.Popen([sys.executable, "-m", "perfkit", "suite", name, "--no-index"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)


def _every_json_parses(root: Path) -> int:
    files = list((root / "reports").rglob("*.json")) + list((root / "reports").rglob("*.ipynb"))
    for path in files:
        json.loads(path.read_text())
    return len(files)


def _staging(root: Path, config: str) -> bool:
    return any((root / "reports/runs/bert/cpu").glob(f".{config}.staging-*/notebook.ipynb"))


def test_sigkill_mid_run_leaves_nothing_corrupt_and_the_rerun_resumes(project):
    write_suite(project, "killed", [SHORT, LONG])
    proc = _start_suite(project, "killed")
    try:
        _wait_for(lambda: (run_dir(project, "short") / "result.json").is_file() and _staging(project, "long"))
        time.sleep(1.0)
        kernels = psutil.Process(proc.pid).children(recursive=True)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    _, alive = psutil.wait_procs(kernels, timeout=60)  # an orphaned kernel notices and exits
    assert not alive
    assert _every_json_parses(project) >= 3
    assert result(project, "short")["status"] == "ok"
    assert not run_dir(project, "long").exists()  # only hidden staging debris
    again = _start_suite(project, "killed")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, out + err
    assert "bert/cpu/short: skipped" in out and result(project, "long")["status"] == "ok"
    assert _every_json_parses(project) >= 5
    # no debris; the hidden lock files of the two run folders stay (perfkit.results.run_folder.locked)
    assert sorted(p.name for p in (project / "reports/runs/bert/cpu").iterdir()) == [".long.lock", ".short.lock",
                                                                                      "long", "short"]


def test_ctrl_c_ends_the_current_run_as_interrupted_and_stops_the_suite(project):
    write_suite(project, "stopped", [LONG, SHORT])
    proc = _start_suite(project, "stopped")
    try:
        _wait_for(lambda: _staging(project, "long"))
        time.sleep(3.0)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, out + err
    record = result(project, "long")
    assert record["status"] == "interrupted" and "interrupted" in record["error"]["message"]
    assert (run_dir(project, "long") / "report.html").is_file()
    assert not run_dir(project, "short").exists()  # the rest of the suite did not run
    assert "interrupted, rerun the suite to resume" in out


@pytest.mark.parametrize("failed, code", [(0, 0), (1, 101), (2, 102), (25, 125), (400, 125)])
def test_suite_exit_code_counts_failures_and_never_reads_as_usage_error(failed, code):
    from perfkit.jobs.suite_run import suite_exit_code

    assert suite_exit_code(failed) == code
