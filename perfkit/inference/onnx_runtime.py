"""ONNX Runtime: the model exported to ONNX, run by an execution provider through I/O binding.

The provider follows the device (CPUExecutionProvider on the host, CUDAExecutionProvider on an
NVIDIA card) unless the ``onnx_provider`` param names one (TensorrtExecutionProvider, …). A
provider this onnxruntime build lacks is an error, never a quiet fall-back to the CPU. Inputs and
the output are bound to torch tensors in place, so no copies sit inside the timed run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from perfkit.errors import ParamsError
from perfkit.inference.base import BackendOptions, InferenceBackend, Inputs
from perfkit.inference.onnx_export import OUTPUT, export_onnx
from perfkit.plugins import require
from perfkit.results import vocabulary as vocab

DEFAULT_PROVIDER = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}
FP16_PROVIDERS = frozenset({"CUDAExecutionProvider", "TensorrtExecutionProvider"})
_NUMPY = {torch.int64: np.int64, torch.int32: np.int32, torch.float32: np.float32, torch.float16: np.float16}


def _onnxruntime():
    return require("onnxruntime")


class OnnxRuntimeOptions(BackendOptions):
    onnx_provider: str = ""  # execution provider; empty = the device's default


class OnnxRuntime(InferenceBackend):
    name = "onnxruntime"
    Options = OnnxRuntimeOptions
    options: OnnxRuntimeOptions
    precisions = frozenset({"fp32", "fp16"})
    device_types = frozenset({"cpu", "cuda"})

    @property
    def provider(self) -> str:
        return self.options.onnx_provider or DEFAULT_PROVIDER.get(self.device.type, "")

    def check_available(self) -> None:
        super().check_available()
        ort = _onnxruntime()
        available = ort.get_available_providers()
        if self.provider not in available:
            raise ParamsError(
                f"key 'onnx_provider': '{self.provider}' is not in this onnxruntime build; "
                f"available: {', '.join(available)}"
            )
        if (self.provider == "CPUExecutionProvider") != (self.device.type == "cpu"):
            raise ParamsError(
                f"key 'onnx_provider': '{self.provider}' does not match the run's device '{self.device.type}'"
            )
        if self.precision == "fp16" and self.provider not in FP16_PROVIDERS:
            raise ParamsError(
                f"key 'precision': onnxruntime's {self.provider} runs fp32 only here; "
                f"fp16 needs one of: {', '.join(sorted(FP16_PROVIDERS))}"
            )

    def _provider_options(self) -> dict[str, object]:
        if self.provider == "TensorrtExecutionProvider":
            return {"device_id": self.device.index or 0, "trt_fp16_enable": self.precision == "fp16"}
        if self.provider == "CUDAExecutionProvider":
            return {"device_id": self.device.index or 0}
        return {}

    def prepare(self, model: torch.nn.Module, example: Inputs, workdir: Path) -> None:
        ort = _onnxruntime()
        path = export_onnx(model, example, workdir / "model.onnx")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self.device.type == "cpu":
            options.intra_op_num_threads = torch.get_num_threads()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=[(self.provider, self._provider_options())]
        )
        out = self.session.get_outputs()[0]
        shape = [int(d) for d in out.shape]
        self.output = torch.empty(shape, dtype=self.dtype, device=self.device)
        self.binding_device = ("cuda", self.device.index or 0) if self.device.type == "cuda" else ("cpu", 0)
        self(example)  # the first run allocates and (TensorRT EP) builds the engine: export time

    def __call__(self, inputs: Inputs) -> torch.Tensor:
        binding = self.session.io_binding()
        kind, index = self.binding_device
        for name, tensor in inputs.items():
            binding.bind_input(name, kind, index, _NUMPY[tensor.dtype], list(tensor.shape), tensor.data_ptr())
        out = self.output
        binding.bind_output(OUTPUT, kind, index, _NUMPY[out.dtype], list(out.shape), out.data_ptr())
        self.session.run_with_iobinding(binding)
        return out

    def describe(self) -> dict[str, str]:
        ort = _onnxruntime()
        return {vocab.BACKEND: self.name, vocab.ENGINE: f"onnxruntime {ort.__version__}", vocab.PROVIDER: self.provider}
