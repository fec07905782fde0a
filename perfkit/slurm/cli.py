"""The command line's Slurm side: the options of the ``slurm`` job launcher on ``perfkit run`` and
``perfkit suite`` (perfkit.slurm.launcher.SlurmLauncher adds them and reads them back), and
``perfkit status``. Cheap to import: ``perfkit --help`` builds the parser with it."""

from __future__ import annotations

import argparse
import sys

from perfkit.slurm.options import SlurmOptions, check_time, parse_pairs


def add_slurm_options(parser: argparse.ArgumentParser, suite: bool = False) -> None:
    group = parser.add_argument_group("Slurm (--launcher slurm, docs/cluster.md)")
    group.add_argument("--partition", default="", help="Slurm partition")
    group.add_argument("--account", default="", help="Slurm account")
    group.add_argument("--time", default="", metavar="LIMIT",
                       help="job time limit (Slurm format); default: the run's timeout plus 5 minutes, else the partition's")
    group.add_argument("--slurm-arg", action="append", metavar="KEY=VALUE",
                       help="any other sbatch option, e.g. gpus-per-node=8, exclusive, container-image=IMG (repeatable)")
    group.add_argument("--srun-arg", action="append", metavar="KEY=VALUE",
                       help="an srun option for the job's step, e.g. container-image=IMG with pyxis (repeatable)")
    group.add_argument("--no-wait", action="store_true", help="submit, print the job id(s) and return; see perfkit status")
    if suite:
        group.add_argument("--max-jobs", type=int, default=None, metavar="N", help="at most N of the suite's jobs at once")


def options_from(args: argparse.Namespace) -> SlurmOptions:
    if args.time:
        check_time(args.time)
    return SlurmOptions(
        partition=args.partition, account=args.account, time=args.time,
        sbatch_args=parse_pairs(args.slurm_arg, "--slurm-arg"), srun_args=parse_pairs(args.srun_arg, "--srun-arg"),
        wait=not args.no_wait, max_jobs=getattr(args, "max_jobs", None),
    )


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

    records = [r for r in ledger.all_records() if not args.suite or r.suite == args.suite]
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
