"""What perfkit needs to know about an accelerator family.

An adapter is small on purpose: the device to put tensors on, how to wait for it, how much memory
it has and used, which torch.distributed backend it speaks, which precisions it runs, and the
environment facts a report shows (driver, SDK, smi tool). Third parties subclass this and
register the class under the ``perfkit.vendors`` entry point group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch


class VendorAdapter(ABC):
    name: ClassVar[str]
    dist_backend: ClassVar[str]
    precisions: ClassVar[frozenset[str]]
    install_hint: ClassVar[str] = ""

    @abstractmethod
    def check_available(self) -> None:
        """Raise VendorError with an install hint when this machine cannot run the vendor."""

    @abstractmethod
    def device(self, local_rank: int = 0) -> torch.device:
        """The device a worker with this local rank computes on."""

    @abstractmethod
    def synchronize(self) -> None:
        """Block until all queued work on the current device has finished."""

    @abstractmethod
    def reset_peak_memory(self) -> None:
        """Start a new peak-memory window."""

    @abstractmethod
    def peak_memory_bytes(self) -> int:
        """Peak memory actually used since the last reset."""

    @abstractmethod
    def total_memory_bytes(self) -> int:
        """Memory the device has in all."""

    @abstractmethod
    def device_count(self) -> int:
        """Cards visible on this node."""

    @abstractmethod
    def environment(self) -> dict[str, Any]:
        """Accelerator facts for the environment record: model, driver, SDK versions."""

    def telemetry_sources(self) -> tuple[str, ...]:
        """Telemetry sources to sample during a run, preferred power source first
        (names in perfkit.telemetry.sources.OPENERS: host, nvml, ixsmi, xpu-smi, rapl)."""
        return ("host",)

    def memory_kind(self) -> str:
        """What `mem` measures on this vendor, for the report's footnote."""
        return "device memory"
