"""Export a masked-LM model to ONNX (TorchScript exporter, ``dynamo=False``: no extra packages)."""

from __future__ import annotations

from pathlib import Path

import torch

from perfkit.inference.base import Inputs, LogitsOnly

OPSET = 17
OUTPUT = "logits"


def export_onnx(model: torch.nn.Module, example: Inputs, path: Path) -> Path:
    """Static shapes (the batch's): engines build for exactly what the benchmark feeds."""
    wrapper = LogitsOnly(model, tuple(example)).eval()
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            tuple(example.values()),
            str(path),
            input_names=list(example),
            output_names=[OUTPUT],
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    return path
