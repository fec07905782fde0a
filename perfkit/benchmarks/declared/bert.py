"""BERT pre-training as the host sees it: params (reference: BERT-large, MLPerf) and description."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.declared.bert_shape import BertShapeParams
from perfkit.benchmarks.declared.transformer_shape import transformer_memory
from perfkit.params.memory import MemoryEstimate
from perfkit.params.schema import TrainingParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo


class BertParams(BertShapeParams, TrainingParams):
    seq_len: int = Field(512, gt=0, description="max sequence length of the shards")
    max_predictions_per_seq: int = Field(76, gt=0, description="masked positions per sequence")
    optimizer: Literal["lamb", "adamw"] = Field("lamb", description="lamb (reference) or adamw")
    beta1: float = Field(0.9, gt=0, lt=1, description="first moment decay")
    beta2: float = Field(0.999, gt=0, lt=1, description="second moment decay")
    weight_decay: float = Field(0.01, ge=0, description="decoupled weight decay")
    warmup_steps: int = Field(0, ge=0, description="linear warm-up steps")
    poly_power: float = Field(1.0, gt=0, description="power of the polynomial decay")
    target_mlm_accuracy: float = Field(0.720, gt=0, le=1, description="convergence target")
    eval_samples: int = Field(10000, gt=0, description="samples of the eval file used")
    eval_batch_size: int = Field(32, gt=0, description="eval batch per card")
    train_dir: str = Field("2048_shards_uncompressed", description="training shards under data_dir")
    eval_dir: str = Field("eval_set_uncompressed", description="eval shard(s) under data_dir")

    def data_settings(self) -> dict[str, Any]:
        return {"seq_len": self.seq_len, "max_predictions_per_seq": self.max_predictions_per_seq,
                "vocab_size": self.vocab_size, "train_dir": self.train_dir, "eval_dir": self.eval_dir}

    def memory_estimate(self) -> MemoryEstimate:
        return transformer_memory(layers=self.num_layers, hidden=self.hidden_size, intermediate=self.intermediate_size,
                                  vocab=self.vocab_size, positions=max(512, self.seq_len), heads=self.num_heads,
                                  batch=self.batch_size, seq=self.seq_len, training=True,
                                  precision=self.precision)


INFO = BenchmarkInfo(
    name="bert",
    title="BERT pre-training (masked LM)",
    kind=vocab.TRAINING,
    task="通用语言模型",
    model="bert",
    dataset="Wikipedia for bert (MLPerf HDF5 shards)",
    quality_metric=vocab.MLM_ACCURACY,
    quality_label="分类准确率(mlm_accuracy)",
    notebook="bert_training.ipynb",
)
DECLARATION = BenchmarkDeclaration(BertParams, INFO)
