"""Optional dependencies (pyproject extras) imported only where used, with a one-line hint
naming the extra when one is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from perfkit.errors import UserError

# module -> (extra, what needs it)
EXTRAS = {
    "onnxruntime": ("onnx", "the onnxruntime inference backend"),
    "onnx": ("onnx", "ONNX export"),
    "sklearn.datasets": ("datasets", "the digits dataset builder (scikit-learn)"),
    "pynvml": ("nvidia", "NVIDIA telemetry (nvidia-ml-py)"),
}


class MissingExtra(UserError):
    """An optional dependency is not installed."""


def require(module: str) -> ModuleType:
    """``module`` imported, or a MissingExtra naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra, purpose = EXTRAS[module]
        raise MissingExtra(f"{purpose} needs the '{extra}' extra: pip install 'perfkit[{extra}]' "
                           f"(module {module} is missing)") from None
