"""One worker of a distributed run: ``python -m perfkit.worker ...``, started by perfkit.launch
through torch.distributed's elastic launch, one per card. Not a command for users."""

from __future__ import annotations

import argparse
import json
import os
import sys

from torch.distributed.elastic.multiprocessing.errors import record


def _threads_per_worker() -> None:
    """Like torchrun: share the host's cores among the node's workers unless told otherwise."""
    if "OMP_NUM_THREADS" in os.environ:
        return
    import torch

    local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // local))


def _die_with_the_launcher() -> None:
    """Linux: get SIGTERM when the launcher dies (a killed kernel), rather than live on orphaned."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        return


@record
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="perfkit.worker")
    for name in ("benchmark", "vendor", "config", "overrides", "output-dir"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    _die_with_the_launcher()
    _threads_per_worker()

    import torch.distributed as dist

    from perfkit.engine.distributed import context_from_env, check_same_on_all_ranks
    from perfkit.runner import execute, prepare
    from perfkit.vendors import get_vendor

    run = prepare(args.benchmark, args.vendor, args.config, json.loads(args.overrides), args.output_dir)
    vendor = get_vendor(run.resolved.vendor)
    ctx = context_from_env(run.resolved.params.dist_backend or vendor.dist_backend)
    try:
        check_same_on_all_ranks(ctx, run.resolved.params_hash, "params hash (every node must run the same config and overrides)")
        execute(run, progress=True, ctx=ctx)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
