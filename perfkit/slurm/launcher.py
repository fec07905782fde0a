"""``SlurmLauncher``: a prepared run becomes one Slurm job; waiting polls Slurm, shows progress,
and settles each job as it ends (perfkit.slurm.settle).

    launcher = SlurmLauncher(SlurmOptions(partition="gpu"))
    result = launcher.launch(prepared)          # submit, wait, settle: the run's RunResult
    job = launcher.submit(prepared)             # or submit only (``--no-wait``) ...
    launcher.wait([job])                        # ... and wait later
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.results.record import RunResult, utc_now
from perfkit.slurm import commands, ledger
from perfkit.slurm.ledger import JobRecord
from perfkit.slurm.options import SlurmOptions
from perfkit.slurm.script import JobRequest, render
from perfkit.slurm.settle import settle
from perfkit.slurm.states import JobState

PASSED_ENV = ("PERFKIT_DATA",)  # exported into the job when set here
UNKNOWN = "UNKNOWN"  # the state of a job Slurm has forgotten


def ended(state: JobState) -> bool:
    return state.terminal or state.state == UNKNOWN


def log_path(job_id: str, reports: Path | None = None) -> Path:
    return ledger.jobs_dir(reports) / f"{job_id}.log"


class SlurmLauncher:
    def __init__(self, options: SlurmOptions | None = None, echo: Callable[[str], None] | None = None,
                 python: str | None = None) -> None:
        self.options = options or SlurmOptions()
        self.echo = echo or (lambda line: print(line, flush=True))
        self.python = python or sys.executable

    # -- submitting --------------------------------------------------------------------------
    def request(self, prepared: Any, overrides: dict[str, Any] | None = None, timeout: float | None = None,
                html: bool = True, redacted: bool = False) -> JobRequest:
        resolved = prepared.resolved
        reports = paths.reports_dir()
        return JobRequest(
            benchmark=resolved.benchmark, vendor=resolved.vendor, config=resolved.config,
            overrides=dict(resolved.overrides if overrides is None else overrides),
            output_dir=Path(prepared.output_dir).resolve(), nnodes=resolved.nnodes,
            nproc_per_node=resolved.nproc_per_node, project_root=paths.project_root(), reports_dir=reports,
            python=self.python, log_path=ledger.jobs_dir(reports) / "%j.log", timeout=timeout, html=html,
            redacted=redacted, environment={name: os.environ[name] for name in PASSED_ENV if os.environ.get(name)},
        )

    def submit(self, prepared: Any, overrides: dict[str, Any] | None = None, timeout: float | None = None,
               html: bool = True, redacted: bool = False, label: str = "", suite: str = "",
               dependency: str = "") -> JobRecord:
        """Write the job script, sbatch it, keep a ledger record; return the record."""
        commands.require("sbatch")  # before anything is written
        request = self.request(prepared, overrides, timeout, html, redacted)
        folder = ledger.jobs_dir(request.reports_dir)
        folder.mkdir(parents=True, exist_ok=True)
        pending = folder / f".submit-{os.getpid()}-{time.monotonic_ns()}.sh"
        pending.write_text(render(request, self.options, dependency), encoding="utf-8")
        submitted_at = utc_now()
        try:
            job_id = commands.submit(pending)
        except BaseException:
            pending.unlink(missing_ok=True)
            raise
        pending.replace(folder / f"{job_id}.sh")  # sbatch keeps its own copy: the name can change
        record = JobRecord(job_id, submitted_at, request.benchmark, request.vendor, request.config,
                           label or f"{request.benchmark}/{request.vendor}/{request.config}", str(request.output_dir),
                           request.overrides, timeout, suite, html, redacted)
        ledger.save(record)
        return record

    # -- waiting -----------------------------------------------------------------------------
    def poll(self, job: JobRecord) -> JobState:
        return self.poll_all([job])[job.job_id]

    def poll_all(self, jobs: list[JobRecord]) -> dict[str, JobState]:
        """Every job's state, one squeue call for all (perfkit.slurm.commands.job_states)."""
        found = commands.job_states([job.job_id for job in jobs])
        return {job_id: state if state is not None else
                # neither scontrol nor sacct remembers it: it ended long ago, somehow
                JobState(job_id, UNKNOWN, "Slurm no longer knows this job (no accounting?)")
                for job_id, state in found.items()}

    def finish(self, job: JobRecord, state: JobState) -> RunResult:
        """Settle an ended job and update its ledger record."""
        result = settle(job, state, log_path(job.job_id))
        job.state, job.reason, job.status = state.state, state.reason, result.status
        error = result.error or {}
        job.detail = "" if result.status == "ok" else str(error.get("run_error") or error.get("message") or "")
        job.settled_at = utc_now()
        ledger.save(job)
        return result

    def wait(self, jobs: list[JobRecord], on_end: Callable[[JobRecord, RunResult], None] | None = None,
             follow_log: bool = False) -> dict[str, RunResult]:
        """Poll until every job ended; settle each as it ends. ``follow_log`` echoes new lines of
        the (single) job's output as they come: its progress bar."""
        results: dict[str, RunResult] = {}
        waiting = {job.job_id: job for job in jobs}
        offsets = {job.job_id: 0 for job in jobs}
        while waiting:
            states = self.poll_all(list(waiting.values()))
            for job_id, job in list(waiting.items()):
                state = states[job_id]
                if state.state != job.state or state.reason != job.reason:
                    where = f" on {state.nodes}" if state.nodes and state.state == "RUNNING" else ""
                    why = f" ({state.reason})" if state.reason and state.state == "PENDING" else ""
                    self.echo(f"job {job_id} ({job.label}): {state.state}{where}{why}")
                    job.state, job.reason = state.state, state.reason
                    ledger.save(job)
                if follow_log:
                    offsets[job_id] = self._echo_new_lines(log_path(job_id), offsets[job_id])
                if ended(state):
                    results[job_id] = self.finish(job, state)
                    del waiting[job_id]
                    if on_end:
                        on_end(job, results[job_id])
            if waiting:
                time.sleep(self.options.poll_seconds)
        return results

    def _echo_new_lines(self, log: Path, offset: int) -> int:
        try:
            with log.open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except OSError:
            return offset
        end = chunk.rfind(b"\n")
        if end < 0:
            return offset
        for line in chunk[:end].decode("utf-8", errors="replace").splitlines():
            line = line.split("\r")[-1].rstrip()  # a progress bar's last refresh
            if line:
                self.echo(f"  | {line}")
        return offset + end + 1

    # -- the launcher call -------------------------------------------------------------------
    def launch(self, prepared: Any, overrides: dict[str, Any] | None = None, timeout: float | None = None,
               html: bool = True, redacted: bool = False) -> RunResult:
        """Run one prepared run as a Slurm job and return its settled result."""
        job = self.submit(prepared, overrides, timeout, html, redacted)
        self.echo(f"submitted Slurm job {job.job_id}: {job.label} -> {job.run_dir} (output {log_path(job.job_id)})")
        return self.wait([job], follow_log=True)[job.job_id]
