"""The Scenario protocol: what kind of measurement a benchmark is, and everything that follows
from the kind (params base, loop, metric assembly, headline keys, table titles).

Runs inside the notebook kernel and inside each distributed worker (called by perfkit.run);
the host asks it only for names and params models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from perfkit.engine.distributed import DistContext
from perfkit.engine.precision import PrecisionPolicy
from perfkit.measure.timers import PhaseClock
from perfkit.params.hardware import HardwareSpec
from perfkit.vendors.base import VendorAdapter

ProgressFn = Callable[[int, float, "float | None"], None]


@dataclass
class Session:
    """What one process has to measure with: the vendor, its device, the process group."""

    vendor: VendorAdapter
    device: torch.device
    ctx: DistContext
    policy: PrecisionPolicy
    hardware: HardwareSpec
    accelerator: str
    bench_start: float
    clock: PhaseClock
    progress: ProgressFn | None = None
    # called as soon as the measured loop returns (before the peak and the metric assembly):
    # the end of the telemetry window
    loop_done: Callable[[], None] = lambda: None
    # the telemetry session's clock and its samples so far (a scenario that summarizes
    # telemetry per part of its loop: the spec sheet's cases); empty without telemetry
    telemetry_now: Callable[[], float] = lambda: 0.0
    telemetry_samples: Callable[[], list] = lambda: []


@dataclass
class Measured:
    """A scenario's share of the record: metrics, curves, and facts to add under ``data``."""

    metrics: dict[str, Any]
    curves: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


class Scenario(ABC):
    """Training or inference. Stateless: one instance of each lives in perfkit.scenarios."""

    kind: ClassVar[str]
    # the report's heading for the benchmark's metric table
    table_title: ClassVar[str]
    # the progress bar counts these and shows this value
    progress_value: ClassVar[str]
    progress_unit: ClassVar[str] = "step"

    @abstractmethod
    def progress_total(self, params: Any) -> int: ...

    @abstractmethod
    def check(self, bench: Any, session_device: torch.device) -> None:
        """Preflight: raise a UserError for what the user can fix, before anything runs."""

    @abstractmethod
    def measure(self, bench: Any, session: Session) -> Measured:
        """Run the benchmark's loop in this process and assemble its metrics."""

    @abstractmethod
    def window(self, metrics: dict[str, Any]) -> tuple[float, int]:
        """The measured window behind the headline throughput: (seconds, samples), which the
        energy figures are taken over."""
