"""Precision modes: fp32, amp (autocast in the device's preferred low precision), fp16, bf16.

fp16 and bf16 here mean mixed precision through autocast with fp32 master weights (the way
FlagPerf's vendor configs train); fp16 adds a gradient scaler.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from perfkit.errors import ParamsError


@dataclass(frozen=True)
class PrecisionPolicy:
    name: str
    device_type: str
    dtype: torch.dtype | None  # None: no autocast

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        if self.dtype is torch.float16:
            return torch.amp.GradScaler(self.device_type)
        return None


def precision_policy(name: str, device: torch.device, supported: frozenset[str], vendor: str) -> PrecisionPolicy:
    if name not in supported:
        raise ParamsError(
            f"key 'precision': '{name}' is not supported by vendor '{vendor}'; "
            f"allowed: {', '.join(sorted(supported))}"
        )
    kind = device.type
    if name == "fp32":
        return PrecisionPolicy(name, kind, None)
    if name == "bf16" or (name == "amp" and kind == "cpu"):
        return PrecisionPolicy(name, kind, torch.bfloat16)
    return PrecisionPolicy(name, kind, torch.float16)
