"""The elastic launcher: one worker process per card, started by torch.distributed's elastic
launch (the machinery behind ``torchrun``), on every node. Runs where the run is launched
from: the notebook kernel on node 0, ``perfkit join`` on the others; the workers it starts run
perfkit.run.worker.

The host resolved the params once; each worker receives them serialized and checks their hash
(perfkit.run.spec.from_payload), and the workers of all nodes compare hashes with each other.

Node 0 (the notebook, or ``perfkit run``) hosts the rendezvous store at ``HOST:PORT`` and, before
it starts its workers, writes its prepared run to a file and prints the join line
(perfkit.run.rendezvous.announce_host); every other node runs ``perfkit join --prepared FILE
--rdzv-endpoint HOST:PORT --node-rank N`` with that file, so it runs exactly node 0's resolved
run. The rendezvous is torchrun's ``static`` backend (its
default with ``--master-addr/--node-rank``): node N's workers are global ranks
N*nproc_per_node .. (N+1)*nproc_per_node-1, so rank 0, which writes result.json, is always on
node 0. A worker that dies fails the whole run; the elastic agent stops the other workers,
and the error names the rank that failed.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from torch.distributed.elastic.multiprocessing.api import SignalException
from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from torch.distributed.launcher.api import LaunchConfig, elastic_launch

from perfkit.benchmarks import benchmark_class
from perfkit.errors import UserError
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult, error_record
from perfkit.results.store import load_result, write_json_atomic
from perfkit.run.execute import execute, loader_worker_died
from perfkit.run.launcher import Launcher, Worker, worker_name
from perfkit.run.preflight import preflight
from perfkit.run.rendezvous import STDIN, announce_host, host_endpoint, load_join_payload, parse_endpoint
from perfkit.run.spec import PreparedRun, initial_record, to_payload

RDZV_TIMEOUT_S = 600


class WorkerFailed(RuntimeError):
    """A worker process of a distributed run failed; the message names its global rank.
    ``crashed``: the first to fail died outright (killed, ``os._exit``, out of memory) rather
    than raising a Python error it recorded."""

    def __init__(self, message: str, crashed: bool = False) -> None:
        super().__init__(message)
        self.crashed = crashed


def died_outright(failures: dict) -> bool:
    """Whether the worker that failed first (see failure_summary) died outright (no Python error
    behind it), or recorded that one of its DataLoader workers did."""
    if not failures:
        return False
    values = list(failures.values())
    if any(not _recorded(f) and f.exitcode != -signal.SIGTERM for f in values):
        return True  # killed, os._exit, segfault: no Python error, not the agent's SIGTERM
    recorded = [f for f in values if _recorded(f)]
    if not recorded:
        return True  # only SIGTERMs: stopped from outside
    first = min(recorded, key=lambda f: f.timestamp)
    message = first.message.get("message", "") if isinstance(first.message, dict) else str(first.message)
    return loader_worker_died(message)  # the worker's own DataLoader worker died


@dataclass(frozen=True)
class NodeLaunch:
    """This node's part of a run: how many nodes and cards, which node, where to meet."""

    nnodes: int
    nproc_per_node: int
    node_rank: int
    rdzv_endpoint: str

    @property
    def world_size(self) -> int:
        return self.nnodes * self.nproc_per_node


def _recorded(failure) -> bool:
    """Whether the worker wrote an error file (a Python exception it caught and recorded)."""
    return bool(failure.error_file) and os.path.isfile(failure.error_file)


def failure_summary(failures: dict, nproc_per_node: int) -> str:
    """One line naming every failed rank, the one that died on its own first.

    A worker whose peer died usually fails too: with a Python error it recorded (an error
    file), or stopped by the agent's SIGTERM. The one that died outright (os._exit, a crash,
    the OOM killer's SIGKILL) did neither: it goes first.
    """
    def collateral(failure) -> tuple[bool, bool, float]:
        return (_recorded(failure), failure.exitcode == -signal.SIGTERM, failure.timestamp)

    parts = []
    for rank, failure in sorted(failures.items(), key=lambda item: (*collateral(item[1]), item[0])):
        node, local = divmod(rank, nproc_per_node)
        code = failure.exitcode
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        detail = ""
        if _recorded(failure):
            message = failure.message.get("message", "") if isinstance(failure.message, dict) else str(failure.message)
            lines = message.strip().splitlines()
            detail = f" ({lines[0][:120]})" if lines else ""
        parts.append(f"rank {rank} (node {node}, local rank {local}) failed with {how}{detail}")
    return "worker " + "; then ".join(parts)


def _worker_args(run: PreparedRun, worker: Worker) -> list[str]:
    return ["-m", "perfkit.run.worker", "--worker", worker_name(worker), "--resolved", to_payload(run)]


