"""NVIDIA GPUs through the CUDA build of PyTorch; driver and memory facts through NVML
(``nvidia-ml-py``) where it is importable, else through torch.cuda."""

from __future__ import annotations

import importlib.util

import torch

from perfkit.vendors.cuda_like import CudaLikeVendor, smi_query


def _nvml():
    """The pynvml module, initialised, or None without nvidia-ml-py or a driver."""
    if importlib.util.find_spec("pynvml") is None:
        return None
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml
    except Exception:  # no driver library: fall back to torch.cuda
        return None


class NvidiaVendor(CudaLikeVendor):
    name = "nvidia"
    smi_tool = "nvidia-smi"
    install_hint = (
        "install the NVIDIA driver and a CUDA build of PyTorch "
        "(pip install torch --index-url https://download.pytorch.org/whl/cu124), "
        "optionally nvidia-ml-py for NVML facts"
    )

    def build_ok(self) -> bool:
        return torch.version.cuda is not None

    def total_memory_bytes(self) -> int:
        nvml = _nvml()
        if nvml is not None:
            handle = nvml.nvmlDeviceGetHandleByIndex(torch.cuda.current_device())
            return int(nvml.nvmlDeviceGetMemoryInfo(handle).total)
        return super().total_memory_bytes()

    def driver_version(self) -> str:
        nvml = _nvml()
        if nvml is not None:
            version = nvml.nvmlSystemGetDriverVersion()
            return version.decode() if isinstance(version, bytes) else str(version)
        return smi_query(self.smi_tool, "--query-gpu=driver_version", "--format=csv,noheader")

    def telemetry_sources(self) -> tuple[str, ...]:
        return ("host", "nvml", "rapl")

    def sdk_version(self) -> str:
        return f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
