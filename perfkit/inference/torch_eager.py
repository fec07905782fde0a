"""PyTorch eager: the framework model itself, under inference mode."""

from __future__ import annotations

from pathlib import Path

import torch

from perfkit.inference.base import InferenceBackend, Inputs, LogitsOnly
from perfkit.results import vocabulary as vocab


class TorchEager(InferenceBackend):
    name = "torch"
    precisions = frozenset({"fp32", "fp16", "bf16"})
    device_types = frozenset({"cpu", "cuda", "xpu", "npu", "mlu", "musa"})

    def prepare(self, model: torch.nn.Module, example: Inputs, workdir: Path) -> None:
        self.fn = LogitsOnly(model, tuple(example))

    def __call__(self, inputs: Inputs) -> torch.Tensor:
        with torch.inference_mode():
            return self.fn(*inputs.values())

    def describe(self) -> dict[str, str]:
        return {vocab.BACKEND: self.name, vocab.ENGINE: f"torch {torch.__version__} eager"}
