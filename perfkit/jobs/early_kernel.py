"""The kernel of a ``perfkit run``, started before the command line is even parsed.

A run's kernel takes ~1.2 s to boot on 2 cores (ipykernel, then torch and the run's modules).
The command's own start (its parser, the params, jupyter_client, the run folder) took another
~0.3 s before that kernel was launched. Here the kernel is launched first, from what a
``perfkit run`` kernel always is: this Python's ipykernel (perfkit.jobs.kernel_command), in the
project's folder, with this process's environment and a progress feed. Both then start at once,
on both cores.

The run later offers this kernel to jupyter_client (perfkit.jobs.kernel). It is adopted only
where the kernel jupyter_client would launch is the same: the same command, environment, working
folder and error file. Otherwise, for a kernelspec of another Python, say, or an environment the
command changed, it is stopped, and jupyter_client launches its own on the same connection file.
A command that never runs a notebook (bad params, ``--help``) stops it when it ends
(:meth:`EarlyKernel.close`).

jupyter_client is not imported for this (~0.15 s, the delay this avoids). Launching follows
jupyter_client's ``launch_kernel`` on POSIX: a new session, standard input a closed pipe, and
``JPY_PARENT_PID``, by which the kernel ends itself when this process dies. The connection file
is the one ``jupyter_client.connect.write_connection_file`` writes: five free loopback TCP ports,
a random HMAC-SHA256 key, readable by this user alone, in a private temporary folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from perfkit.jobs.kernel_command import run_kernel_command
from perfkit.run.progress import FEED_ENV, FEED_FILE

CONNECTION_FILE = "kernel.json"
PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")
LOOPBACK = "127.0.0.1"
STOP_WAIT_S = 5.0


@dataclass
class EarlyKernel:
    """A kernel launched ahead of the run that may adopt it. ``env`` is the environment as
    jupyter_client would pass it (``JPY_PARENT_PID`` is added at launch, as jupyter_client does)."""

    process: subprocess.Popen[bytes]
    folder: Path  # private: the connection file and the progress feed
    command: list[str]
    env: dict[str, str]
    cwd: str
    stderr: IO[str]
    adopted: bool = field(default=False)

    @property
    def connection_file(self) -> Path:
        return self.folder / CONNECTION_FILE

    @property
    def feed(self) -> Path:
        """The progress feed the kernel was told of (``FEED_ENV``)."""
        return self.folder / FEED_FILE

    def connection(self) -> dict[str, Any]:
        """What the kernel was told in its connection file: ports, address, key."""
        return dict(json.loads(self.connection_file.read_text(encoding="utf-8")))

    def same_launch(self, command: list[str], launch: dict[str, Any]) -> bool:
        """Whether jupyter_client's launch of ``command`` with Popen arguments ``launch`` would
        start this very kernel."""
        given = {key: value for key, value in launch.items() if key not in ("extra_arguments", "kernel_id")}
        return (list(command) == self.command and set(given) == {"env", "cwd", "stderr"}
                and dict(given["env"]) == self.env and str(given["cwd"]) == self.cwd and given["stderr"] is self.stderr)

    def stop(self) -> None:
        """Kill the kernel (its session: the process group it leads) and reap it; a no-op for a
        kernel that ended already."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_WAIT_S)

    def close(self) -> None:
        """At the command's end: a kernel no run adopted is stopped (an adopted one was stopped
        by its run); the folder and the error file go."""
        if not self.adopted:
            self.stop()
        self.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def wanted(argv: list[str]) -> bool:
    """Whether the command line is a ``perfkit run`` that runs its notebook here: not a dry run,
    not help, no launcher named (another launcher runs no notebook on this host; the local one
    named explicitly falls back to the normal start, at ~0.3 s)."""
    return bool(argv) and argv[0] == "run" and not any(
        arg in ("-h", "--help", "--dry-run") or arg.startswith("--launcher") for arg in argv[1:])


def start(cwd: Path) -> EarlyKernel:
    """Launch the kernel of a run in ``cwd``."""
    folder = Path(tempfile.mkdtemp(prefix="perfkit-kernel-"))
    try:
        connection_file = folder / CONNECTION_FILE
        _write_connection_file(connection_file)
        command = run_kernel_command(str(connection_file))
        env = {**os.environ, FEED_ENV: str(folder / FEED_FILE)}
        env.pop("PYTHONEXECUTABLE", None)  # jupyter_client drops it for a Python kernel
        stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")
        try:
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=stderr, cwd=str(cwd),
                                       env={**env, "JPY_PARENT_PID": str(os.getpid())}, start_new_session=True)
        except BaseException:
            stderr.close()
            raise
        assert process.stdin is not None
        process.stdin.close()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return EarlyKernel(process, folder, command, env, str(cwd), stderr)


def start_for(argv: list[str]) -> EarlyKernel | None:
    """The early kernel of ``perfkit run`` command line ``argv``; None for any other command, or
    where it could not be started (the run then starts its kernel as before)."""
    if not wanted(argv):
        return None
    from perfkit import paths

    try:
        return start(paths.project_root())
    except Exception:  # noqa: BLE001 - the run's own start reports what is wrong
        return None


def _write_connection_file(path: Path) -> None:
    """Five free loopback ports, found as jupyter_client finds them (bound to port 0 together,
    then released), a random key; the file is created for this user alone."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in PORT_NAMES]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        ports = [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    info = {**dict(zip(PORT_NAMES, ports, strict=True)), "ip": LOOPBACK, "key": secrets.token_hex(16),
            "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "python3"}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(info, handle, indent=1)

