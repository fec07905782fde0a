"""A real single-host Slurm for the tests: Debian's ``slurm-wlm`` and ``munge``, this host as
controller and the only node, every state, spool, pid and log file under one temporary folder.

``SingleHostSlurm(folder).start()`` installs the packages where they are missing (root only:
``apt-get update`` once, then ``apt-get install -y slurm-wlm munge``), makes sure munged runs,
writes ``slurm.conf``, starts slurmctld and slurmd and waits until ``sinfo`` shows the node
idle; ``stop()`` stops the slurmctld and slurmd it started, by pid file (munged, shared by
every cluster on the host, is left running, as its service would be). ``unavailable()`` says, in one line, why
a cluster cannot be brought up here (the tests skip with that reason).

Also usable by hand: ``python tests/support/slurm_cluster.py up DIR`` / ``down DIR``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("slurm-wlm", "munge")
DAEMONS = ("slurmctld", "slurmd")  # stopped by stop(); munged stays (_ensure_munged)
MUNGE_KEY = Path("/etc/munge/munge.key")
READY_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("", 0))
        return int(sock.getsockname()[1])


def _run(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, env=env)


def _have_binaries() -> bool:
    return all(shutil.which(name) for name in ("slurmctld", "slurmd", "munged", "sbatch", "sinfo"))


def privileged() -> list[str] | None:
    """The prefix that runs a command as root: none as root, ``sudo -n`` where that works
    without a password (CI), else None."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def install_packages() -> str:
    """Install slurm-wlm and munge when missing; '' on success, else why not."""
    if _have_binaries():
        return ""
    if sys.platform != "linux" or not shutil.which("apt-get"):
        return "Slurm is not installed and there is no apt-get to install slurm-wlm and munge"
    root = privileged()
    if root is None:
        return "Slurm is not installed and installing slurm-wlm and munge needs root or passwordless sudo"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for args in (("apt-get", "update", "-qq"), ("apt-get", "install", "-y", "-qq", *PACKAGES)):
        done = _run(*root, *args, env=env, timeout=600)
        if done.returncode != 0:
            return f"{' '.join(args)} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}"
    return "" if _have_binaries() else "slurm-wlm installed but slurmctld/slurmd/munged are not on PATH"


def unavailable() -> str:
    """Why a single-host Slurm cannot run here ('' when it can)."""
    if sys.platform != "linux":
        return "the Slurm tests need Linux"
    if privileged() is None:
        return "starting munged, slurmctld and slurmd for the tests needs root or passwordless sudo"
    return install_packages()


def _munge_works() -> bool:
    if not shutil.which("munge"):
        return False
    try:
        encoded = _run("munge", "-n", timeout=10)
        return encoded.returncode == 0 and _run_input("unmunge", encoded.stdout).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _run_input(command: str, text: str) -> subprocess.CompletedProcess:
    return subprocess.run([command], input=text, capture_output=True, text=True, timeout=10)


