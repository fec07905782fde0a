"""The `perfkit` command ends its process without the interpreter's teardown (perfkit.cli.console),
and still does what an exit is for: output flushed, atexit functions run, the exit status kept,
and a running (non-daemon) thread waited for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _console(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=120)


def test_the_command_flushes_its_output_runs_atexit_and_keeps_its_exit_status(tmp_path):
    marker = tmp_path / "atexit.txt"
    script = f"""
import atexit, sys
from pathlib import Path
atexit.register(lambda: Path({str(marker)!r}).write_text("ran"))
sys.stdout.write("buffered, no newline")  # left in the buffer: console flushes it
from perfkit.cli import console
console(["list", "nothing-of-that-kind"])
"""
    done = _console(script, tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout.startswith("buffered, no newline")
    assert "perfkit: error: argument what: invalid choice" in done.stderr
    assert marker.read_text() == "ran"


def test_a_running_thread_is_waited_for(tmp_path):
    marker = tmp_path / "thread.txt"
    script = f"""
import threading, time
from pathlib import Path
def late():
    time.sleep(0.5)
    Path({str(marker)!r}).write_text("finished")
threading.Thread(target=late).start()
from perfkit.cli import console
console(["--version"])
"""
    done = _console(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("perfkit ")
    assert marker.read_text() == "finished"
