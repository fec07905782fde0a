"""Backend name to class, chosen by the ``backend`` param: the built-ins and the
``perfkit.backends`` entry points (perfkit.plugins). Imports are lazy: onnxruntime and tensorrt
load only when asked for. A backend reads its own options (its ``Options`` model) from the
run's params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from perfkit.errors import ParamsError
from perfkit.plugins import Registry

if TYPE_CHECKING:  # `perfkit list backends` imports neither torch nor pydantic
    import torch
    from pydantic import BaseModel

    from perfkit.inference.base import InferenceBackend

BACKENDS = Registry(
    what="backend",
    group="perfkit.backends",
    builtins={
        "torch": "perfkit.inference.torch_eager:TorchEager",
        "torch_compile": "perfkit.inference.torch_compile:TorchCompile",
        "onnxruntime": "perfkit.inference.onnx_runtime:OnnxRuntime",
        "tensorrt": "perfkit.inference.tensorrt_engine:TensorRT",
    },
    base="perfkit.inference.base:InferenceBackend",
    error=ParamsError,
    key="backend",
    sort=False,
)


def backend_names() -> list[str]:
    return BACKENDS.names()


def get_backend(
    name: str, device: torch.device, precision: str, options: Mapping[str, Any] | BaseModel | None = None
) -> InferenceBackend:
    """A backend that has checked it can run here at this precision, or a UserError.
    ``options``: the run's params (or any mapping); the backend keeps the keys its Options declare."""
    backend = BACKENDS.load(name)(device, precision, options)
    backend.check_available()
    return backend
