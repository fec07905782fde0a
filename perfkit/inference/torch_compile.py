"""``torch.compile`` (Inductor): compiled on the first batch, which prepare() runs and times."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from perfkit.errors import VendorError
from perfkit.inference.base import BackendOptions, InferenceBackend, Inputs, LogitsOnly
from perfkit.results import vocabulary as vocab


class TorchCompileOptions(BackendOptions):
    compile_mode: str = ""  # torch.compile mode; empty = default


class TorchCompile(InferenceBackend):
    name = "torch_compile"
    Options = TorchCompileOptions
    options: TorchCompileOptions
    precisions = frozenset({"fp32", "fp16", "bf16"})
    device_types = frozenset({"cpu", "cuda", "xpu"})

    def check_available(self) -> None:
        super().check_available()
        if self.device.type == "cpu" and not any(shutil.which(cc) for cc in ("g++", "c++", "clang++")):
            raise VendorError("key 'backend': 'torch_compile' on the CPU needs a C++ compiler (g++ or clang++) on PATH")

    def prepare(self, model: torch.nn.Module, example: Inputs, workdir: Path) -> None:
        mode = self.options.compile_mode or None
        self.fn = torch.compile(LogitsOnly(model, tuple(example)), mode=mode, dynamic=False)
        self(example)  # compilation happens here, inside the timed export window

    def __call__(self, inputs: Inputs) -> torch.Tensor:
        with torch.no_grad():
            return self.fn(*inputs.values())

    def describe(self) -> dict[str, str]:
        return {vocab.BACKEND: self.name, vocab.ENGINE: f"torch {torch.__version__} inductor",
                vocab.COMPILE_MODE: self.options.compile_mode or "default"}
