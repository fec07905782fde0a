"""Fault injection for perfkit's own tests. Not a user-facing parameter.

The tests set ``PERFKIT_TEST_FAULT`` to ``KIND@STEP`` to make a run fail in a chosen way at an
optimizer step, so that the failure paths (status, report, suite isolation) are exercised for
real. Kinds: ``nan_loss`` (the loss becomes NaN), ``raise`` (an exception in the step),
``exit`` (the process dies at once, as a killed kernel or worker would), ``hang`` (the step
sleeps for an hour, for timeouts), ``loader_exit`` (a DataLoader worker process dies as it
starts, as one the OOM killer picked would; the step is not used), ``hold`` (the step waits
until the file named by ``PERFKIT_TEST_RELEASE`` exists, then goes on: a run a test keeps
alive as long as it needs). ``@rank=R`` limits it to one rank (``exit@3@rank=1``).
Unset, it costs one dictionary lookup per step.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

ENV = "PERFKIT_TEST_FAULT"
RELEASE_ENV = "PERFKIT_TEST_RELEASE"
KINDS = ("nan_loss", "raise", "exit", "hang", "loader_exit", "hold")


class InjectedFault(RuntimeError):
    """The exception the ``raise`` fault throws."""


@dataclass(frozen=True)
class Fault:
    kind: str
    step: int
    rank: int | None = None

    def applies(self, step: int, rank: int) -> bool:
        return step == self.step and (self.rank is None or self.rank == rank)


def planned_fault() -> Fault | None:
    spec = os.environ.get(ENV, "")
    if not spec:
        return None
    parts = spec.split("@")
    if len(parts) < 2 or parts[0] not in KINDS or not parts[1].isdigit():
        raise ValueError(f"{ENV}={spec!r}: expected KIND@STEP[@rank=R], KIND one of {', '.join(KINDS)}")
    rank = int(parts[2].split("=", 1)[1]) if len(parts) > 2 and parts[2].startswith("rank=") else None
    return Fault(parts[0], int(parts[1]), rank)


def loader_worker_start(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: the ``loader_exit`` fault kills the worker outright."""
    fault = planned_fault()
    if fault is not None and fault.kind == "loader_exit":
        os._exit(17)


def fire(fault: Fault | None, step: int, rank: int, loss: float) -> float:
    """Apply the planned fault at its step; return the (possibly poisoned) loss value."""
    if fault is None or fault.kind == "loader_exit" or not fault.applies(step, rank):
        return loss
    if fault.kind == "nan_loss":
        return float("nan")
    if fault.kind == "raise":
        raise InjectedFault(f"injected failure at step {step} (rank {rank})")
    if fault.kind == "exit":
        os._exit(17)
    if fault.kind == "hold":
        release = os.environ.get(RELEASE_ENV, "")
        deadline = time.monotonic() + 3600
        while release and not os.path.exists(release) and time.monotonic() < deadline:
            time.sleep(0.1)
        return loss
    time.sleep(3600)
    return loss
