"""Job launchers: where, on the host side, a run's notebook executes. ``--launcher NAME`` on
``perfkit run`` and ``perfkit suite`` picks one; the CLI only ever talks to this interface.

    launcher = LocalLauncher.from_args(args)                    # or SlurmLauncher, ...
    done = launcher.run(prepared, timeout, html, redacted)       # NotebookRun | None
    report = launcher.run_suite(suite, planned, html, redacted, force)      # SuiteReport | None

``None`` means "submitted, not waited for" (``--no-wait``): the launcher has said where to look.

- :class:`LocalLauncher` (``local``, the default): the notebook runs here, through papermill
  (perfkit.jobs.notebook_run.execute_notebook), one run after another for a suite;
- ``slurm`` (perfkit.slurm.launcher.SlurmLauncher): each run is an ``sbatch`` job whose first
  node runs this same LocalLauncher path; the CLI waits, then the run folder is settled.

These sit one level above perfkit.run.launcher's Launcher (inline, elastic), which start the
worker processes *inside* the notebook's kernel: a job launcher decides where the notebook
runs, the kernel's launcher how many processes it starts there. The names are resolved by the
CLI's plug-in registry (perfkit.cli.JOB_LAUNCHERS); this module must stay cheap to import.
"""

from __future__ import annotations

import argparse
import os
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from perfkit.errors import stop_on_sigterm_like_ctrl_c
from perfkit.jobs.stall import DEFAULT_STALL_TIMEOUT_S

MAX_STALL_TIMEOUT_S = 10 * 365 * 24 * 3600.0


def stall_seconds(text: str) -> float:
    """``--stall-timeout``: seconds >= 0 (0: no watchdog), finite, at most ten years."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number of seconds") from None
    if not 0 <= value <= MAX_STALL_TIMEOUT_S:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: allowed: 0 (off) or seconds > 0, at most {MAX_STALL_TIMEOUT_S:.0f}")
    if 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: allowed: 0 (off) or at least 1 second")
    return value

if TYPE_CHECKING:
    from perfkit.jobs.early_kernel import EarlyKernel
    from perfkit.jobs.notebook_run import NotebookRun
    from perfkit.jobs.suite import PlannedRun, Suite
    from perfkit.jobs.suite_run import SuiteReport
    from perfkit.run.spec import PreparedRun


class JobLauncher(ABC):
    """Runs prepared runs' notebooks somewhere and publishes them into their run folders."""

    name: ClassVar[str] = ""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, suite: bool = False) -> None:
        """The launcher's own command-line options (none by default)."""
        return None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> JobLauncher:
        """The launcher the parsed command line asks for."""
        return cls()

    @abstractmethod
    def run(self, prepared: PreparedRun, timeout: float | None = None,
            html: bool = True, redacted: bool = False) -> NotebookRun | None:
        """Execute one run and publish it; None when it was only submitted. The prepared run is
        all a launcher gets: what the notebook and the nodes need comes from it (its payload,
        perfkit.run.spec.to_payload), never from the YAML again."""

    @abstractmethod
    def run_suite(self, suite: Suite, planned: list[PlannedRun], html: bool = True, redacted: bool = False,
                  force: bool = False) -> SuiteReport | None:
        """Execute a planned suite (resume, failure isolation, reports/suites/<name>.json);
        None when its runs were only submitted."""


class LocalLauncher(JobLauncher):
    """The notebook runs on this machine. ``announce``: for a multi-node run, write the prepared-run
    file for the other nodes and print their ``perfkit join`` line (perfkit.run.rendezvous; off
    where something else starts them, as Slurm does)."""

    name = "local"

    def __init__(self, rdzv_endpoint: str = "", announce: bool = True, live: bool = False,
                 wait_lock: bool = False, stall_timeout: float | None = DEFAULT_STALL_TIMEOUT_S,
                 early: EarlyKernel | None = None) -> None:
        self.rdzv_endpoint = rdzv_endpoint
        self.announce = announce
        self.live = live  # draw the kernel's progress as a bar on stderr (perfkit.jobs.live_progress)
        self.wait_lock = wait_lock  # another process writing the run folder: wait for it instead of refusing
        self.stall_timeout = stall_timeout  # perfkit.jobs.kernel's watchdog; None: off
        self.early = early  # the kernel `perfkit run` started first (perfkit.jobs.early_kernel), for its first run

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser, suite: bool = False) -> None:
        parser.add_argument("--stall-timeout", type=stall_seconds, default=DEFAULT_STALL_TIMEOUT_S, metavar="SECONDS",
                            help="end a run as 'stalled' after this many seconds with no progress and no CPU use "
                                 f"of its kernel; 0: never (default {DEFAULT_STALL_TIMEOUT_S:g})")

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LocalLauncher:
        return cls(rdzv_endpoint=getattr(args, "rdzv_endpoint", "") or "", live=not getattr(args, "quiet", True),
                   wait_lock=getattr(args, "wait_lock", False),
                   stall_timeout=getattr(args, "stall_timeout", DEFAULT_STALL_TIMEOUT_S) or None,
                   early=getattr(args, "early_kernel", None))

    def run(self, prepared: PreparedRun, timeout: float | None = None,
            html: bool = True, redacted: bool = False) -> NotebookRun:
        from perfkit.jobs.notebook_run import execute_notebook
        from perfkit.run.preflight import kernel_code
        from perfkit.run.rendezvous import ENDPOINT_ENV, announce_host, parse_endpoint

        if self.rdzv_endpoint:
            parse_endpoint(self.rdzv_endpoint)
            os.environ[ENDPOINT_ENV] = self.rdzv_endpoint  # the notebook's kernel inherits it

        def host_checks() -> None:  # once the kernel's checks (the output folder's among them) passed
            if prepared.resolved.nnodes > 1 and self.announce:
                announce_host(prepared)

        early, self.early = self.early, None  # one run adopts it, at most
        # the run's checks (perfkit.run.preflight) in its kernel, which imports torch anyway: this host never does
        return execute_notebook(prepared, timeout=timeout, html=html, redacted=redacted, live=self.live,
                                wait_lock=self.wait_lock, stall_timeout=self.stall_timeout, host_checks=host_checks,
                                early=early, kernel_checks=kernel_code(prepared))

    def run_suite(self, suite: Suite, planned: list[PlannedRun], html: bool = True, redacted: bool = False,
                  force: bool = False) -> SuiteReport:
        from perfkit.jobs.suite_run import run_suite

        stop_on_sigterm_like_ctrl_c()
        return run_suite(suite, planned, html=html, redacted=redacted, force=force, stall_timeout=self.stall_timeout)
