"""The command-line options of the ``slurm`` job launcher on ``perfkit run`` and ``perfkit suite``:
added to a parser, read back as SlurmOptions (perfkit.slurm.launcher.SlurmLauncher calls both)."""

from __future__ import annotations

import argparse

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
