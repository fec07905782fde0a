"""The keys that decide a BERT's tensor shapes, and their rules (no torch here)."""

from __future__ import annotations

from pydantic import Field, model_validator

from perfkit.benchmarks.declared.transformer_shape import check_heads
from perfkit.params.schema import RunParams


class BertShapeParams(RunParams):
    """The keys that decide a BERT's tensor shapes (reference: BERT-large, bert-uncased)."""

    num_layers: int = Field(24, gt=0, description="transformer layers")
    hidden_size: int = Field(1024, gt=0, description="hidden width")
    num_heads: int = Field(16, gt=0, description="attention heads (must divide hidden_size)")
    intermediate_size: int = Field(4096, gt=0, description="feed-forward width")
    vocab_size: int = Field(30522, gt=0, description="vocabulary size (bert-uncased: 30522)")

    @model_validator(mode="after")
    def _heads_divide_hidden(self):  # noqa: ANN202
        check_heads(self)
        return self