def launch_node(run: PreparedRun, node: NodeLaunch, worker: Worker) -> None:
    """Start this node's workers through the elastic launch and wait for all of them."""
    # Build or check the dataset once per node, before the workers would race to do it.
    benchmark_class(run.resolved.benchmark)(run.resolved.params).prepare_data()
    config = LaunchConfig(
        min_nodes=node.nnodes,
        max_nodes=node.nnodes,
        nproc_per_node=node.nproc_per_node,
        # the same on every node whatever its overrides: the workers compare params hashes
        run_id=f"perfkit-{run.resolved.benchmark}-{run.resolved.vendor}-{run.resolved.config}",
        rdzv_backend="static",
        rdzv_endpoint=node.rdzv_endpoint,
        rdzv_configs={"rank": node.node_rank, "timeout": RDZV_TIMEOUT_S},
        max_restarts=0,
        monitor_interval=0.1,
    )
    try:
        elastic_launch(config, sys.executable)(*_worker_args(run, worker))
    except ChildFailedError as exc:
        raise WorkerFailed(failure_summary(exc.failures, node.nproc_per_node), died_outright(exc.failures)) from None
    except SignalException:  # SIGTERM/SIGINT while the workers ran: the agent has already stopped them
        raise KeyboardInterrupt from None


def _record_failure(result_path: Path, message: str, fallback: RunResult, crashed: bool = False) -> None:
    """Keep rank 0's failed record when it wrote one, with the launcher's verdict as the error:
    ``crashed`` when a worker died outright, else ``failed``."""
    record = load_result(result_path) if result_path.is_file() else fallback
    earlier = record.error or {}
    record.status = vocab.CRASHED if crashed else vocab.FAILED
    record.error = error_record(WorkerFailed.__name__, message, earlier.get("step"), earlier.get("traceback", ""))
    write_json_atomic(result_path, record.to_dict())


class ElasticLauncher(Launcher):
    """This node's share of a world_size > 1 run: ``nproc_per_node`` workers through the elastic
    launch. On node 0 it returns the record rank 0 wrote; on the other nodes, None."""

    def __init__(self, node_rank: int = 0, endpoint: str | None = None) -> None:
        self.node_rank = node_rank
        self.endpoint = endpoint

    def launch(self, run: PreparedRun, worker: Worker | None = None) -> RunResult | None:
        worker = worker or execute
        resolved = run.resolved
        node = NodeLaunch(resolved.nnodes, resolved.nproc_per_node, self.node_rank,
                          self.endpoint or host_endpoint(resolved.nnodes))
        main_node = self.node_rank == 0
        if main_node and node.nnodes > 1:
            announce_host(run, node.rdzv_endpoint)
        if main_node:
            run.result_path.unlink(missing_ok=True)  # a result from an earlier run must not pass for this one
        try:
            launch_node(run, node, worker)
        except WorkerFailed as exc:
            if main_node:
                _record_failure(run.result_path, str(exc), initial_record(run), exc.crashed)
            raise
        if not main_node:
            return None
        if not run.result_path.is_file():
            raise WorkerFailed("rank 0 finished without writing result.json")
        return load_result(run.result_path)


def join_node(prepared: str, endpoint: str, node_rank: int) -> int:
    """``perfkit join``: load the run node 0 prepared (a file, or ``-`` for stdin; its params hash
    checked, nothing resolved from the YAML here), check this node's rank against its nnodes,
    preflight it like node 0 does, then run this node's workers; exit status.
    SIGTERM keeps its default (end now) until the workers start: a Python handler would not run
    while torch's store client waits for node 0 in C++ (up to the rendezvous timeout). Once they
    run, the elastic agent stops them on SIGTERM and the join ends "interrupted" (130)."""
    parse_endpoint(endpoint)
    with tempfile.TemporaryDirectory(prefix="perfkit-join-") as scratch:  # only rank 0 writes results
        run = load_join_payload(prepared, scratch)
        resolved = run.resolved
        if not 1 <= node_rank < resolved.nnodes:
            source = "on stdin" if prepared == STDIN else prepared
            raise UserError(
                f"--node-rank {node_rank}: the prepared run {source} ({resolved.benchmark}/{resolved.vendor}/"
                f"{resolved.config}) has nnodes={resolved.nnodes}; allowed: 1..{resolved.nnodes - 1}"
                + (" (a single-node run needs no join)" if resolved.nnodes == 1 else "")
            )
        preflight(run)
        try:
            ElasticLauncher(node_rank, endpoint).launch(run)
        except WorkerFailed as exc:
            print(f"perfkit join: node {node_rank}: {exc}", file=sys.stderr)
            return 1
    print(f"perfkit join: node {node_rank} of {resolved.benchmark}/{resolved.vendor}/{resolved.config}: workers finished")
    return 0
