"""Shared body of the vendors whose PyTorch build speaks the torch.cuda API.

NVIDIA's CUDA build and Iluvatar's CoreX build both expose their cards as ``cuda`` devices, with
torch.cuda's memory counters and NCCL-compatible collectives; they differ in how to recognise
the build, which tool reports the driver, and what to install when it is missing.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import torch

from perfkit.errors import VendorError
from perfkit.vendors.base import VendorAdapter


def smi_query(tool: str, *args: str) -> str:
    """First line of a vendor smi tool's answer; empty when the tool is absent or fails."""
    path = shutil.which(tool)
    if path is None:
        return ""
    try:
        done = subprocess.run([path, *args], capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = done.stdout.strip().splitlines()
    return lines[0].strip() if lines else ""


class CudaLikeVendor(VendorAdapter):
    """torch.cuda-backed adapter; subclasses say how to recognise their build."""

    dist_backend = "nccl"
    precisions = frozenset({"fp32", "amp", "fp16", "bf16"})
    smi_tool: str = ""

    def build_ok(self) -> bool:
        """Whether the installed torch is this vendor's build."""
        return True

    def check_available(self) -> None:
        if not self.build_ok() or not torch.cuda.is_available():
            raise VendorError(
                f"vendor '{self.name}' needs its PyTorch build and a visible card "
                f"(torch {torch.__version__} here sees none); {self.install_hint}"
            )

    def device(self, local_rank: int = 0) -> torch.device:
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)

    def synchronize(self) -> None:
        torch.cuda.synchronize()

    def create_event(self):
        return torch.cuda.Event(enable_timing=True)

    def reset_peak_memory(self) -> None:
        torch.cuda.reset_peak_memory_stats()

    def peak_memory_bytes(self) -> int:
        return int(torch.cuda.max_memory_reserved())

    def total_memory_bytes(self) -> int:
        return int(torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory)

    def device_count(self) -> int:
        return torch.cuda.device_count()

    def driver_version(self) -> str:
        return ""

    def sdk_version(self) -> str:
        return f"torch {torch.__version__}"

    def environment(self) -> dict[str, Any]:
        return {
            "accelerator": torch.cuda.get_device_name(torch.cuda.current_device()),
            "accelerator_count": self.device_count(),
            "driver": self.driver_version(),
            "sdk": self.sdk_version(),
            "smi": self.smi_tool if shutil.which(self.smi_tool) else "",
        }
