"""One worker process of a launched run: ``python -m perfkit.run.worker --worker NAME --resolved
PAYLOAD``, started by a launcher (perfkit.run.elastic, or a cluster launcher), one per card. Not a
command for users.

The payload is the run the host resolved (perfkit.run.spec.to_payload); the worker verifies its
params hash, compares it with every other rank's, then runs the named worker function in this
process.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

import torch
import torch.distributed as dist
from torch.distributed.elastic.multiprocessing.errors import record

from perfkit.engine.distributed import check_same_on_all_ranks, context_from_env
from perfkit.run.launcher import worker_by_name
from perfkit.run.spec import from_payload
from perfkit.vendors import get_vendor


def _threads_per_worker() -> None:
    """Like torchrun: share the host's cores among the node's workers unless told otherwise."""
    if "OMP_NUM_THREADS" in os.environ:
        return
    local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))


def _die_with_the_launcher() -> None:
    """Linux: get SIGTERM when the launcher dies (a killed kernel), rather than live on orphaned."""
    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        return


@record
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perfkit.run.worker")
    parser.add_argument("--worker", default="perfkit.run.execute:execute", help="module:function to run")
    parser.add_argument("--resolved", required=True, help="the run the host resolved (JSON)")
    args = parser.parse_args(argv)
    _die_with_the_launcher()
    _threads_per_worker()

    run = from_payload(args.resolved)
    worker = worker_by_name(args.worker)
    vendor = get_vendor(run.resolved.vendor)
    ctx = context_from_env(run.resolved.params.dist_backend or vendor.dist_backend)
    try:
        check_same_on_all_ranks(ctx, run.resolved.params_hash, "params hash (every node must run the same config and overrides)")
        worker(run, progress=True, ctx=ctx)
        # every rank reaches the end before any tears its connections down: a rank that left
        # while another was still in its last collective or destroying its group aborted that
        # rank's gloo threads ("terminate called without an active exception", SIGABRT)
        ctx.barrier()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