@dataclass
class SingleHostSlurm:
    """The daemons run as root (``sudo -n`` when the tests do not); jobs run as the user who
    submits them."""

    folder: Path

    @property
    def root(self) -> list[str]:
        prefix = privileged()
        if prefix is None:
            raise RuntimeError("needs root or passwordless sudo")
        return prefix

    @property
    def conf(self) -> Path:
        return self.folder / "slurm.conf"

    def pid_file(self, daemon: str) -> Path:
        return self.folder / f"{daemon}.pid"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    @property
    def node(self) -> str:
        return socket.gethostname().split(".")[0]

    def slurm_conf(self, cpus: int, ctld_port: int, slurmd_port: int) -> str:
        f = self.folder
        lines = {
            "ClusterName": "perfkit",
            "SlurmctldHost": self.node,
            "SlurmctldPort": ctld_port,
            "SlurmdPort": slurmd_port,
            "SlurmUser": "root",
            "SlurmdUser": "root",
            "AuthType": "auth/munge",
            "StateSaveLocation": f / "state",
            "SlurmdSpoolDir": f / "spool",
            "SlurmctldPidFile": self.pid_file("slurmctld"),
            "SlurmdPidFile": self.pid_file("slurmd"),
            "SlurmctldLogFile": f / "slurmctld.log",
            "SlurmdLogFile": f / "slurmd.log",
            "ProctrackType": "proctrack/linuxproc",
            "TaskPlugin": "task/none",
            "SelectType": "select/cons_tres",
            "SelectTypeParameters": "CR_Core",
            "MpiDefault": "none",
            "ReturnToService": 2,
            "SwitchType": "switch/none",
            "JobAcctGatherType": "jobacct_gather/none",
            # no slurmdbd: a finished job's state and reason come from `scontrol show job`, which
            # keeps it MinJobAge seconds; the completion records also go to a file
            "AccountingStorageType": "accounting_storage/none",
            "JobCompType": "jobcomp/filetxt",
            "JobCompLoc": f / "jobcomp.txt",
            "MinJobAge": 600,
            "KillWait": 5,  # SIGTERM -> SIGKILL on cancel and time limit
            "SchedulerType": "sched/builtin",
            "SlurmdParameters": "config_overrides",
            "SlurmctldTimeout": 30,
            "SlurmdTimeout": 60,
        }
        text = "".join(f"{key}={value}\n" for key, value in lines.items())
        text += f"NodeName={self.node} CPUs={cpus} State=UNKNOWN\n"
        text += f"PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES\n"
        return text

    def _ensure_munged(self) -> None:
        if _munge_works():
            return
        key = MUNGE_KEY
        setup = (f"mkdir -p {key.parent} /run/munge /var/log/munge /var/lib/munge"
                 f" && {{ test -s {key} || head -c 1024 /dev/urandom > {key}; }}"
                 f" && chown munge:munge {key} {key.parent} /run/munge /var/log/munge /var/lib/munge && chmod 400 {key}")
        done = _run(*self.root, "sh", "-c", setup, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"could not set up munge: {done.stderr.strip()}")
        # run as the munge user, as the package's service would, and left running like that
        # service: every cluster on this host (one per xdist worker) authenticates through its one
        # socket, and a cluster that stopped it at its end failed another worker's jobs mid-run
        # ("Protocol authentication error")
        munge_pid = Path("/run/munge/perfkit-tests-munged.pid")
        done = _run(*self.root, "runuser", "-u", "munge", "--", "munged", "--force", f"--pid-file={munge_pid}",
                    timeout=30)
        if done.returncode != 0 or not _munge_works():
            raise RuntimeError(f"munged did not start: {done.stderr.strip()}")

    def start(self) -> "SingleHostSlurm":
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        for sub in ("state", "spool"):
            (self.folder / sub).mkdir(exist_ok=True)
        self._ensure_munged()
        # at least 4 slots whatever the machine has (slurmd takes the configured count: config_overrides),
        # so that a sleeping job (the time-limit test's) does not hold back a two-task one on 2 cores
        cpus = max(4, os.cpu_count() or 1)
        self.conf.write_text(self.slurm_conf(cpus, _free_port(), _free_port()))
        for daemon in ("slurmctld", "slurmd"):
            args = [daemon, "-f", str(self.conf)] + (["-c", "-i"] if daemon == "slurmctld" else [])
            done = _run(*self.root, "env", f"SLURM_CONF={self.conf}", *args, timeout=30)
            if done.returncode != 0:
                self.stop()
                raise RuntimeError(f"{daemon} did not start: {done.stderr.strip()} (log in {self.folder})")
        self._wait_idle()
        return self

    def _wait_idle(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        state = ""
        while time.monotonic() < deadline:
            done = _run("sinfo", "-h", "-N", "-o", "%t", env=self.env, timeout=10)
            state = done.stdout.strip()
            if done.returncode == 0 and state == "idle":
                return
            time.sleep(0.5)
        log = (self.folder / "slurmctld.log").read_text(errors="replace")[-1500:] if (self.folder / "slurmctld.log").is_file() else ""
        self.stop()
        raise RuntimeError(f"the node did not become idle within {READY_TIMEOUT_S} s (sinfo: {state!r}); slurmctld log:\n{log}")

    def cancel_all_jobs(self, wait_s: float = 30) -> None:
        """scancel every job and wait until none is left: a job outlives the daemons otherwise."""
        if not self.pid_file("slurmctld").is_file():
            return
        try:
            _run("scancel", "--full", "--partition=debug", env=self.env, timeout=10)
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                left = _run("squeue", "-h", "-o", "%i", env=self.env, timeout=10)
                if left.returncode != 0 or not left.stdout.strip():
                    return
                time.sleep(0.5)
        except subprocess.TimeoutExpired:
            return

    def stop(self) -> None:
        """Cancel what still runs, then stop the daemons this cluster started, by their pid files."""
        self.cancel_all_jobs()
        for daemon in DAEMONS:
            pid_file = self.pid_file(daemon)
            if not pid_file.is_file():
                continue
            try:
                pid = int(pid_file.read_text().split()[0])
            except (ValueError, IndexError):
                continue
            if not _alive(pid):
                pid_file.unlink(missing_ok=True)
                continue
            self._signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.2)
            if _alive(pid):
                self._signal(pid, signal.SIGKILL)
            pid_file.unlink(missing_ok=True)

    def _signal(self, pid: int, sig: signal.Signals) -> None:
        try:
            if os.geteuid() == 0:
                os.kill(pid, sig)
            else:
                _run(*self.root, "kill", f"-{int(sig)}", str(pid), timeout=10)
        except ProcessLookupError:
            pass


def _alive(pid: int) -> bool:
    try:  # a zombie counts as gone; /proc needs no permission to signal the process
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (OSError, IndexError):
        return False


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2]).resolve()
    cluster = SingleHostSlurm(where)
    if action == "up":
        reason = unavailable()
        if reason:
            sys.exit(reason)
        cluster.start()
        print(f"export SLURM_CONF={cluster.conf}")
    else:
        cluster.stop()
