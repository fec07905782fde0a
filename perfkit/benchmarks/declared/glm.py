"""GLM fine-tuning on ReCoRD as the host sees it: params (reference: GLM-large) and description."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.declared.transformer_shape import check_heads, transformer_memory
from perfkit.params.memory import MemoryEstimate
from perfkit.params.schema import TrainingParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo


class GlmParams(TrainingParams):
    batch_size: int = Field(4, gt=0, description="queries per card per step (every candidate is a sequence)")
    learning_rate: float = Field(1e-5, gt=0, description="peak AdamW learning rate")
    num_layers: int = Field(24, gt=0, description="transformer layers")
    hidden_size: int = Field(1024, gt=0, description="hidden width")
    num_heads: int = Field(16, gt=0, description="attention heads (must divide hidden_size)")
    intermediate_size: int = Field(4096, gt=0, description="feed-forward width")
    vocab_size: int = Field(30592, gt=0, description="vocabulary size (GLM-large WordPiece: 30592)")
    seq_len: int = Field(512, gt=0, description="tokens per candidate sequence")
    weight_decay: float = Field(0.1, ge=0, description="decoupled weight decay")
    warmup_steps: int = Field(0, ge=0, description="linear warm-up steps")
    length_normalize: bool = Field(False, description="score = mean instead of sum of the query's token log-likelihoods")
    target_accuracy: float = Field(0.8, gt=0, le=1, description="convergence target, ReCoRD accuracy")
    eval_samples: int = Field(10000, gt=0, description="validation queries used")
    eval_batch_size: int = Field(8, gt=0, description="eval queries per card")
    train_file: str = Field("train.jsonl", description="ReCoRD training file under data_dir")
    val_file: str = Field("val.jsonl", description="ReCoRD validation file under data_dir")
    vocab_file: str = Field("vocab.txt", description="WordPiece vocabulary under data_dir")

    @model_validator(mode="after")
    def _heads_divide_hidden(self):  # noqa: ANN202
        check_heads(self)
        return self

    def data_settings(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "train_file": self.train_file, "val_file": self.val_file}

    def memory_estimate(self) -> MemoryEstimate:
        # every query's candidates are sequences: at least one per query
        return transformer_memory(layers=self.num_layers, hidden=self.hidden_size, intermediate=self.intermediate_size,
                                  vocab=self.vocab_size, positions=0, heads=self.num_heads, batch=self.batch_size,
                                  seq=self.seq_len, training=True, precision=self.precision)


INFO = BenchmarkInfo(
    name="glm",
    title="GLM fine-tuning on ReCoRD",
    kind=vocab.TRAINING,
    task="通用语言模型",
    model="glm",
    dataset="ReCoRD (SuperGLUE JSONL)",
    quality_metric=vocab.RECORD_ACCURACY,
    quality_label="分类准确率(ReCoRD cloze accuracy)",
    notebook="glm_training.ipynb",
    quality_column="acc",
)
DECLARATION = BenchmarkDeclaration(GlmParams, INFO)
