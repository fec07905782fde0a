"""SIGHUP (a closed terminal, a dropped ssh) ends `perfkit run` the way SIGTERM does: the run is
recorded ``interrupted``, the kernel is stopped, no staging folder is left, exit 130; an ok
result published before stays, the interrupted run kept as an attempt beside it. A real
`perfkit run` process (the signal is what is tested); its notebook is a tiny torch-free one
that waits (tests/support/tiny_notebook.py)."""

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
from support.tiny_notebook import RUN_PARAMETERS, pid_marker_cell, tiny_notebook

PID = pid_marker_cell("output_dir")


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


RUNNER = """
import sys
from pathlib import Path

import perfkit.run.preflight
from perfkit.jobs import notebook_run

notebook_run._notebook_path = lambda benchmark: Path(sys.argv[1])
perfkit.run.preflight.preflight = lambda prepared: None
from perfkit.cli import main

sys.exit(main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--no-html", "--quiet"]))
"""


def _ok_result(final: Path) -> bytes:
    from perfkit.results.store import write_json_atomic
    from perfkit.run.spec import initial_record, prepare

    record = initial_record(prepare("bert", "cpu", "smoke", {}, final), "2026-01-01T00:00:00+00:00", status="ok")
    record.metrics = {"p_core": 12.5}
    final.mkdir(parents=True)
    write_json_atomic(final / "result.json", record.to_dict())
    return (final / "result.json").read_bytes()


@pytest.mark.parametrize("published_ok", [False, True])
def test_sighup_ends_perfkit_run_as_interrupted_like_sigterm(tmp_path, published_ok):
    reports = (tmp_path / "reports").resolve()
    final = reports / "runs/bert/cpu/smoke"
    before = _ok_result(final) if published_ok else None
    notebook = tiny_notebook(tmp_path / "wait.ipynb", PID,
                             "import time\ntime.sleep(600)", parameters=RUN_PARAMETERS)
    log = tmp_path / "run.log"
    env = {**os.environ, "PERFKIT_REPORTS": str(reports), "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(notebook)], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not list(final.parent.glob(".smoke.staging-*/kernel.pid")):
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        kernel = int(next(final.parent.glob(".smoke.staging-*/kernel.pid")).read_text())
        proc.send_signal(signal.SIGHUP)
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert code == 130, text[-3000:]
    assert "Traceback" not in text
    assert not _alive(kernel)
    assert [p.name for p in final.parent.iterdir() if p.name.startswith(".")] == [".smoke.lock"]
    if published_ok:
        assert (final / "result.json").read_bytes() == before
        attempts = sorted((final / "attempts").iterdir())
        assert len(attempts) == 1 and attempts[0].name.endswith("-interrupted")
        recorded = json.loads((attempts[0] / "result.json").read_text())
    else:
        recorded = json.loads((final / "result.json").read_text())
    assert recorded["status"] == "interrupted" and recorded["error"]["type"] == "Interrupted"
    assert "SIGHUP" in recorded["error"]["message"]
