"""Llama pre-training as the host sees it: params (the named shapes, perfkit.benchmarks.llama_params)
and description, without importing torch or transformers."""

from __future__ import annotations

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.llama_params import LlamaParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo

INFO = BenchmarkInfo(
    name="llama",
    title="Llama pre-training (Megatron indexed data)",
    kind=vocab.TRAINING,
    task="大语言模型预训练",
    model="llama3_8b",
    dataset="Megatron indexed dataset (.bin/.idx)",
    quality_metric=vocab.NEXT_TOKEN_ACCURACY,
    quality_label="held-out next-token accuracy",
    notebook="llama_pretraining.ipynb",
    quality_column="acc",
)
DECLARATION = BenchmarkDeclaration(LlamaParams, INFO)
