"""A suite on Slurm: every planned run (each repeat of each entry) is a job of its own; runs that
ask for the same allocation share one job array.

Runs whose job scripts would differ only in what they run (the same nodes, cards, time limit and
``--slurm-arg`` options: perfkit.slurm.script.array_key), such as the repeats of one entry or
the entries of one time limit, are submitted as one array, task K for the K-th run. Each task
is still a job to Slurm, with its own id (``<array>_<K>``), state, output and time limit, so a
failure stays its run's own. Runs of different shapes are separate submissions; an array holds
at most the cluster's ``MaxArraySize`` tasks (``scontrol show config``), and more runs of one
shape make several arrays.

``--max-jobs N`` caps how many runs go at once without perfkit staying up to hold jobs back:
the submissions are dealt round-robin onto N lanes, an array taking as many lanes as it runs
tasks at once (``--array=...%K``, K <= N), and each submission waits (``--dependency=afterany:``)
for the previous occupant of every lane it takes. A lane runs one thing at a time, so at most N
runs go at once; the cap holds with ``--no-wait`` too, and a failed or cancelled job frees its
lane like a finished one.

Resume is the local suite's: a run whose ok result has the same params hash, data hash and
kit version is not submitted (perfkit.jobs.suite.completed; the data hash is read, nothing is built).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from perfkit import paths
from perfkit.jobs.suite import PlannedRun, Suite, completed, current_data_hash
from perfkit.jobs.suite_run import SKIP_REASON, RunOutcome, SuiteReport
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, utc_now
from perfkit.results.store import write_json_atomic
from perfkit.slurm import commands
from perfkit.slurm.ledger import JobRecord
from perfkit.slurm.options import SlurmOptions
from perfkit.slurm.script import JobRequest, array_key

if TYPE_CHECKING:  # the launcher calls this module (run_suite); at run time it is handed in
    from perfkit.slurm.launcher import SlurmLauncher


def plan_lanes(widths: list[int], max_jobs: int | None) -> list[list[int]]:
    """For submissions running ``widths[u]`` runs at once each (an array's throttle, 1 for a
    job), the earlier submissions each must wait for so that at most ``max_jobs`` runs go at
    once: round-robin over ``max_jobs`` lanes, every lane busy with one submission at a time."""
    if max_jobs is None:
        return [[] for _ in widths]
    owners: list[int | None] = [None] * max_jobs
    lane = 0
    waits: list[list[int]] = []
    for unit, width in enumerate(widths):
        if not 1 <= width <= max_jobs:
            raise ValueError(f"width {width} outside 1..{max_jobs}")
        taken = [(lane + k) % max_jobs for k in range(width)]
        waits.append(sorted({owner for i in taken if (owner := owners[i]) is not None}))
        for i in taken:
            owners[i] = unit
        lane = (lane + width) % max_jobs
    return waits


def group_by_allocation(requests: list[JobRequest], options: SlurmOptions, max_array: int) -> list[list[int]]:
    """Indices of ``requests`` grouped by what they ask of Slurm, in order of first appearance,
    at most ``max_array`` to a group (the cluster's MaxArraySize; below 2, no arrays at all)."""
    groups: dict[tuple, list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault(array_key(request, options), []).append(i)
    size = max(1, max_array)
    return [group[k:k + size] for group in groups.values() for k in range(0, len(group), size)]


def submit_suite(suite: Suite, planned: list[PlannedRun], launcher: SlurmLauncher, html: bool = True,
                 redacted: bool = False, force: bool = False) -> tuple[list[RunOutcome], list[JobRecord]]:
    """Skip what is done, submit the rest (arrays where runs share an allocation); (skipped
    outcomes, one ledger record per submitted run)."""
    skipped: list[RunOutcome] = []
    todo: list[PlannedRun] = []
    for run in planned:
        if not force and completed(run, current_data_hash(run)):
            skipped.append(RunOutcome(run.label, str(run.run_dir), vocab.SKIPPED, detail=SKIP_REASON))
            launcher.echo(f"{run.label}: skipped ({SKIP_REASON})")
        else:
            todo.append(run)
    if todo:
        commands.require("sbatch")  # the missing command named first, before scontrol is asked anything
    requests = [launcher.request(run.prepared, run.timeout, html, redacted) for run in todo]
    units = group_by_allocation(requests, launcher.options, commands.max_array_size() if len(todo) > 1 else 1)
    cap = launcher.options.max_jobs
    widths = [min(len(unit), cap) if cap else len(unit) for unit in units]
    waits = plan_lanes(widths, cap)
    unit_ids: list[str] = []  # what a later submission waits for: the job's or the array's id
    jobs: list[JobRecord] = []
    for unit, width, wait_for in zip(units, widths, waits, strict=False):
        after = [unit_ids[u] for u in wait_for]
        dependency = "afterany:" + ":".join(after) if after else ""
        if len(unit) == 1:
            submitted = [launcher.submit_request(requests[unit[0]], todo[unit[0]].label, suite.name, dependency)]
            unit_ids.append(submitted[0].job_id)
        else:
            submitted = launcher.submit_array([requests[i] for i in unit], [todo[i].label for i in unit], suite.name,
                                              dependency, throttle=width if width < len(unit) else None)
            unit_ids.append(submitted[0].job_id.split("_")[0])
        for job in submitted:
            launcher.echo(f"{job.label}: submitted as Slurm job {job.job_id}" + (f" (after {' '.join(after)})" if after else ""))
        jobs += submitted
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
