"""`perfkit` in a subprocess, as a user types it, and the checks every training smoke run shares."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_ROW = ("e2e_time", "p_whole", "p_train", "p_core")


def run_cli(*args: str, env_extra: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    """`perfkit ARGS` in a subprocess from the project root, as a user would type it."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "perfkit", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_main(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`perfkit ARGS` in this process (``perfkit.cli.main``), from the project root, with its
    output captured: for refusals and other paths where the process itself is not what is
    tested (no interpreter start, no imports paid again). Returns what ``run_cli`` returns."""
    import contextlib
    import io

    from perfkit.cli import main

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.update(env_extra or {})
        os.chdir(ROOT)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return subprocess.CompletedProcess(["perfkit", *args], code, out.getvalue(), err.getvalue())


def check_training_result(reports: Path, benchmark: str, steps: int, evals: list[int]) -> dict:
    """The smoke run's result.json holds every number of the seeds' 性能指标 row; return it."""
    result = json.loads((reports / f"runs/{benchmark}/cpu/smoke/result.json").read_text())
    assert result["status"] == "ok"
    metrics = result["metrics"]
    for key in SEED_ROW:
        assert isinstance(metrics[key], float) and math.isfinite(metrics[key]) and metrics[key] > 0, key
    assert metrics["p_core"] >= metrics["p_train"] >= metrics["p_whole"]
    assert 0.0 <= metrics["acc"] <= 1.0 and metrics["mem"].count("/") == 1 and metrics["fix_hp"]
    assert metrics["steps"] == steps and [e["step"] for e in result["curves"]["eval"]] == evals
    assert metrics["acc"] == result["curves"]["eval"][-1]["quality"]
    assert result["data"]["method"] == "sha256 of the files read" and result["data"]["matches_build"] is True
    assert result["run"]["nonstandard_keys"]
    return result
