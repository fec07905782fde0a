"""Iluvatar CoreX (BI-V100, MR-V100): a CoreX build of PyTorch with the torch.cuda API, the
driver reported by ``ixsmi``."""

from __future__ import annotations

import torch

from perfkit.vendors.cuda_like import CudaLikeVendor, smi_query


class IluvatarVendor(CudaLikeVendor):
    name = "iluvatar"
    smi_tool = "ixsmi"
    install_hint = (
        "install the Iluvatar CoreX SDK, its driver and its PyTorch build (torch-*+corex) "
        "from Iluvatar's software stack"
    )

    def build_ok(self) -> bool:
        return "corex" in torch.__version__

    def driver_version(self) -> str:
        return smi_query(self.smi_tool, "--query-gpu=driver_version", "--format=csv,noheader")

    def telemetry_sources(self) -> tuple[str, ...]:
        return ("host", "ixsmi", "rapl")

    def sdk_version(self) -> str:
        return f"CoreX torch {torch.__version__}"
