"""The kernel ``perfkit run`` starts before anything else (perfkit.jobs.early_kernel): a run
adopts it where it is the kernel the run would launch, launches its own otherwise, and a command
that runs no notebook stops it; the run's checks run in its kernel (``kernel_checks``) before
the notebook, and what they raise refuses the run with nothing written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from perfkit import paths
from perfkit.jobs import early_kernel
from perfkit.jobs.kernel import KernelChecksFailed, run_notebook
from perfkit.jobs.kernel_command import RUN_IMPORTS, run_kernel_command
from perfkit.run.progress import FEED_ENV
from support.tiny_notebook import tiny_notebook

ROOT = Path(__file__).resolve().parents[2]
SHOW = "import os\nprint(os.getpid(), os.environ.get('PERFKIT_PROGRESS_FILE'), os.environ.get('PERFKIT_TEST_MARK'))"


def _shown(output: Path) -> list[str]:
    node = json.loads(output.read_text())
    return "".join(node["cells"][-1]["outputs"][0]["text"]).split()


@pytest.mark.parametrize(("argv", "wanted"), [
    (["run", "bert", "--vendor", "cpu"], True),
    (["run", "bert", "--vendor", "cpu", "--dry-run"], False),
    (["run", "--help"], False),
    (["run", "bert", "--launcher", "slurm"], False),
    (["run", "bert", "--launcher=local"], False),
    (["suite", "smoke"], False),
    ([], False),
])
def test_only_a_run_that_executes_here_starts_its_kernel_first(argv, wanted):
    assert early_kernel.wanted(argv) is wanted


def test_the_run_adopts_the_kernel_started_first(tmp_path):
    early = early_kernel.start(paths.project_root())
    try:
        assert early.command == run_kernel_command(str(early.connection_file))
        assert early.connection_file.stat().st_mode & 0o777 == 0o600
        notebook = tiny_notebook(tmp_path / "in.ipynb", SHOW)
        ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, paths.project_root(),
                              env={FEED_ENV: str(early.feed)}, preload=RUN_IMPORTS, early=early)
        assert ending.ending == "ok", ending
        pid, feed, _ = _shown(tmp_path / "out.ipynb")
        assert early.adopted and int(pid) == early.process.pid and feed == str(early.feed)
        assert early.process.poll() is not None  # stopped with the run
    finally:
        early.close()
    assert not early.folder.exists()


def test_a_kernel_that_is_not_the_runs_is_stopped_and_the_run_launches_its_own(tmp_path):
    """Here the run adds a variable the kernel started first lacks: that kernel is not the run's."""
    early = early_kernel.start(paths.project_root())
    try:
        notebook = tiny_notebook(tmp_path / "in.ipynb", SHOW)
        ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, paths.project_root(),
                              env={FEED_ENV: str(early.feed), "PERFKIT_TEST_MARK": "own"},
                              preload=RUN_IMPORTS, early=early)
        assert ending.ending == "ok", ending
        pid, _, mark = _shown(tmp_path / "out.ipynb")
        assert not early.adopted and int(pid) != early.process.pid and mark == "own"
        assert early.process.poll() is not None
    finally:
        early.close()


def test_what_the_kernels_checks_raise_refuses_the_run_before_the_notebook(tmp_path, capsys):
    notebook = tiny_notebook(tmp_path / "in.ipynb", "print('the notebook ran')")
    host_checked = []
    with pytest.raises(KernelChecksFailed) as refused:
        run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, host_checks=lambda: host_checked.append(1),
                     kernel_checks="print('checking the dataset'); raise ValueError('shard 3 is cut short')")
    assert (refused.value.ename, refused.value.evalue) == ("ValueError", "shard 3 is cut short")
    assert "shard 3 is cut short" in refused.value.traceback
    assert not (tmp_path / "out.ipynb").exists() and host_checked == []
    assert "checking the dataset" in capsys.readouterr().err


def test_the_runs_checks_travel_to_its_kernel_as_one_expression_of_its_payload():
    """The code is an expression (it binds no name in the notebook's namespace) that checks the
    very run it was made from: its payload, hash checked, through perfkit.run.preflight."""
    import ast

    from perfkit.errors import ParamsError
    from perfkit.run import preflight, spec

    run = spec.prepare("bert", "cpu", "smoke", {"max_steps": 2})
    code = preflight.kernel_code(run)
    call = ast.parse(code, mode="eval").body
    assert isinstance(call, ast.Call) and call.func.attr == "check_payload"
    assert ast.literal_eval(call.args[0]) == spec.to_payload(run)
    payload = json.loads(spec.to_payload(run))
    payload["run"]["params"]["max_steps"] = 3  # edited on its way: the hash no longer matches
    with pytest.raises(ParamsError, match="params hash mismatch"):
        preflight.check_payload(json.dumps(payload))


def test_a_command_that_runs_no_notebook_stops_the_kernel_it_started(tmp_path):
    """A real `perfkit run` refused for its params: the kernel it started first is gone with it,
    and so is its private folder."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "perfkit", "run", "bert", "--vendor", "no-such-vendor"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "no-such-vendor" in done.stderr
    assert not list(tmp_path.glob("perfkit-kernel-*"))
    left = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    assert left == []
