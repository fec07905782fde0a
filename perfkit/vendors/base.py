"""What perfkit needs to know about an accelerator family.

An adapter is small on purpose: the device to put tensors on, how to wait for it, how much memory
it has and used, which torch.distributed backend it speaks, which precisions it runs, and the
environment facts a report shows (driver, SDK, smi tool), and how to time device work without
waiting for it (``create_event``). Third parties subclass this and register the class under the
``perfkit.vendors`` entry point group.

Three hooks let a vendor put its own fast path into the run, each with the reference default:
``create_optimizer`` (e.g. a fused distributed LAMB), ``wrap_model`` (e.g. ``torch.compile``,
channels-last) and ``configure_loader`` (DataLoader options). Every hook a vendor replaces is
named in the result (``environment.vendor_hooks``) and in every report's environment table, so
a run on a vendor's optimizer is never mistaken for one on the reference optimizer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch

from perfkit.measure.timers import DeviceEvent, HostEvent

HOOKS = ("create_optimizer", "wrap_model", "configure_loader")


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

    def create_event(self) -> DeviceEvent:
        """A timing event on the current device's stream (torch.cuda.Event(enable_timing=True)
        and the like); recording it must not wait for the device. Default: the host clock, right
        for devices whose work is synchronous (the CPU)."""
        return HostEvent()

    # -- hooks: the reference behaviour; a vendor overrides what it replaces ---------------
    def create_optimizer(self, bench: Any, model: torch.nn.Module) -> tuple[torch.optim.Optimizer, Any]:
        """Optimizer and LR scheduler for ``model`` (already on the device). Reference: the
        benchmark's own (``bench.build_optimizer``)."""
        return bench.build_optimizer(model)

    def wrap_model(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model the training steps run (before DDP wraps it). Reference: unchanged."""
        return model

    def configure_loader(self, options: dict[str, Any]) -> dict[str, Any]:
        """DataLoader keyword arguments for the training set. Reference: unchanged."""
        return options

    def replaced_hooks(self) -> list[str]:
        """The hooks this adapter overrides, for the result record and the reports."""
        return [name for name in HOOKS if getattr(type(self), name) is not getattr(VendorAdapter, name)]
