"""The Launcher protocol: how a prepared run gets its processes. The caller picks the launcher;
:func:`perfkit.run.execute.execute` (the default worker) only ever runs the current process.

    launcher.launch(prepared_run, worker=execute) -> RunResult | None

- :class:`InlineLauncher`: the worker runs here, in this process (one card);
- :class:`perfkit.run.elastic.ElasticLauncher`: one process per card through torch.distributed's
  elastic launch, on this node;
- a cluster launcher (Slurm, ...) implements the same method: start the processes its way, run
  ``python -m perfkit.run.worker --worker NAME --resolved PAYLOAD`` in each (see
  perfkit.run.worker), and return the record rank 0 wrote.

A worker is an importable function ``worker(run, progress=..., ctx=...) -> RunResult`` (module-level,
so that other processes can import it by name). Runs in the notebook kernel or the CLI process.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import Any, Protocol

from perfkit.errors import UserError
from perfkit.results.record import RunResult
from perfkit.run.execute import execute
from perfkit.run.spec import PreparedRun


class Worker(Protocol):
    __module__: str
    __qualname__: str

    def __call__(self, run: PreparedRun, progress: bool = True, ctx: Any = None) -> RunResult: ...


class Launcher(ABC):
    """Runs a prepared run's worker in as many processes as the run asks for."""

    @abstractmethod
    def launch(self, run: PreparedRun, worker: Worker | None = None) -> RunResult | None:
        """Run ``worker`` (default: perfkit.run.execute.execute) for ``run``; return rank 0's
        record (None on a node that does not host rank 0)."""


class InlineLauncher(Launcher):
    """The worker runs in this process: a one-card run."""

    def __init__(self, progress: bool = True) -> None:
        self.progress = progress

    def launch(self, run: PreparedRun, worker: Worker | None = None) -> RunResult:
        return (worker or execute)(run, progress=self.progress)


def worker_name(worker: Worker) -> str:
    """``module:function``, how other processes import the worker."""
    return f"{worker.__module__}:{worker.__qualname__}"


def worker_by_name(name: str) -> Worker:
    module, _, function = name.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError, ValueError):
        raise UserError(f"worker '{name}' is not an importable module:function") from None
