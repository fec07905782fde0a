"""Backend name to class, chosen by the ``backend`` param. Imports are lazy: onnxruntime and
tensorrt load only when asked for."""

from __future__ import annotations

from importlib import import_module

import torch

from perfkit.errors import ParamsError
from perfkit.inference.base import InferenceBackend

_BACKENDS = {
    "torch": "perfkit.inference.torch_eager:TorchEager",
    "torch_compile": "perfkit.inference.torch_compile:TorchCompile",
    "onnxruntime": "perfkit.inference.onnx_runtime:OnnxRuntime",
    "tensorrt": "perfkit.inference.tensorrt_engine:TensorRT",
}


def backend_names() -> list[str]:
    return list(_BACKENDS)


def get_backend(name: str, device: torch.device, precision: str, options: dict[str, str] | None = None) -> InferenceBackend:
    """A backend that has checked it can run here at this precision, or a UserError."""
    target = _BACKENDS.get(name)
    if target is None:
        raise ParamsError(f"key 'backend': unknown backend '{name}'; allowed: {', '.join(backend_names())}")
    module, attr = target.split(":")
    backend = getattr(import_module(module), attr)(device, precision, options)
    backend.check_available()
    return backend
