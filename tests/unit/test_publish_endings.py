"""Never lose a good result (perfkit.jobs.publish): a published ok run folder is replaced only by
an ok run. Every other ending of a later run (failed, crashed, timeout, stalled, interrupted,
ok with the HTML export failed) is kept beside it as an attempt, and the index notes it; with
no ok result published, that ending is published as before.

The notebook's kernel is faked (perfkit.jobs.notebook_run.run_notebook): what is tested here is
what the host does with each ending, not the kernel (tests/unit/test_kernel_watchdog.py)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from perfkit.jobs import notebook_run
from perfkit.jobs.kernel import KernelEnding
from perfkit.results import publishing, run_folder
from perfkit.results.record import error_record
from perfkit.results.store import write_json_atomic
from perfkit.run.spec import initial_record, prepare

# ending -> (the kernel's ending, whether the kernel wrote a result, the run's status)
ENDINGS = {
    "failed": (KernelEnding("error", 1.0, ename="InjectedFault", evalue="boom at step 2", traceback="tb"), True, "failed"),
    "crashed": (KernelEnding("died", 1.0, ename="DeadKernelError", exit_code=-9, cell_index=3, cell_source="run()"),
                False, "crashed"),
    "timeout": (KernelEnding("timeout", 1.0, cell_index=3, cell_source="run()"), False, "timeout"),
    "interrupted": (KernelEnding("interrupted", 1.0, cell_index=3, cell_source="run()"), False, "interrupted"),
    "stalled": (KernelEnding("stalled", 1.0, evalue="stalled: no progress and no CPU use for 2 s in cell 3 (run())",
                             cell_index=3, cell_source="run()"), False, "stalled"),
    "export-failed": (KernelEnding("ok", 1.0), True, "ok"),
}


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PERFKIT_REPORTS", str(tmp_path / "reports"))
    return (tmp_path / "reports").resolve()


def _fake_kernel(monkeypatch, ending: KernelEnding, writes: bool, status: str, p_core: float) -> None:
    def run_notebook(notebook, output, parameters, cwd, timeout=None, host_checks=None, **_):
        if host_checks is not None:  # as the real one: the host's checks before any cell
            host_checks()
        staging = Path(output).parent
        node = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("run()")])
        Path(output).write_text(nbformat.writes(node))
        if writes:
            prepared = prepare("bert", "cpu", "smoke", {}, staging)
            record = initial_record(prepared, "2026-12-07T01:00:00+00:00", status=status)
            record.metrics = {"p_core": p_core}
            if status != "ok":
                record.error = error_record("InjectedFault", "boom at step 2", 2, "tb")
            write_json_atomic(staging / "result.json", record.to_dict())
        return ending

    monkeypatch.setattr(notebook_run, "run_notebook", run_notebook)


def _run(monkeypatch, reports: Path, ending: str, html: bool = False, p_core: float = 1.0):
    kernel_ending, writes, status = ENDINGS[ending] if ending != "ok" else (KernelEnding("ok", 1.0), True, "ok")
    _fake_kernel(monkeypatch, kernel_ending, writes, status, p_core)
    if ending == "export-failed":
        def no_template(*args, **kwargs):
            raise ValueError("No template sub-directory with name 'lab' found in the following paths:\n  /x\n  /y")

        monkeypatch.setattr("perfkit.report.html.notebook_to_html", no_template)
        html = True
    prepared = prepare("bert", "cpu", "smoke", {}, reports / "runs/bert/cpu/smoke")
    return notebook_run.execute_notebook(prepared, timeout=5.0, html=html)


def _published(reports: Path) -> dict:
    return json.loads((reports / "runs/bert/cpu/smoke/result.json").read_text())


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_a_later_run_that_did_not_end_ok_leaves_the_ok_result_published(monkeypatch, reports, ending):
    final = reports / "runs/bert/cpu/smoke"
    with_report = ending == "export-failed"  # the HTML export (seconds) once, where it matters most
    first = _run(monkeypatch, reports, "ok", html=with_report, p_core=42.0)
    assert first.status == "ok" and not first.kept_as_attempt
    before = (final / "result.json").read_bytes()

    later = _run(monkeypatch, reports, ending, p_core=7.0)

    assert (final / "result.json").read_bytes() == before, "the ok result was replaced"
    assert (final / "notebook.ipynb").is_file() and (final / "report.html").is_file() == with_report
    assert later.kept_as_attempt and later.published == final
    attempt = run_folder.latest_attempt(final)
    assert attempt is not None and later.run_dir == attempt.folder
    assert attempt.status == (publishing.EXPORT_FAILED if ending == "export-failed" else ENDINGS[ending][2])
    kept = json.loads((attempt.folder / "result.json").read_text())
    assert kept["status"] == ENDINGS[ending][2]
    assert (attempt.folder / "notebook.ipynb").is_file()
    # readers of published runs see the ok result only; the index notes the attempt and links it
    assert run_folder.result_files(reports) == [final / "result.json"]
    from perfkit.report import index

    runs = index.load_runs(reports)
    frame = index.runs_frame(runs, reports)
    assert frame.loc[0, "status"] == "ok" and frame.loc[0, "latest attempt"].startswith(f"latest attempt {attempt.status}")
    page = index.runs_table_html(runs, reports)
    assert f'href="runs/bert/cpu/smoke/attempts/{attempt.folder.name}/' in page
    # nothing hidden left beside the run folder but its lock
    assert [p.name for p in final.parent.iterdir() if p.name.startswith(".")] == [".smoke.lock"]
    assert any(line.startswith("kept as an attempt in ") for line in later.notes())


@pytest.mark.parametrize("ending", sorted(set(ENDINGS) - {"export-failed"}))
def test_with_no_ok_result_published_the_run_is_published_with_its_status(monkeypatch, reports, ending):
    final = reports / "runs/bert/cpu/smoke"
    done = _run(monkeypatch, reports, ending)
    assert not done.kept_as_attempt and done.run_dir == final
    assert _published(reports)["status"] == ENDINGS[ending][2]
    assert run_folder.attempts(final) == []
    # a second failure replaces the first: there is no good result to keep
    again = _run(monkeypatch, reports, "failed")
    assert not again.kept_as_attempt and _published(reports)["status"] == "failed"


def test_an_export_failure_keeps_the_ok_result_and_notebook_and_says_so_in_one_line(monkeypatch, reports):
    final = reports / "runs/bert/cpu/smoke"
    done = _run(monkeypatch, reports, "export-failed")
    assert done.status == "ok" and not done.kept_as_attempt and done.run_dir == final
    assert _published(reports)["status"] == "ok"
    assert (final / "notebook.ipynb").is_file() and not (final / "report.html").exists()
    assert done.report_error.startswith("the HTML report could not be made (ValueError: No template")
    assert "\n" not in done.report_error and all("\n" not in line for line in done.notes())


def test_an_ok_run_replaces_the_ok_result_and_drops_its_attempts(monkeypatch, reports):
    final = reports / "runs/bert/cpu/smoke"
    _run(monkeypatch, reports, "ok", p_core=1.0)
    for _ in range(run_folder.MAX_ATTEMPTS + 2):
        _run(monkeypatch, reports, "crashed")
    assert len(run_folder.attempts(final)) == run_folder.MAX_ATTEMPTS  # bounded, newest kept
    done = _run(monkeypatch, reports, "ok", p_core=2.0)
    assert not done.kept_as_attempt and _published(reports)["metrics"]["p_core"] == 2.0
    assert run_folder.attempts(final) == [] and not (final / "attempts").exists()


def test_a_usage_error_inside_the_kernel_publishes_nothing_and_keeps_no_attempt(monkeypatch, reports):
    from perfkit.errors import UserError

    final = reports / "runs/bert/cpu/smoke"
    _run(monkeypatch, reports, "ok")
    before = (final / "result.json").read_bytes()
    _fake_kernel(monkeypatch, KernelEnding("error", 1.0, ename="DataError", evalue="no data in /x"), False, "failed", 0)
    with pytest.raises(UserError, match="no data"):
        notebook_run.execute_notebook(prepare("bert", "cpu", "smoke", {}, final), html=False)
    assert (final / "result.json").read_bytes() == before and run_folder.attempts(final) == []


def test_perfkit_run_with_a_failed_export_exits_0_with_one_warning_line(monkeypatch, reports, capsys):
    from perfkit import cli

    kernel_ending, writes, status = ENDINGS["export-failed"]
    _fake_kernel(monkeypatch, kernel_ending, writes, status, 3.0)
    monkeypatch.setattr("perfkit.run.preflight.preflight", lambda prepared: None)

    def no_template(*args, **kwargs):
        raise ValueError("No template sub-directory with name 'lab' found")

    monkeypatch.setattr("perfkit.report.html.notebook_to_html", no_template)
    code = cli.main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    warnings = [line for line in err.splitlines() if "HTML report could not be made" in line]
    assert len(warnings) == 1 and "result.json and notebook.ipynb are kept" in warnings[0]
    assert _published(reports)["status"] == "ok"


@pytest.mark.parametrize("ending", ["failed", "interrupted"])
def test_perfkit_run_kept_as_an_attempt_says_where_and_keeps_its_exit_code(monkeypatch, reports, capsys, ending):
    from perfkit import cli

    _run(monkeypatch, reports, "ok")
    kernel_ending, writes, status = ENDINGS[ending]
    _fake_kernel(monkeypatch, kernel_ending, writes, status, 3.0)
    monkeypatch.setattr("perfkit.run.preflight.preflight", lambda prepared: None)
    code = cli.main(["run", "bert", "--vendor", "cpu", "--config", "smoke", "--no-index", "--quiet", "--no-html"])
    err = capsys.readouterr().err
    assert code == {"failed": 1, "interrupted": 130}[ending]
    assert len([line for line in err.splitlines() if "kept as an attempt in" in line and "stays published" in line]) == 1
    assert _published(reports)["status"] == "ok"


def test_slurm_settling_never_replaces_an_ok_result_published_before_the_job(monkeypatch, reports, tmp_path):
    from perfkit.slurm.ledger import JobRecord
    from perfkit.slurm.settle import settle
    from perfkit.slurm.states import JobState

    final = reports / "runs/bert/cpu/smoke"
    _run(monkeypatch, reports, "ok")
    before = (final / "result.json").read_bytes()
    job = JobRecord("77", "2099-01-01T00:00:00+00:00", "bert", "cpu", "smoke", "bert/cpu/smoke", str(final))
    record = settle(job, JobState("77", "NODE_FAIL", "NodeDown", "0:0", "n2"), tmp_path / "none.log")
    assert record.status == "crashed"
    assert (final / "result.json").read_bytes() == before
    attempt = run_folder.latest_attempt(final)
    assert attempt is not None and attempt.status == "crashed"
    assert json.loads((attempt.folder / "result.json").read_text())["error"]["slurm_job_id"] == "77"


def test_slurm_settles_the_jobs_own_attempt_in_place(monkeypatch, reports, tmp_path):
    """The job's node 0 kept its interrupted run as an attempt; Slurm's verdict (the time limit)
    is written into that attempt, not into a second one, and the ok result stays."""
    from perfkit.slurm.ledger import JobRecord
    from perfkit.slurm.settle import settle
    from perfkit.slurm.states import JobState

    final = reports / "runs/bert/cpu/smoke"
    _run(monkeypatch, reports, "ok")
    before = (final / "result.json").read_bytes()
    job = JobRecord("78", "2000-01-01T00:00:00+00:00", "bert", "cpu", "smoke", "bert/cpu/smoke", str(final))
    # the job's own run (started after the submission; the published ok one is older)
    published = json.loads(before)
    published["started_at"] = "1999-01-01T00:00:00+00:00"
    write_json_atomic(final / "result.json", published)
    before = (final / "result.json").read_bytes()
    _run(monkeypatch, reports, "failed")
    own = run_folder.latest_attempt(final)
    record = settle(job, JobState("78", "TIMEOUT", "TimeLimit", "0:15", "n1"), tmp_path / "none.log")
    assert record.status == "timeout" and record.error["run_error"].startswith("InjectedFault")
    assert [a.folder for a in run_folder.attempts(final)] == [own.folder]
    assert json.loads((own.folder / "result.json").read_text())["status"] == "timeout"
    assert (final / "result.json").read_bytes() == before


def test_the_users_own_files_in_a_run_folder_survive_every_rerun(monkeypatch, reports):
    final = reports / "runs/bert/cpu/smoke"
    _run(monkeypatch, reports, "failed")
    (final / "notes.md").write_text("why this run matters")
    (final / "plots").mkdir()
    (final / "plots/mine.png").write_bytes(b"png")
    for ending in ("failed", "ok", "crashed", "ok"):
        _run(monkeypatch, reports, ending)
        assert (final / "notes.md").read_text() == "why this run matters", ending
        assert (final / "plots/mine.png").read_bytes() == b"png", ending
