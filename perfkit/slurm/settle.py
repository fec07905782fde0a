"""A finished job's run folder, made to say how the job ended.

The run's own record stands when the job ran to its end (COMPLETED, or FAILED with the run's
own result). When Slurm ended the job (time limit, scancel, a failed node: perfkit.slurm.states)
or the job ended without a result of its own, the run folder is republished, staged and swapped
in whole (perfkit.results.run_folder), with a result.json whose status is Slurm's verdict and whose
error names the job id, its state and Slurm's reason; the partial notebook, where the run got
to publish one, keeps its outputs under a banner saying what happened, and the job's output
is kept beside it as ``slurm.log``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from perfkit import __version__
from perfkit.results import run_folder
from perfkit.errors import UserError
from perfkit.results.record import RunResult, utc_now
from perfkit.results.store import RESULT_FILE, load_result, write_json_atomic
from perfkit.slurm.ledger import JobRecord
from perfkit.slurm.job_ids import is_array_task
from perfkit.slurm.states import UNKNOWN, JobState, slurm_verdict

NOTEBOOK_FILE, HTML_FILE = run_folder.NOTEBOOK_FILE, run_folder.HTML_FILE
SLURM_LOG_FILE = "slurm.log"
LOG_TAIL_LINES = 30
ERROR_TYPE = "SlurmJobEnded"


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def fresh_result(job: JobRecord) -> RunResult | None:
    """The run folder's result if this job's run wrote it (started after the submission)."""
    path = Path(job.run_dir) / RESULT_FILE
    try:
        record = load_result(path) if path.is_file() else None
    except (ValueError, TypeError, OSError):
        return None
    return record if record is not None and record.started_at >= job.submitted_at else None


def _blank_record(job: JobRecord) -> RunResult:
    """What was asked, for a run that wrote nothing (never started, or killed before it could)."""
    from perfkit.run.spec import initial_record, prepare

    try:
        return initial_record(prepare(job.benchmark, job.vendor, job.config, job.overrides, job.run_dir))
    except UserError:  # the params changed since the submission: keep what the ledger knows
        return RunResult(job.benchmark, job.vendor, job.config, "failed", __version__, job.submitted_at, "",
                         {"overrides": job.overrides}, {}, {}, {})


def _slurm_error(job: JobRecord, state: JobState, earlier: dict | None, log: Path) -> dict:
    earlier = earlier or {}
    message = state.describe()
    if not earlier:
        message += "; the run wrote no result of its own"
    return {
        "type": ERROR_TYPE,
        "message": message,
        "step": earlier.get("step"),
        "traceback": earlier.get("traceback") or log_tail(log),
        "slurm_job_id": job.job_id,
        "slurm_state": state.state,
        "slurm_reason": state.reason,
        "slurm_exit_code": state.exit_code,
        "run_error": f"{earlier.get('type')}: {earlier.get('message')}" if earlier.get("type") else "",
    }


def _replace_banner(notebook: Path, record: RunResult) -> None:
    import nbformat

    from perfkit.jobs.notebook_run import _add_banner
    from perfkit.results.store import write_text_atomic

    node = nbformat.read(str(notebook), as_version=4)
    node.cells = [c for c in node.cells if "perfkit-status" not in c.get("metadata", {}).get("tags", [])]
    write_text_atomic(notebook, nbformat.writes(node))
    _add_banner(notebook, record)


def settle(job: JobRecord, state: JobState, log: Path) -> RunResult:
    """Make the run folder of a finished job final; return its record."""
    final = Path(job.run_dir)
    written = fresh_result(job)
    verdict = slurm_verdict(state.state)
    if verdict is None and written is not None:
        if written.status != "ok" and written.error is not None and "slurm_job_id" not in written.error:
            written.error["slurm_job_id"] = job.job_id  # same status: the report stays true
            write_json_atomic(final / RESULT_FILE, written.to_dict())
        return written
    if verdict is None and written is None and state.state == UNKNOWN and is_array_task(job.job_id):
        verdict = "interrupted"  # an array task Slurm dropped without a trace: cancelled before it started
    if verdict is None:  # ended by itself without a result: a usage error (exit 2, the log says), or a crash
        verdict = "failed" if state.state == "COMPLETED" or state.exit_code.startswith("2:") else "crashed"
    record = written or _blank_record(job)
    with run_folder.locked(final, wait=True):  # one writer per run folder (node 0 may still be ending)
        staging = run_folder.new_staging(final)
        try:
            if written is not None and final.is_dir():
                for item in final.iterdir():
                    if item.is_file():
                        shutil.copy2(item, staging / item.name)
            record.status = verdict
            record.error = _slurm_error(job, state, written.error if written else None, log)
            record.finished_at = record.finished_at or utc_now()
            write_json_atomic(staging / RESULT_FILE, record.to_dict())
            if log.is_file():
                shutil.copy2(log, staging / SLURM_LOG_FILE)
            notebook = staging / NOTEBOOK_FILE
            if notebook.is_file():
                _replace_banner(notebook, record)
                if job.html:
                    from perfkit.report.html import notebook_to_html

                    notebook_to_html(notebook, staging / HTML_FILE, redacted=job.redacted)
        except BaseException:
            run_folder.discard(staging)
            raise
        run_folder.swap_into_place(staging, final)
    return record
