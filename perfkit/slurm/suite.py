"""A suite on Slurm: every planned run (each repeat of each entry) is its own job.

Not a job array: entries differ in node count, cards, time limit and overrides, and an array's
tasks share one request. One job per run keeps each run's time limit its own and a failure its
own. ``--max-jobs N`` caps how many run at once without perfkit staying up to hold jobs back:
job k waits for job k-N to end (``--dependency=afterany:``), so the cap holds with ``--no-wait``
too, and a failed or cancelled job frees its slot like a finished one.

Resume is the local suite's: a run whose ok result has the same params hash, data hash and
kit version is not submitted (perfkit.jobs.suite.completed; the data hash is read, nothing is built).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from perfkit import paths
from perfkit.results.record import RunResult, utc_now
from perfkit.results.store import write_json_atomic
from perfkit.slurm.launcher import SlurmLauncher
from perfkit.slurm.ledger import JobRecord
from perfkit.jobs.suite import PlannedRun, Suite, completed, current_data_hash
from perfkit.jobs.suite_run import SKIP_REASON, RunOutcome, SuiteReport


def dependency_for(index: int, submitted: list[JobRecord], max_jobs: int | None) -> str:
    """The k-th submitted job (0-based) waits for job k - max_jobs to end."""
    if max_jobs is None or index < max_jobs:
        return ""
    return f"afterany:{submitted[index - max_jobs].job_id}"


def submit_suite(suite: Suite, planned: list[PlannedRun], launcher: SlurmLauncher, html: bool = True,
                 redacted: bool = False, force: bool = False) -> tuple[list[RunOutcome], list[JobRecord]]:
    """Skip what is done, submit the rest; (skipped outcomes, submitted jobs)."""
    skipped: list[RunOutcome] = []
    jobs: list[JobRecord] = []
    for run in planned:
        done = None if force else completed(run, current_data_hash(run))
        if done:
            skipped.append(RunOutcome(run.label, str(run.run_dir), "skipped", detail=SKIP_REASON))
            launcher.echo(f"{run.label}: skipped ({SKIP_REASON})")
            continue
        dependency = dependency_for(len(jobs), jobs, launcher.options.max_jobs)
        job = launcher.submit(run.prepared, run.entry.overrides, run.timeout, html, redacted, label=run.label,
                              suite=suite.name, dependency=dependency)
        jobs.append(job)
        launcher.echo(f"{run.label}: submitted as Slurm job {job.job_id}" + (f" (after {dependency[9:]})" if dependency else ""))
    return skipped, jobs


def _seconds(result: RunResult) -> float:
    """The run's wall time, from its record's timestamps (0 when it has none)."""
    from datetime import datetime

    try:
        return max(0.0, (datetime.fromisoformat(result.finished_at) - datetime.fromisoformat(result.started_at)).total_seconds())
    except (TypeError, ValueError):
        return 0.0


def outcome_of(job: JobRecord, result: RunResult) -> RunOutcome:
    return RunOutcome(job.label, job.run_dir, result.status, _seconds(result), job.detail)


def wait_suite(suite: Suite, jobs: list[JobRecord], skipped: list[RunOutcome], launcher: SlurmLauncher,
               echo: Callable[[str], None] | None = None) -> SuiteReport:
    """Wait for every job, settle each, write reports/suites/<name>.json."""
    report = SuiteReport(suite.name, utc_now(), list(skipped))
    say = echo or launcher.echo
    ended: dict[str, RunOutcome] = {}

    def on_end(job: JobRecord, result: RunResult) -> None:
        ended[job.job_id] = outcome_of(job, result)
        say(f"[{len(ended)}/{len(jobs)}] job {job.job_id}: {ended[job.job_id].line()}")

    started = time.perf_counter()
    try:
        launcher.wait(jobs, on_end=on_end)
    except KeyboardInterrupt:
        report.interrupted = True
    report.wall_seconds = time.perf_counter() - started
    report.outcomes += [ended[job.job_id] for job in jobs if job.job_id in ended]
    write_json_atomic(paths.reports_dir() / "suites" / f"{suite.name}.json", report.to_dict())
    return report
