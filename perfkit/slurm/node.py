"""One task of a perfkit job inside a Slurm allocation: ``python -m perfkit.slurm.node ...``.
Not a command for users; the job script (perfkit.slurm.script) runs it once per node.

Every task loads the run the host prepared from ``--prepared FILE`` (the job's prepared-run
file, written at submission: perfkit.slurm.ledger), recomputes its params hash and compares it
with the recorded one; a mismatch, or a file that is missing or not a prepared run, is one error
line naming the file (exit 2). Nothing is resolved from the YAML again on the compute node.

Task 0 (``SLURM_PROCID`` 0, the allocation's first node) runs the notebook into the run folder
through the ``local`` job launcher, the path ``perfkit run`` takes (preflight, papermill with the
resolved run as the kernel's ``resolved`` parameter, publish), and its kernel hosts the rendezvous at ``$PERFKIT_RDZV_ENDPOINT``;
task k joins that rendezvous as node k, as ``perfkit join --prepared FILE --node-rank k`` does. A SIGTERM
from Slurm (scancel, the time limit) stops the notebook like Ctrl-C: the partial notebook and
a result are published before Slurm's KillWait runs out.

Exit status: 0 ok, 1 the run did not end ok, 2 bad usage, params or data, 130 stopped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from perfkit.errors import UserError, stop_on_sigterm_like_ctrl_c
from perfkit.results import vocabulary as vocab


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="perfkit.slurm.node")
    parser.add_argument("--prepared", required=True, help="the job's prepared run (JSON, perfkit.run.spec.to_payload)")
    parser.add_argument("--output-dir", required=True)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("--no-html", action="store_true")
    parser.add_argument("--redact", action="store_true")
    return parser


def task_rank(env: dict[str, str]) -> tuple[int, int]:
    """(this task's rank, the number of tasks) from Slurm's environment; one task per node."""
    try:
        return int(env.get("SLURM_PROCID", "0")), int(env.get("SLURM_NTASKS", "1"))
    except ValueError:
        raise UserError("SLURM_PROCID / SLURM_NTASKS are not numbers: run this only inside a Slurm job") from None


def _node_zero(run, args: argparse.Namespace) -> int:
    from perfkit.jobs.launcher import LocalLauncher

    # the other nodes are started by the job script, not by hand: no join hint
    done = LocalLauncher(announce=False).run(run, timeout=args.timeout, html=not args.no_html,
                                             redacted=args.redact)
    print(f"perfkit: {run.resolved.benchmark}/{run.resolved.vendor}/{run.resolved.config}: {done.status} "
          f"in {done.seconds:.1f} s -> {done.run_dir}" + (f"; {done.error}" if done.error else ""), flush=True)
    return 0 if done.status == vocab.OK else 130 if done.status == vocab.INTERRUPTED else 1


def _other_node(prepared, rank: int) -> int:
    from perfkit.run.elastic import ElasticLauncher, WorkerFailed
    from perfkit.run.preflight import preflight
    from perfkit.run.rendezvous import ENDPOINT_ENV

    endpoint = os.environ.get(ENDPOINT_ENV, "")
    with tempfile.TemporaryDirectory(prefix="perfkit-node-") as scratch:  # only rank 0 writes results
        run = replace(prepared, output_dir=Path(scratch))
        preflight(run)
        try:
            ElasticLauncher(rank, endpoint).launch(run)
        except WorkerFailed as exc:
            print(f"perfkit: node {rank}: {exc}", file=sys.stderr, flush=True)
            return 1
    print(f"perfkit: node {rank}: workers finished", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from perfkit.run.spec import load_payload_file

        rank, ntasks = task_rank(dict(os.environ))
        run = load_payload_file(Path(args.prepared), args.output_dir)
        if ntasks != run.resolved.nnodes:
            raise UserError(f"the job has {ntasks} task(s) but {run.resolved.config_file} has nnodes={run.resolved.nnodes}: "
                            "perfkit needs one task per node (leave --ntasks-per-node to perfkit)")
        stop_on_sigterm_like_ctrl_c()
        if rank == 0:
            return _node_zero(run, args)
        return _other_node(run, rank)
    except UserError as exc:
        print(f"perfkit: error: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print("perfkit: stopped (SIGTERM from Slurm, or Ctrl-C)", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
