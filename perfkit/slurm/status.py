"""``perfkit status``: settle the Slurm jobs that ended since, list the newest, cancel on request.
Cheap to import: ``perfkit --help`` builds the parser with it (the launcher loads on use)."""

from __future__ import annotations

import argparse

from perfkit.errors import UserError
from perfkit.slurm.options import SlurmOptions


def _build_index(redacted: bool) -> None:
    from perfkit.jobs.index_build import rebuild_index_after_runs

    index = rebuild_index_after_runs(redacted=redacted)
    if index is not None:
        print(f"index: {index}")


def add_status_command(sub) -> None:
    status = sub.add_parser("status", help="jobs submitted to Slurm: their state, and their run's status once ended")
    status.add_argument("--suite", default="", help="only this suite's jobs")
    status.add_argument("--cancel", action="store_true", help="scancel the listed jobs that have not ended, and settle them")
    status.add_argument("--limit", type=int, default=20, help="show at most this many jobs, newest first (default 20)")
    status.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    """``perfkit status``: settle the jobs that ended since, list the newest."""
    from perfkit.slurm import commands, ledger
    from perfkit.slurm.launcher import SlurmLauncher, ended

    every = ledger.all_records()
    if args.suite and args.suite not in {r.suite for r in every}:
        suites = sorted({r.suite for r in every if r.suite})
        raise UserError(f"--suite {args.suite!r:.80}: no Slurm jobs of that suite in {ledger.jobs_dir()}; "
                        f"suites with jobs: {', '.join(suites) or 'none'}")
    records = [r for r in every if not args.suite or r.suite == args.suite]
    if not records:
        print("no Slurm jobs in " + str(ledger.jobs_dir()) + (f" for suite {args.suite}" if args.suite else ""))
        return 0
    launcher = SlurmLauncher(SlurmOptions(poll_seconds=1.0), echo=lambda line: None)
    settled_now, running = 0, []
    unsettled = [r for r in records if not r.settled]
    states = launcher.poll_all(unsettled)
    for record in unsettled:
        state = states[record.job_id]
        if ended(state):
            launcher.finish(record, state)
            settled_now += 1
        else:
            record.state, record.reason = state.state, state.reason
            running.append(record)
    if args.cancel and running:
        commands.cancel([r.job_id for r in running])
        launcher.wait(running)  # until Slurm has stopped them; settles each
        settled_now += len(running)
        print(f"cancelled {len(running)} job(s): {' '.join(r.job_id for r in running)}")
    print(f"{'JOB':>8}  {'SLURM STATE':<13} {'STATUS':<11} {'SUBMITTED':<25} RUN")
    for record in records[: max(1, args.limit)]:
        line = (f"{record.job_id:>8}  {record.state:<13} {record.status or '-':<11} {record.submitted_at:<25} "
                f"{record.label}" + (f" [suite {record.suite}]" if record.suite else ""))
        if record.detail:
            line += f"  - {record.detail}"
        print(line)
    if settled_now:
        _build_index(any(r.redacted for r in records))
    return 0
