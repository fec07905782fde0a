"""The kernel's supervision on tiny torch-free notebooks (tests/support/tiny_notebook.py):
the stall watchdog ends a kernel that neither progresses nor uses CPU, and only such a one.
SIGHUP, which needs a real `perfkit run` process, is in tests/e2e/test_hangup.py."""

from __future__ import annotations

import json
from pathlib import Path

import psutil
import pytest
from support.tiny_notebook import pid_marker_cell, tiny_notebook

from perfkit.jobs.kernel import run_notebook


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _kernel_pid(output: Path) -> int | None:
    """The pid the notebook's first cell wrote (the kernel's)."""
    marker = output.parent / "kernel.pid"
    return int(marker.read_text()) if marker.is_file() else None


PID = pid_marker_cell()


def test_a_kernel_that_sleeps_with_no_progress_is_stopped_as_stalled_saying_where(tmp_path):
    notebook = tiny_notebook(tmp_path / "in.ipynb", PID, "import time\ntime.sleep(600)  # waits on a dead peer")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, stall_timeout=2)
    assert ending.ending == "stalled", ending
    assert ending.cell_index == 1
    reason = ending.reason()
    assert "\n" not in reason and "no progress and no CPU use for 2 s" in reason
    assert "in cell 1 (import time)" in reason
    assert not _alive(_kernel_pid(tmp_path / "out.ipynb")), "the stalled kernel was left running"


def test_the_last_progress_line_is_named(tmp_path):
    feed = tmp_path / "feed.jsonl"
    line = json.dumps({"n": 3, "total": 40, "unit": "step"})
    notebook = tiny_notebook(tmp_path / "in.ipynb", f"open({str(feed)!r}, 'a').write({line!r} + '\\n')",
                             "import time\ntime.sleep(600)")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, stall_timeout=2, progress_feed=feed)
    assert ending.ending == "stalled" and "last progress step 3/40" in ending.reason()


@pytest.mark.parametrize("cell", [
    # busy: no progress, but the CPU is in use
    "import time\nt = time.time()\nwhile time.time() - t < 5:\n    pass",
    # a child process busy while the kernel waits for it (the kernel's whole tree counts)
    ("import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import time\\nt = time.time()\\n"
     "while time.time() - t < 5: pass'], check=True)"),
])
def test_a_busy_kernel_is_not_stalled(tmp_path, cell):
    notebook = tiny_notebook(tmp_path / "in.ipynb", cell)
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, stall_timeout=2)
    assert ending.ending == "ok", ending


def test_a_sleeping_kernel_that_feeds_progress_is_not_stalled(tmp_path):
    feed = tmp_path / "feed.jsonl"
    cell = (f"import json, time\nfor n in range(10):\n    open({str(feed)!r}, 'a').write(json.dumps({{'n': n, 'total': 10}}) "
            "+ '\\n')\n    time.sleep(0.5)")
    notebook = tiny_notebook(tmp_path / "in.ipynb", cell)
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, stall_timeout=2, progress_feed=feed)
    assert ending.ending == "ok", ending


def test_no_watchdog_when_the_stall_timeout_is_off(tmp_path):
    notebook = tiny_notebook(tmp_path / "in.ipynb", "import time\ntime.sleep(4)")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, stall_timeout=0)
    assert ending.ending == "ok", ending
    saved = json.loads((tmp_path / "out.ipynb").read_text())  # saved through perfkit-atomic://
    assert "time.sleep(4)" in "".join(saved["cells"][-1]["source"])


@pytest.mark.parametrize("text", ["-1", "nan", "inf", "0.5", "x", "1e400"])
def test_a_bad_stall_timeout_is_a_usage_error(text, capsys):
    from perfkit import cli

    assert cli.main(["run", "bert", "--stall-timeout", text]) == 2
    assert "--stall-timeout" in capsys.readouterr().err


def test_the_stall_clock_starts_with_the_first_cell_not_the_kernel_start(tmp_path):
    """A kernel that takes long to start on a loaded host (no cell yet, little CPU) is not stalled;
    once a cell runs, the same quiet is."""
    from perfkit.jobs.kernel import _StallWatch

    class Watch:
        cell_index: int | None = None

        def kernel_process(self):
            return psutil.Process()  # any live process: its CPU hardly moves while we sleep

    watch = Watch()
    stall = _StallWatch(2.0, watch, [tmp_path / "out.ipynb"])  # type: ignore[arg-type]
    assert not any(stall.stalled(t) for t in (0.0, 1.0, 2.0, 5.0, 10.0))
    watch.cell_index = 0
    looks = [stall.stalled(t) for t in (11.0, 12.0, 13.0, 14.0)]
    assert looks[0] is False and looks[-1] is True
