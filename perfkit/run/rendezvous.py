"""Where a multi-node run meets: the rendezvous endpoint node 0 hosts, how it is given
($PERFKIT_RDZV_ENDPOINT, ``--rdzv-endpoint HOST:PORT``), the prepared-run file node 0 writes for
the other nodes and the ``perfkit join`` line they run. Torch-free, so that ``perfkit run`` can
check the endpoint and announce it without importing torch on the host; the launch itself is
perfkit.run.elastic.

Node 0 writes its resolved run (perfkit.run.spec.to_payload) to
``<reports>/jobs/prepared/join-<digest>.json`` before it announces; the digest is of the resolved
run, so the host and its notebook's kernel, which both announce, name the same file, and a
rerun of the same run prints the same command. ``perfkit join --prepared FILE`` loads that file
(or stdin, ``--prepared -``) with its params hash checked; nothing is resolved from the YAML on
the joining node.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import socket
import sys
from pathlib import Path

from perfkit import paths
from perfkit.errors import UserError
from perfkit.run.spec import PreparedRun, load_payload_file, load_payload_stream, save_payload_file

ENDPOINT_ENV = "PERFKIT_RDZV_ENDPOINT"
DEFAULT_PORT = 29400


def inside_worker() -> bool:
    """True in a process the elastic agent started (torchrun sets these)."""
    return "LOCAL_RANK" in os.environ and "TORCHELASTIC_RUN_ID" in os.environ


def parse_endpoint(text: str, source: str = "--rdzv-endpoint") -> tuple[str, int]:
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"{source}: '{text}' is not HOST:PORT (for example 10.0.0.1:{DEFAULT_PORT})")
    return host, int(port)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def host_endpoint(nnodes: int) -> str:
    """Where node 0 hosts the rendezvous: $PERFKIT_RDZV_ENDPOINT, else a free local port for a
    single node, else this host's name on port 29400 (what the other nodes join)."""
    given = os.environ.get(ENDPOINT_ENV, "").strip()
    if given:
        parse_endpoint(given, ENDPOINT_ENV)
        return given
    if nnodes == 1:
        return f"127.0.0.1:{_free_port()}"
    return f"{socket.gethostname()}:{DEFAULT_PORT}"


STDIN = "-"


def join_payload_path(run: PreparedRun, reports: Path | None = None) -> Path:
    """Where node 0 writes the run for ``perfkit join``: a name from the resolved run's digest."""
    identity = json.dumps(run.resolved.to_dict(), sort_keys=True).encode()
    name = paths.safe_name(f"join-{hashlib.sha256(identity).hexdigest()[:20]}.json", "prepared-run file")
    return paths.path_under(reports or paths.reports_dir(), paths.JOBS_DIR, paths.PREPARED_DIR, name)  # beside Slurm's


def write_join_payload(run: PreparedRun, reports: Path | None = None) -> Path:
    """Write the run's payload where :func:`join_payload_path` says (no link followed below the
    reports folder); return the file."""
    root = Path(reports or paths.reports_dir()).resolve()
    return save_payload_file(run, join_payload_path(run, root), root=root)


def load_join_payload(source: str, output_dir: str | Path) -> PreparedRun:
    """The run of ``perfkit join --prepared SOURCE`` (a file, or ``-`` for stdin), its params
    hash checked, with ``output_dir`` as its folder; a ParamsError naming the source otherwise."""
    if source != STDIN:
        return load_payload_file(Path(source), output_dir)
    if sys.stdin is None or sys.stdin.isatty():
        raise UserError("--prepared -: stdin is a terminal; pipe node 0's prepared-run file in "
                        "(ssh NODE perfkit join --prepared - ... < FILE)")
    return load_payload_stream(sys.stdin.buffer, "--prepared - (stdin)", output_dir)


def join_command(prepared: Path | str, endpoint: str, node_rank: int | str) -> str:
    """The ``perfkit join`` line a node runs, shell-quoted."""
    return (f"perfkit join --prepared {shlex.quote(str(prepared))} --rdzv-endpoint {shlex.quote(endpoint)} "
            f"--node-rank {node_rank}")


def announce_host(run: PreparedRun, endpoint: str | None = None) -> Path:
    """Write the prepared-run file for the other nodes, then tell the user what to run there;
    return the file."""
    resolved = run.resolved
    endpoint = endpoint or host_endpoint(resolved.nnodes)
    prepared = write_join_payload(run)
    print(f"node 0 hosts the rendezvous at {endpoint}; on node K (1..{resolved.nnodes - 1}) run:\n"
          f"  {join_command(prepared, endpoint, 'K')}\n"
          f"{prepared} must be readable there (shared storage, or copy it), or pipe it in: "
          f"ssh NODE {join_command(STDIN, endpoint, 'K')} < {shlex.quote(str(prepared))}", flush=True)
    return prepared
