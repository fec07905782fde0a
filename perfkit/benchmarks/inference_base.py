"""The contract between an inference benchmark and the shared inference loop.

A benchmark says which model and which eval batches, and how to score logits; the loop
(perfkit.engine.infer_loop) owns the validation pass, the backend, the clocks and the metrics.
Data-folder rules (data_dir, autobuild into a folder chosen by the build settings, locks) are the training benchmarks' own.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import torch

from perfkit.benchmarks.base import Batch, DataFolderRules
from perfkit.data.hashing import DataIdentity
from perfkit.params.schema import InferenceParams


class InferenceBenchmark(DataFolderRules):
    """The same data-folder rules as training benchmarks (DataFolderRules); ``build_data``
    writes the small offline eval set."""

    params_model: ClassVar[type[InferenceParams]]
    params: InferenceParams

    def __init__(self, params: InferenceParams) -> None:
        self.params = params

    @abstractmethod
    def prepare_data(self) -> DataIdentity:
        """Check the eval set (and checkpoint) are there; build them first if allowed."""

    def check_model_inputs(self) -> None:
        """Fail fast on a bad local checkpoint before a run starts."""
        return None

    @abstractmethod
    def eval_batches(self) -> list[Batch]:
        """The eval set as host batches of exactly batch_size, labels included."""

    @abstractmethod
    def build_model(self) -> torch.nn.Module:
        """The framework model, on the host, from the local checkpoint."""

    @abstractmethod
    def model_inputs(self, batch: Batch) -> Batch:
        """What the engine is fed, in a fixed order (its byte size is byte_per_batch)."""

    @abstractmethod
    def correct_counts(self, logits: torch.Tensor, batch: Batch) -> tuple[float, float]:
        """(correct, total) of one batch's logits against its labels, both on the device."""

    def correct_count_tensors(self, logits: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(correct, total) as tensors on the device, so the loop need not wait for them.
        Default: from :meth:`correct_counts` (which reads them back); override to stay on the device."""
        correct, total = self.correct_counts(logits, batch)
        return torch.tensor(float(correct), device=logits.device), torch.tensor(float(total), device=logits.device)

    @abstractmethod
    def flops_per_sample(self) -> float:
        """Analytic forward FLOPs of one sample."""

    def tokens_per_sample(self) -> int | None:
        """Tokens in one sample, for tokens per joule; None where samples are not token sequences."""
        return None

    def checkpoint_identity(self) -> dict[str, str]:
        """Where the weights came from, for the result record."""
        return {}
