"""Where a multi-node run meets: the rendezvous endpoint node 0 hosts, how it is given
($PERFKIT_RDZV_ENDPOINT, ``--rdzv-endpoint HOST:PORT``) and the ``perfkit join`` line the other
nodes run. Torch-free, so that ``perfkit run`` can check the endpoint and announce it without
importing torch on the host; the launch itself is perfkit.run.elastic."""

from __future__ import annotations

import os
import socket

from perfkit.errors import UserError
from perfkit.run.spec import PreparedRun

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


def join_command(benchmark: str, vendor: str, config: str, endpoint: str, node_rank: int) -> str:
    return f"perfkit join --rdzv-endpoint {endpoint} --node-rank {node_rank} {benchmark} --vendor {vendor} --config {config}"


def announce_host(run: PreparedRun, endpoint: str | None = None) -> None:
    """Tell the user what to run on the other nodes."""
    resolved = run.resolved
    endpoint = endpoint or host_endpoint(resolved.nnodes)
    command = join_command(resolved.benchmark, resolved.vendor, resolved.config, endpoint, 1)
    print(f"node 0 hosts the rendezvous at {endpoint}; on node k (1..{resolved.nnodes - 1}) run: "
          f"{command.replace('--node-rank 1', '--node-rank k')} (plus the same --set options)", flush=True)
