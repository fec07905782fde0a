"""The contract between the inference loop and an inference engine.

A backend receives the framework model (already on the device, in the run's dtype) and one
example batch, prepares itself once (export, compile, engine build: timed by the loop as
export_time, never part of throughput), then maps a batch of model inputs on the device to the
masked-LM logits on the device. It refuses, with one line, a device or precision it cannot
run; it never falls back to something else silently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import torch
from pydantic import BaseModel, ConfigDict

from perfkit.errors import ParamsError
from perfkit.results import vocabulary as vocab

Inputs = dict[str, torch.Tensor]

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


class LogitsOnly(torch.nn.Module):
    """A masked-LM model as a function of its named inputs to its logits (what engines export)."""

    def __init__(self, model: torch.nn.Module, input_names: tuple[str, ...]) -> None:
        super().__init__()
        self.model = model
        self.input_names = input_names

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.model(**dict(zip(self.input_names, inputs, strict=False))).logits


class BackendOptions(BaseModel):
    """A backend's own settings, read from the run's params by key name: a backend declares a
    subclass with its keys (which the benchmark's params then carry); other keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class InferenceBackend(ABC):
    name: ClassVar[str]
    precisions: ClassVar[frozenset[str]]
    device_types: ClassVar[frozenset[str]]
    Options: ClassVar[type[BackendOptions]] = BackendOptions

    def __init__(
        self, device: torch.device, precision: str, options: Mapping[str, Any] | BaseModel | None = None
    ) -> None:
        self.device = device
        self.precision = precision
        self.dtype = DTYPES[precision]
        given = options.model_dump() if isinstance(options, BaseModel) else dict(options or {})
        self.options = self.Options.model_validate(given)

    def check_available(self) -> None:
        """Raise a UserError when this machine cannot run this backend at this precision."""
        if self.device.type not in self.device_types:
            raise ParamsError(
                f"key 'backend': '{self.name}' does not run on device '{self.device.type}'; "
                f"it needs: {', '.join(sorted(self.device_types))}"
            )
        if self.precision not in self.precisions:
            raise ParamsError(
                f"key 'precision': backend '{self.name}' cannot run '{self.precision}'; "
                f"allowed: {', '.join(sorted(self.precisions))}"
            )

    @abstractmethod
    def prepare(self, model: torch.nn.Module, example: Inputs, workdir: Path) -> None:
        """Export / compile / build once; ``example`` is one batch of inputs on the device."""

    @abstractmethod
    def __call__(self, inputs: Inputs) -> torch.Tensor:
        """Logits of one batch, on the device (queued work may still be running)."""

    def describe(self) -> dict[str, str]:
        """What ran the inference pass, for the result record."""
        return {vocab.BACKEND: self.name}
