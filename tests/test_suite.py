"""`perfkit suite`: validation, dry runs, failure isolation, crashed kernels, timeouts, resume,
Ctrl-C and SIGKILL. Runs happen in a scratch project (PERFKIT_ROOT) with two tiny run configs:
`short` (3 steps) and `long` (6 steps), so one fault step (4) fails only the long run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from perfkit.results import run_folder
from perfkit.cli import main

from conftest import ROOT, run_cli

FAULT_STEP = 4  # reached by `long` only


@pytest.fixture()
def project(tmp_path, bert_data, project_root) -> Path:
    """A scratch project: the real params and notebooks plus the `short` and `long` configs."""
    root = tmp_path / "project"
    shutil.copytree(project_root / "params", root / "params")
    shutil.copytree(project_root / "notebooks", root / "notebooks")
    smoke = yaml.safe_load((root / "params/bert/cpu/smoke.yaml").read_text())
    for name, steps in (("short", 3), ("long", 6)):
        config = {**smoke, "description": f"{steps} steps for the suite tests"}
        config["params"] = {**smoke["params"], "max_steps": steps, "eval_interval": 3,
                            "data_dir": str(bert_data), "data_autobuild": False}
        (root / f"params/bert/cpu/{name}.yaml").write_text(yaml.safe_dump(config))
    return root


def write_suite(root: Path, name: str, runs: list[dict], **top) -> Path:
    path = root / "params/suites" / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"description": "test suite", **top, "runs": runs}))
    return path


def suite_cli(root: Path, *args: str, fault: str = "") -> subprocess.CompletedProcess:
    env = {"PERFKIT_ROOT": str(root), "PERFKIT_REPORTS": str(root / "reports")}
    if fault:
        env["PERFKIT_TEST_FAULT"] = fault
    return run_cli("suite", *args, env_extra=env)


def run_dir(root: Path, config: str) -> Path:
    return root / "reports/runs/bert/cpu" / config


def result(root: Path, config: str) -> dict:
    return json.loads((run_dir(root, config) / "result.json").read_text())


SHORT = {"benchmark": "bert", "vendor": "cpu", "config": "short"}
LONG = {"benchmark": "bert", "vendor": "cpu", "config": "long"}


# -- validation and planning (no notebook runs) ----------------------------------------------

BAD_SUITES = {
    "unknown top-level key": ({"runz": []}, "unknown key 'runz'"),
    "no runs": ({"runs": []}, "key 'runs' must be a non-empty list"),
    "unknown run key": ({"runs": [{**SHORT, "repeat": 2}]}, "runs[0]: unknown key 'repeat'"),
    "missing config": ({"runs": [{"benchmark": "bert", "vendor": "cpu"}]}, "runs[0]: key 'config' is required"),
    "zero repeats": ({"runs": [{**SHORT, "repeats": 0}]}, "runs[0]: key 'repeats' must be a whole number >= 1"),
    "negative timeout": ({"runs": [{**SHORT, "timeout": -5}]}, "runs[0]: key 'timeout' must be a number of seconds > 0"),
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


# -- real runs --------------------------------------------------------------------------------

@pytest.mark.e2e
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


@pytest.mark.e2e
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


@pytest.mark.e2e
def test_run_over_its_timeout_is_stopped_and_recorded_as_timeout(project):
    write_suite(project, "slow", [LONG, SHORT], timeout=3600)
    done = suite_cli(project, "slow", "--no-index", "--timeout", "40", fault=f"hang@{FAULT_STEP}")
    assert done.returncode == 101, done.stdout + done.stderr
    record = result(project, "long")
    assert record["status"] == "timeout" and record["error"]["type"] == "Timeout"
    assert "timed out after 40 s" in record["error"]["message"]
    assert "timed out" in (run_dir(project, "long") / "report.html").read_text()
    assert result(project, "short")["status"] == "ok"


def _wait_for(predicate, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.2)


def _start_suite(root: Path, name: str) -> subprocess.Popen:
    env = {**os.environ, "PERFKIT_ROOT": str(root), "PERFKIT_REPORTS": str(root / "reports")}
    return subprocess.Popen([sys.executable, "-m", "perfkit", "suite", name, "--no-index"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _every_json_parses(root: Path) -> int:
    files = list((root / "reports").rglob("*.json")) + list((root / "reports").rglob("*.ipynb"))
    for path in files:
        json.loads(path.read_text())
    return len(files)


def _staging(root: Path, config: str) -> bool:
    return any((root / "reports/runs/bert/cpu").glob(f".{config}.staging-*/notebook.ipynb"))


@pytest.mark.e2e
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
    assert sorted(p.name for p in (project / "reports/runs/bert/cpu").iterdir()) == ["long", "short"]


@pytest.mark.e2e
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
    from perfkit.cli import suite_exit_code

    assert suite_exit_code(failed) == code
