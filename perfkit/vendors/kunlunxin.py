"""Kunlunxin XPUs (R200, R300) through ``torch_xmlir``: the ``xpu`` device, the ``xccl``
collective backend, the driver reported by ``xpu-smi``.

torch_xmlir registers the XPU device with torch on import. Its memory and synchronisation
calls live under ``torch_xmlir.xpu`` in the releases FlagPerf uses; where a release maps the
card onto the torch.cuda API instead, the same calls are taken from there.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from typing import Any

import torch

from perfkit.errors import VendorError
from perfkit.measure.timers import SyncedHostEvent
from perfkit.vendors.base import VendorAdapter
from perfkit.vendors.cuda_like import smi_query


class KunlunxinVendor(VendorAdapter):
    name = "kunlunxin"
    dist_backend = "xccl"
    precisions = frozenset({"fp32", "amp", "fp16"})
    smi_tool = "xpu-smi"
    install_hint = (
        "install Kunlunxin's XPU driver and the torch_xmlir (xmlir) and xacc wheels "
        "that match your torch from Kunlunxin's software stack"
    )

    def __init__(self) -> None:
        self._api: Any = None

    def check_available(self) -> None:
        if importlib.util.find_spec("torch_xmlir") is None:
            raise VendorError(f"vendor 'kunlunxin' needs torch_xmlir, which is not installed; {self.install_hint}")
        xmlir = importlib.import_module("torch_xmlir")
        self._api = getattr(xmlir, "xpu", None) or torch.cuda
        if self.device_count() < 1:
            raise VendorError(f"vendor 'kunlunxin': torch_xmlir sees no XPU card; {self.install_hint}")

    def _device_type(self) -> str:
        return "cuda" if self._api is torch.cuda else "xpu"

    def device(self, local_rank: int = 0) -> torch.device:
        if hasattr(self._api, "set_device"):
            self._api.set_device(local_rank)
        return torch.device(self._device_type(), local_rank)

    def synchronize(self) -> None:
        self._api.synchronize()

    def create_event(self):
        """The XPU's timing event where the release has one; else sync + host clock."""
        event = getattr(self._api, "Event", None)
        if event is not None:
            return event(enable_timing=True)
        return SyncedHostEvent(self.synchronize)

    def reset_peak_memory(self) -> None:
        if hasattr(self._api, "reset_peak_memory_stats"):
            self._api.reset_peak_memory_stats()

    def peak_memory_bytes(self) -> int:
        return int(self._api.max_memory_reserved())

    def total_memory_bytes(self) -> int:
        return int(self._api.get_device_properties(self._api.current_device()).total_memory)

    def device_count(self) -> int:
        return int(self._api.device_count())

    def telemetry_sources(self) -> tuple[str, ...]:
        return ("host", "xpu-smi", "rapl")

    def environment(self) -> dict[str, Any]:
        version = getattr(importlib.import_module("torch_xmlir"), "__version__", "")
        return {
            "accelerator": smi_query(self.smi_tool, "--query-gpu=name", "--format=csv,noheader") or "Kunlunxin XPU",
            "accelerator_count": self.device_count(),
            "driver": smi_query(self.smi_tool, "--query-gpu=driver_version", "--format=csv,noheader"),
            "sdk": f"xmlir {version}".strip(),
            "smi": self.smi_tool if shutil.which(self.smi_tool) else "",
        }
