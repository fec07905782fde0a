"""While the kernel starts, the host does its own checks (run_notebook's ``host_checks``) and
the kernel imports what the cells will need (``preload``): no cell runs before the checks pass,
a refusal stops the kernel with no cell run, and the preloaded modules are there at the first
cell; the work on an ok notebook (its HTML export) runs while the kernel is stopped. Tiny
torch-free notebooks (tests/support/tiny_notebook.py)."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from pathlib import Path

import psutil
import pytest

from perfkit.errors import UserError
from perfkit.jobs.kernel import run_notebook
from perfkit.jobs.kernel_command import preload_argument
from support.tiny_notebook import pid_marker_cell, tiny_notebook

PID = pid_marker_cell()


def _marked(mark: str) -> list[int]:
    """Live processes whose environment carries ``mark``."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        with contextlib.suppress(psutil.Error):
            if proc.environ().get("PERFKIT_TEST_MARK") == mark and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc.pid)
    return found


def _first_outputs(output: Path) -> list[str]:
    """The first printed text of each code cell that printed."""
    node = json.loads(output.read_text())
    return ["".join(out.get("text", "")) for cell in node["cells"] if cell["cell_type"] == "code"
            for out in cell.get("outputs", [])[:1]]


def test_no_cell_runs_before_the_host_checks_return(tmp_path):
    gate = tmp_path / "checked"

    def host_checks() -> None:
        time.sleep(1.5)  # longer than the kernel takes to start
        gate.write_text("ok")

    notebook = tiny_notebook(tmp_path / "in.ipynb", "import pathlib\nprint(pathlib.Path('checked').is_file())")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, host_checks=host_checks)
    assert ending.ending == "ok", ending
    assert _first_outputs(tmp_path / "out.ipynb")[0].strip() == "True"


def test_a_refusal_stops_the_kernel_before_any_cell_and_is_raised(tmp_path):
    def host_checks() -> None:
        time.sleep(1.0)  # the kernel is up by now
        raise UserError("params/bert/cpu/smoke.yaml: key 'precision': 'fp8' is not supported")

    notebook = tiny_notebook(tmp_path / "in.ipynb", PID, "print('ran')")
    mark = uuid.uuid4().hex  # in this kernel's environment only (other tests' kernels run beside it)
    with pytest.raises(UserError, match="fp8"):
        run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, env={"PERFKIT_TEST_MARK": mark},
                     host_checks=host_checks)
    assert not (tmp_path / "kernel.pid").exists()  # not even the first cell ran
    assert _marked(mark) == []


GC_PROBE = "import gc\nprint(gc.isenabled(), gc.get_freeze_count() > 0)"


@pytest.mark.parametrize("modules", [("perfkit.errors",), ("perfkit.errors", "no_such_module_perfkit")])
def test_preloaded_modules_are_imported_before_the_first_cell_with_the_collector_on(tmp_path, modules):
    """The preloaded modules are there; one that fails to import stops nothing, and either way the
    garbage collector is on at the first cell, with the preload's objects frozen out of it."""
    probe = "import sys\nprint('perfkit.errors' in sys.modules, 'perfkit.paths' in sys.modules)"
    notebook = tiny_notebook(tmp_path / "in.ipynb", probe, GC_PROBE)
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, preload=modules)
    assert ending.ending == "ok", ending
    first, collector = _first_outputs(tmp_path / "out.ipynb")
    assert first.split() == ["True", "False"]
    assert collector.split() == ["True", "True"]


def test_a_kernel_without_preload_has_the_collector_on_with_ipykernel_frozen_out_of_it(tmp_path):
    notebook = tiny_notebook(tmp_path / "in.ipynb", GC_PROBE)
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path)
    assert ending.ending == "ok", ending
    assert _first_outputs(tmp_path / "out.ipynb")[0].split() == ["True", "True"]


