"""A finished job's run folder, made to say how the job ended.

The run's own record stands when the job ran to its end (COMPLETED, or FAILED with the run's
own result). When Slurm ended the job (time limit, scancel, a failed node: perfkit.slurm.states)
or the job ended without a result of its own, the run folder is republished through
perfkit.jobs.publish (staged, swapped in whole; kept as an attempt instead when an ok result
published before the job would be replaced), with a result.json whose status is Slurm's verdict and whose
error names the job id, its state and Slurm's reason; the partial notebook, where the run got
to publish one, keeps its outputs under a banner saying what happened, and the job's output
is kept beside it as ``slurm.log``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from perfkit import __version__
from perfkit.errors import UserError
from perfkit.jobs import publish
from perfkit.results import publishing, run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, error_record, utc_now
from perfkit.results.store import RESULT_FILE, load_result, write_json_atomic
from perfkit.slurm.job_ids import is_array_task
from perfkit.slurm.ledger import JobRecord
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


def fresh_result(job: JobRecord) -> tuple[RunResult, Path] | None:
    """The result this job's run wrote (started after the submission) and its folder: the run
    folder, or the attempt beside it where the run was kept (perfkit.jobs.publish)."""
    final = Path(job.run_dir)
    latest = run_folder.latest_attempt(final)
    for folder in (final, latest.folder if latest else None):
        if folder is None:
            continue
        path = folder / RESULT_FILE
        try:
            record = load_result(path) if path.is_file() else None
        except (ValueError, TypeError, OSError, AttributeError):
            continue
        if record is not None and isinstance(record.started_at, str) and record.started_at >= job.submitted_at:
            return record, folder
    return None


def _blank_record(job: JobRecord) -> RunResult:
    """What was asked, for a run that wrote nothing (never started, or killed before it could):
    the job's prepared run, its params hash checked (perfkit.run.spec.load_payload_file), never
    the YAML again. A record without a usable one keeps what the ledger knows."""
    from perfkit.run.spec import initial_record, load_payload_file

    if job.prepared:
        try:
            prepared = load_payload_file(Path(job.prepared), job.run_dir)
            resolved = prepared.resolved
            if (resolved.benchmark, resolved.vendor, resolved.config) == (job.benchmark, job.vendor, job.config):
                return initial_record(prepared)
        except UserError:
            pass
    return RunResult(job.benchmark, job.vendor, job.config, vocab.FAILED, __version__, job.submitted_at, "", {}, {}, {}, {})


def _slurm_error(job: JobRecord, state: JobState, earlier: dict | None, log: Path) -> dict:
    earlier = earlier or {}
    message = state.describe()
    if not earlier:
        message += "; the run wrote no result of its own"
    return error_record(
        ERROR_TYPE, message, earlier.get("step"), earlier.get("traceback") or log_tail(log),
        slurm_job_id=job.job_id, slurm_state=state.state, slurm_reason=state.reason, slurm_exit_code=state.exit_code,
        run_error=f"{earlier.get('type')}: {earlier.get('message')}" if earlier.get("type") else "",
    )


def settle(job: JobRecord, state: JobState, log: Path) -> RunResult:
    """Make the run folder of a finished job final; return its record."""
    final = Path(job.run_dir)
    found = fresh_result(job)
    written, source = found if found is not None else (None, None)
    verdict = slurm_verdict(state.state)
    if verdict is None and written is not None and source is not None:  # (both or neither)
        if written.status != vocab.OK and written.error is not None and "slurm_job_id" not in written.error:
            written.error["slurm_job_id"] = job.job_id  # same status: the report stays true
            write_json_atomic(source / RESULT_FILE, written.to_dict())
        return written
    if verdict is None and written is None and state.state == UNKNOWN and is_array_task(job.job_id):
        verdict = vocab.INTERRUPTED  # an array task Slurm dropped without a trace: cancelled before it started
    if verdict is None:  # ended by itself without a result: a usage error (exit 2, the log says), or a crash
        verdict = vocab.FAILED if state.state == "COMPLETED" or state.exit_code.startswith("2:") else vocab.CRASHED
    record = written or _blank_record(job)
    # one writer per run folder (node 0 may still be ending); published by perfkit.jobs.publish's rule:
    # Slurm's verdict never replaces an ok result published before this job
    into = source if source is not None and source != final else None
    with publishing.staged(final, wait=True, into=into) as stage:
        if source is not None and source.is_dir():
            publishing.copy_files(source, stage.staging)
        record.status = verdict
        record.error = _slurm_error(job, state, written.error if written else None, log)
        record.finished_at = record.finished_at or utc_now()
        write_json_atomic(stage.staging / RESULT_FILE, record.to_dict())
        if log.is_file():
            shutil.copy2(log, stage.staging / SLURM_LOG_FILE)
        notebook = stage.staging / NOTEBOOK_FILE
        if notebook.is_file():
            publish.add_banner(notebook, record)
            if job.html:
                publish.export_html(notebook, stage.staging / HTML_FILE, job.redacted)
        stage.status = record.status
    return record
