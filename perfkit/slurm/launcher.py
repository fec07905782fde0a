"""``SlurmLauncher``, the ``slurm`` job launcher (perfkit.jobs.launcher): a prepared run becomes
one Slurm job; waiting polls Slurm, shows progress, and settles each job as it ends
(perfkit.slurm.settle). Inside the job, node 0 runs the notebook through the ``local`` launcher,
as ``perfkit run`` does (perfkit.slurm.node).

    launcher = SlurmLauncher(SlurmOptions(partition="gpu"))
    done = launcher.run(prepared)               # submit, wait, settle: a NotebookRun (None: --no-wait)
    report = launcher.run_suite(suite, planned) # a job per run, or arrays (perfkit.slurm.suite)
    job = launcher.submit(prepared)             # or the steps: submit ...
    launcher.wait([job])                        # ... and wait later (`perfkit status`)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfkit import paths
from perfkit.jobs.launcher import JobLauncher
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, utc_now
from perfkit.results.store import write_text_atomic
from perfkit.slurm import commands, ledger
from perfkit.slurm.job_ids import array_task, is_array_task
from perfkit.slurm.ledger import JobRecord
from perfkit.slurm.options import SlurmOptions
from perfkit.slurm.script import JobRequest, render, render_array
from perfkit.slurm.settle import settle
from perfkit.slurm.states import UNKNOWN, JobState

if TYPE_CHECKING:
    from perfkit.run.spec import PreparedRun

PASSED_ENV = ("PERFKIT_DATA",)  # exported into the job when set here


def forgotten(job_id: str) -> JobState:
    """The state of a job neither scontrol nor sacct knows: it ended long ago (no accounting),
    or, for an array task, it was cancelled while pending (Slurm drops such a task at once)."""
    if is_array_task(job_id):
        return JobState(job_id, UNKNOWN, "Slurm no longer knows this array task (one cancelled while pending is dropped)")
    return JobState(job_id, UNKNOWN, "Slurm no longer knows this job (no accounting?)")


def ended(state: JobState) -> bool:
    return state.terminal or state.state == UNKNOWN


def log_path(job_id: str, reports: Path | None = None) -> Path:
    return ledger.jobs_dir(reports) / f"{job_id}.log"


class SlurmLauncher(JobLauncher):
    name = "slurm"

    def __init__(self, options: SlurmOptions | None = None, echo: Callable[[str], None] | None = None,
                 python: str | None = None) -> None:
        self.options = options or SlurmOptions()
        self.echo = echo or (lambda line: print(line, flush=True))
        self.python = python or sys.executable

    # -- submitting --------------------------------------------------------------------------
    def request(self, prepared: PreparedRun, timeout: float | None = None, html: bool = True,
                redacted: bool = False) -> JobRequest:
        """The job of one prepared run: its payload travels, written to the job's prepared-run
        file when it is submitted (perfkit.slurm.ledger.new_prepared_path)."""
        from perfkit.run.spec import to_payload

        resolved = prepared.resolved
        reports = paths.reports_dir()
        output_dir = Path(prepared.output_dir).resolve()
        return JobRequest(
            benchmark=resolved.benchmark, vendor=resolved.vendor, config=resolved.config,
            payload=to_payload(replace(prepared, output_dir=output_dir)),
            prepared_file=ledger.new_prepared_path(reports),
            output_dir=output_dir, nnodes=resolved.nnodes,
            nproc_per_node=resolved.nproc_per_node, project_root=paths.project_root(), reports_dir=reports,
            python=self.python, log_path=ledger.jobs_dir(reports) / "%j.log", timeout=timeout, html=html,
            redacted=redacted, environment={name: os.environ[name] for name in PASSED_ENV if os.environ.get(name)},
        )

    def submit(self, prepared: PreparedRun, timeout: float | None = None, html: bool = True, redacted: bool = False,
               label: str = "", suite: str = "", dependency: str = "") -> JobRecord:
        """Write the job's prepared run and script, sbatch it, keep a ledger record; return the record."""
        return self.submit_request(self.request(prepared, timeout, html, redacted), label, suite, dependency)

    def submit_request(self, request: JobRequest, label: str = "", suite: str = "", dependency: str = "") -> JobRecord:
        """One run as one job."""
        submitted_at = utc_now()
        job_id = self._sbatch(request.reports_dir, render(request, self.options, dependency), [request])
        record = self._record(job_id, submitted_at, request, label, suite)
        ledger.save(record)
        return record

    def submit_array(self, requests: list[JobRequest], labels: list[str], suite: str, dependency: str = "",
                     throttle: int | None = None) -> list[JobRecord]:
        """Runs that ask for the same allocation (perfkit.slurm.script.array_key) as one job array,
        task K for ``requests[K]``; a ledger record per task (``<array>_<K>``)."""
        reports = requests[0].reports_dir
        log = ledger.jobs_dir(reports) / "%A_%a.log"  # = log_path(<array>_<task>)
        text = render_array(requests, self.options, f"perfkit-suite-{suite}", log, dependency, throttle)
        submitted_at = utc_now()
        array_id = self._sbatch(reports, text, requests)
        records = [self._record(array_task(array_id, task), submitted_at, request, label, suite)
                   for task, (request, label) in enumerate(zip(requests, labels, strict=True))]
        for record in records:
            ledger.save(record)
        return records

    def _sbatch(self, reports: Path, script: str, requests: list[JobRequest]) -> str:
        """Write the requests' prepared runs and ``script`` under reports/jobs/, submit it, keep
        it as ``<job id>.sh``; nothing stays behind when the submission fails."""
        commands.require("sbatch")  # before anything is written
        folder = ledger.jobs_dir(reports)
        folder.mkdir(parents=True, exist_ok=True)
        pending = folder / f".submit-{os.getpid()}-{time.monotonic_ns()}.sh"
        written: list[Path] = []
        try:
            for request in requests:
                request.prepared_file.parent.mkdir(parents=True, exist_ok=True)
                write_text_atomic(request.prepared_file, request.payload)
                written.append(request.prepared_file)
            pending.write_text(script, encoding="utf-8")
            job_id = commands.submit(pending)
        except BaseException:
            pending.unlink(missing_ok=True)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        pending.replace(folder / f"{job_id}.sh")  # sbatch keeps its own copy: the name can change
        return job_id

    @staticmethod
    def _record(job_id: str, submitted_at: str, request: JobRequest, label: str, suite: str) -> JobRecord:
        return JobRecord(job_id, submitted_at, request.benchmark, request.vendor, request.config,
                         label or f"{request.benchmark}/{request.vendor}/{request.config}", str(request.output_dir),
                         str(request.prepared_file), request.timeout, suite, request.html, request.redacted)

    # -- waiting -----------------------------------------------------------------------------
    def poll(self, job: JobRecord) -> JobState:
        return self.poll_all([job])[job.job_id]

    def poll_all(self, jobs: list[JobRecord]) -> dict[str, JobState]:
        """Every job's state, one squeue call for all (perfkit.slurm.commands.job_states)."""
        found = commands.job_states([job.job_id for job in jobs])
        return {job_id: state if state is not None else forgotten(job_id) for job_id, state in found.items()}

    def finish(self, job: JobRecord, state: JobState) -> RunResult:
        """Settle an ended job and update its ledger record."""
        result = settle(job, state, log_path(job.job_id))
        job.state, job.reason, job.status = state.state, state.reason, result.status
        error = result.error or {}
        job.detail = "" if result.status == vocab.OK else str(error.get("run_error") or error.get("message") or "")
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

    # -- the job launcher ------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, suite: bool = False) -> None:
        from perfkit.slurm.arguments import add_slurm_options

        add_slurm_options(parser, suite)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> SlurmLauncher:
        from perfkit.slurm.arguments import options_from

        # with --no-wait, stdout is the job id(s) alone (for scripts); what happened goes to stderr
        echo = (lambda line: print(line, file=sys.stderr, flush=True)) if args.no_wait else None
        return cls(options_from(args), echo=echo)

    def run(self, prepared: PreparedRun, timeout: float | None = None, html: bool = True, redacted: bool = False):
        """Submit the run as one job; unless ``--no-wait``, follow its output until it ends and
        return its settled run (a NotebookRun, as a local run's)."""
        from perfkit.jobs.notebook_run import NotebookRun, error_line

        job = self.submit(prepared, timeout, html, redacted)
        self.echo(f"submitted Slurm job {job.job_id}: {job.label} -> {job.run_dir} (output {log_path(job.job_id)})")
        if not self.options.wait:
            print(job.job_id)
            self.echo("`perfkit status` settles it when it ends")
            return None
        started = time.perf_counter()
        try:
            result = self.wait([job], follow_log=True)[job.job_id]
        except KeyboardInterrupt:
            print(f"perfkit: stopped waiting; Slurm job {job.job_id} goes on (`perfkit status`, `scancel {job.job_id}`)",
                  file=sys.stderr)
            raise
        return NotebookRun(Path(job.run_dir), result.status, result, time.perf_counter() - started, error_line(result))

    def run_suite(self, suite: Any, planned: list, html: bool = True, redacted: bool = False, force: bool = False):
        """A job per run, runs asking for the same allocation as one array (perfkit.slurm.suite);
        None with ``--no-wait`` (the job ids are printed)."""
        from perfkit.slurm.suite import submit_suite, wait_suite

        skipped, jobs = submit_suite(suite, planned, self, html=html, redacted=redacted, force=force)
        if not self.options.wait:
            print(" ".join(job.job_id for job in jobs))
            return None
        report = wait_suite(suite, jobs, skipped, self)
        if report.interrupted:
            print("perfkit: stopped waiting; the jobs go on (`perfkit status`, `perfkit status --cancel`)", file=sys.stderr)
        return report
