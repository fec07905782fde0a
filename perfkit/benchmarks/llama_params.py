"""The Llama pre-training case's params and its named model shapes (torch-free: the host reads
them to validate configs without importing torch).

Defaults are FlagPerf's llama3_8B Megatron case (training/benchmarks/llama3_8B/megatron/
pretrain_llama3.sh): Llama3-8B, sequence 8192, global batch 512 sequences, lr 1e-5 with cosine
decay to 1e-6, weight decay 0.1, gradient clipping 1.0, Adam betas 0.9/0.95, init std 0.008,
bf16, 300 steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import Field

from perfkit.params.schema import TrainingParams


@dataclass(frozen=True)
class LlamaShape:
    """The architecture of one named shape (transformers.LlamaConfig's keys)."""

    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    rope_theta: float
    tie_embeddings: bool = False
    rms_norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_heads

    @property
    def non_embedding_params(self) -> int:
        """N of 6·N: every parameter but the input embedding; the output projection (h x V)
        counts, tied or not, since it is a matmul per token."""
        h, kv = self.hidden_size, self.num_kv_heads * self.head_dim
        per_layer = 2 * h * h + 2 * h * kv + 3 * h * self.intermediate_size + 2 * h
        return self.num_layers * per_layer + h + h * self.vocab_size

    @property
    def total_params(self) -> int:
        """Every distinct parameter (a tied output projection is the embedding itself)."""
        embedding = self.vocab_size * self.hidden_size
        return self.non_embedding_params + (0 if self.tie_embeddings else embedding)


SHAPES: dict[str, LlamaShape] = {
    # Meta's Llama 3 8B: GQA with 8 key/value heads, 128k vocabulary, rope theta 500000
    "llama3_8b": LlamaShape(128256, 4096, 14336, 32, 32, 8, 500000.0),
    # Llama 2 7B: full multi-head attention, 32k vocabulary
    "llama2_7b": LlamaShape(32000, 4096, 11008, 32, 32, 32, 10000.0),
    # Llama 3.2 1B's layout (1.24 B parameters, tied embeddings): fits one 80 GB card with room
    "llama_1b": LlamaShape(128256, 2048, 8192, 16, 32, 8, 500000.0, tie_embeddings=True),
    # the CPU shape: 2 layers, width 128; its vocabulary covers the byte-level offline corpus
    "tiny": LlamaShape(512, 128, 384, 2, 4, 2, 10000.0),
}

ShapeName = Literal["llama3_8b", "llama2_7b", "llama_1b", "tiny"]


class LlamaParams(TrainingParams):
    vendor_changeable: ClassVar[frozenset[str]] = TrainingParams.vendor_changeable | {
        "activation_checkpointing", "compile", "fsdp", "reference_run", "data_prefix",
    }

    shape: ShapeName = Field("llama3_8b", description="named model shape: llama3_8b, llama2_7b, llama_1b or tiny")
    seq_len: int = Field(8192, gt=1, description="tokens per training sequence (windows hold seq_len + 1)")
    batch_size: int = Field(1, gt=0, description="sequences per card per micro-step (Megatron's micro batch)")
    gradient_accumulation_steps: int = Field(64, gt=0, description="micro-steps per optimizer step")
    precision: Literal["fp32", "amp", "fp16", "bf16"] = Field(
        "bf16", description="bf16: autocast to bfloat16 with fp32 master weights and optimizer state")
    learning_rate: float = Field(1e-5, gt=0, description="peak AdamW learning rate")
    min_learning_rate: float = Field(1e-6, ge=0, description="learning rate at the end of the cosine decay")
    warmup_steps: int = Field(0, ge=0, description="linear warm-up steps before the cosine decay")
    weight_decay: float = Field(0.1, ge=0, description="decoupled weight decay (matrices only)")
    adam_beta1: float = Field(0.9, gt=0, lt=1, description="AdamW beta1")
    adam_beta2: float = Field(0.95, gt=0, lt=1, description="AdamW beta2")
    grad_clip: float = Field(1.0, ge=0, description="clip the global gradient norm to this; 0 = off")
    init_std: float = Field(0.008, gt=0, description="standard deviation of the random initialisation")
    max_steps: int = Field(300, gt=0, description="optimizer steps")
    eval_interval: int = Field(300, gt=0, description="held-out next-token accuracy every N steps")
    eval_windows: int = Field(64, gt=0, description="held-out windows (the corpus's last ones) for evaluation")
    eval_batch_size: int = Field(4, gt=0, description="eval windows per card")
    target_accuracy: float = Field(1.0, gt=0, le=1, description="held-out next-token accuracy that ends the run early")
    fsdp: bool = Field(True, description="FSDP2 (fully_shard per decoder layer + root) when there is more than one process")
    activation_checkpointing: bool = Field(False, description="recompute each decoder layer's activations in backward")
    compile: bool = Field(False, description="torch.compile each decoder layer")
    reference_run: str = Field("", description="result.json of an earlier run whose loss curve the 2 % rule compares with")
    data_prefix: str = Field("llama_text_document", description="Megatron indexed dataset under data_dir: PREFIX.bin + PREFIX.idx")
