"""perfkit vendor adapter "example": every method a vendor implements, for a device that is
the host CPU so that it runs anywhere. A real adapter imports its PyTorch extension in
``check_available`` and answers from its runtime (memory counters, smi tool, driver)."""

from __future__ import annotations

import importlib.util
import os
import resource
from typing import Any

import torch

from perfkit.errors import VendorError
from perfkit.vendors.base import VendorAdapter

__version__ = "0.1.0"


class ExampleVendor(VendorAdapter):
    name = "example"
    dist_backend = "gloo"  # a real card: its collective library (nccl, xccl, hccl, ...)
    precisions = frozenset({"fp32", "bf16"})
    install_hint = "pip install perfkit-vendor-example (and your vendor's PyTorch build)"

    def check_available(self) -> None:
        # Fail at once, in one line, when the vendor's software is missing: nothing pretends to run.
        if importlib.util.find_spec("torch") is None:
            raise VendorError(f"vendor 'example' needs torch; {self.install_hint}")

    def device(self, local_rank: int = 0) -> torch.device:
        return torch.device("cpu")  # a real card: torch.device("<type>", local_rank), after set_device

    def synchronize(self) -> None:
        return None  # a real card: wait for its queue (torch.<type>.synchronize())

    def reset_peak_memory(self) -> None:
        return None

    def peak_memory_bytes(self) -> int:
        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)

    def total_memory_bytes(self) -> int:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))

    def device_count(self) -> int:
        return os.cpu_count() or 1

    def environment(self) -> dict[str, Any]:
        return {
            "accelerator": "Example accelerator (host CPU)",
            "accelerator_count": self.device_count(),
            "driver": "example-driver 1.0",
            "sdk": f"perfkit-vendor-example {__version__}",
            "smi": "",
        }

    def memory_kind(self) -> str:
        return "peak resident memory of the process / RAM"