def test_preload_takes_module_names_only():
    assert preload_argument(("a.b", "c")) == (
        "--IPKernelApp.exec_lines=import perfkit.measure.collector; perfkit.measure.collector.import_frozen(['a.b', 'c'])")
    with pytest.raises(ValueError, match="not a module name"):
        preload_argument(("os; import shutil",))


def test_work_once_the_result_is_written_runs_while_the_notebook_goes_on(tmp_path):
    def ready_the_exporter() -> None:
        (tmp_path / "warmed").write_text("yes")

    notebook = tiny_notebook(
        tmp_path / "in.ipynb",
        "import pathlib\n_ = pathlib.Path('result.json').write_text('{}')",
        "import pathlib, time\nfor _ in range(40):\n    time.sleep(0.25)\n    if pathlib.Path('warmed').is_file(): break\n"
        "print(pathlib.Path('warmed').is_file())",
    )
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path,
                          once_written=(tmp_path / "result.json", ready_the_exporter))
    assert ending.ending == "ok", ending
    assert _first_outputs(tmp_path / "out.ipynb") == ["True\n"]  # it ran before the notebook ended


def test_work_once_the_result_is_written_never_runs_without_it(tmp_path):
    ran: list[bool] = []
    notebook = tiny_notebook(tmp_path / "in.ipynb", "x = 1")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path,
                          once_written=(tmp_path / "result.json", lambda: ran.append(True)))
    assert ending.ending == "ok" and ran == []


def test_work_on_an_ok_notebook_sees_it_final_and_the_kernel_is_stopped_on_return(tmp_path):
    seen: list[str] = []
    mark = uuid.uuid4().hex
    notebook = tiny_notebook(tmp_path / "in.ipynb", "print('first')", "print('last')")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, env={"PERFKIT_TEST_MARK": mark},
                          when_ok=lambda: seen.extend(_first_outputs(tmp_path / "out.ipynb")))
    assert ending.ending == "ok", ending
    assert seen == ["first\n", "last\n"]  # the saved notebook, every cell in it
    assert _marked(mark) == []


def test_work_on_an_ok_notebook_never_runs_for_a_failed_one(tmp_path):
    ran: list[bool] = []
    notebook = tiny_notebook(tmp_path / "in.ipynb", "1 / 0")
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path, when_ok=lambda: ran.append(True))
    assert ending.ending == "error" and ending.ename == "ZeroDivisionError" and ran == []


def test_the_kernel_starts_without_ipykernels_debugger(tmp_path):
    """perfkit.jobs.kernel_main: the kernel is ipykernel's, minus debugpy."""
    probe = ("import sys\nprint('ipykernel' in sys.modules, sys.modules.get('debugpy') is not None, "
             "'pydevd' in sys.modules)")
    notebook = tiny_notebook(tmp_path / "in.ipynb", probe)
    ending = run_notebook(notebook, tmp_path / "out.ipynb", {}, tmp_path)
    assert ending.ending == "ok", ending
    assert _first_outputs(tmp_path / "out.ipynb")[0].split() == ["True", "False", "False"]


def test_only_this_pythons_own_ipykernel_launcher_is_replaced():
    import sys

    from perfkit.jobs.kernel_command import kernel_command

    own = [sys.executable, "-m", "ipykernel_launcher", "-f", "/run/k.json", "--x=1"]
    assert kernel_command(own) == [sys.executable, "-m", "perfkit.jobs.kernel_main", "-f", "/run/k.json", "--x=1"]
    installed = [sys.executable, "-Xfrozen_modules=off", "-Xutf8", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert kernel_command(installed) == [sys.executable, "-Xutf8", "-m", "perfkit.jobs.kernel_main", "-f", "k.json"]
    for other in (["/opt/conda/envs/vendor/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"],
                  [sys.executable, "-m", "other_kernel", "-f", "k.json"], ["julia", "-i", "k.json"], [],
                  [sys.executable, "wrapper.py", "-m", "ipykernel_launcher"], [sys.executable, "ipykernel_launcher"]):
        assert kernel_command(other) == other
