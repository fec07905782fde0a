"""A rough estimate of the memory a run needs on one card, from its params alone, so that sizes
inside the bounds (params.limits) that no device could hold (hidden_size 131072) are refused
before the model is built instead of failing, or swapping, minutes into the run.

A params model that can estimate defines ``memory_estimate() -> MemoryEstimate``; the check
against the device's available memory is perfkit.run.preflight's (psutil on the CPU,
``torch.cuda.mem_get_info`` on CUDA-like cards).
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = float(1 << 30)


@dataclass(frozen=True)
class MemoryEstimate:
    """``parameters``: the model's parameter count; ``weight_bytes``: weights plus, for training,
    gradients and optimizer state; ``activation_bytes``: what the forward pass keeps."""

    parameters: int
    weight_bytes: int
    activation_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weight_bytes + self.activation_bytes

    def describe(self) -> str:
        return (f"about {self.total_bytes / GIB:.3g} GiB (rough estimate: {self.parameters:.3g} parameters, "
                f"weights/gradients/optimizer state {self.weight_bytes / GIB:.3g} GiB + activations "
                f"{self.activation_bytes / GIB:.3g} GiB)")
