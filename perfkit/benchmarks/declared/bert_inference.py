"""BERT-large masked-LM inference as the host sees it: params and description."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.benchmarks.declared.bert_shape import BertShapeParams
from perfkit.benchmarks.declared.transformer_shape import transformer_memory
from perfkit.params.memory import MemoryEstimate
from perfkit.params.schema import InferenceParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo

EVAL_FILE = "eval.txt"  # perfkit.data.text_eval's names
VOCAB_FILE = "vocab.txt"


class BertInferenceParams(BertShapeParams, InferenceParams):
    vendor_changeable: ClassVar[frozenset[str]] = InferenceParams.vendor_changeable | {"onnx_provider", "compile_mode"}

    precision: Literal["fp32", "fp16", "bf16"] = Field("fp32", description="fp32, fp16 or bf16 (the model cast)")
    batch_size: int = Field(32, gt=0, description="sequences per batch")
    backend: Literal["torch", "torch_compile", "onnxruntime", "tensorrt"] = Field(
        "torch", description="inference engine: torch, torch_compile, onnxruntime or tensorrt"
    )
    onnx_provider: str = Field("", description="onnxruntime execution provider; empty = the device's")
    compile_mode: str = Field("", description="torch.compile mode; empty = default")
    seq_len: int = Field(512, gt=2, description="tokens per sequence")
    mask_prob: float = Field(0.10, gt=0, lt=1, description="share of text tokens replaced by [MASK]")
    eval_samples: int = Field(0, ge=0, description="sequences of the eval text used; 0 = all")
    eval_file: str = Field(EVAL_FILE, description="plain-text eval file under data_dir")
    vocab_file: str = Field(VOCAB_FILE, description="WordPiece vocabulary under data_dir")
    init_checkpoint: str = Field("", description="save_pretrained folder; empty = data_dir/checkpoint")
    max_documents: int = Field(12, ge=0, description="offline builder: pydoc topics in the eval text")

    def data_settings(self) -> dict[str, Any]:
        return {"vocab_size": self.vocab_size, "max_documents": self.max_documents}

    def memory_estimate(self) -> MemoryEstimate:
        return transformer_memory(layers=self.num_layers, hidden=self.hidden_size, intermediate=self.intermediate_size,
                                  vocab=self.vocab_size, positions=max(512, self.seq_len), heads=self.num_heads,
                                  batch=self.batch_size, seq=self.seq_len, training=False, precision=self.precision)


INFO = BenchmarkInfo(
    name="bert_inference",
    title="BERT-large masked-LM inference",
    kind=vocab.INFERENCE,
    task="自然语言理解",
    model="bert-large (BertForMaskedLM)",
    dataset="plain-text eval file, 10% masked",
    quality_metric=vocab.MLM_ACCURACY,
    quality_label="top1 MaskedLM准确率(acc1), 推理/验证",
    notebook="bert_inference.ipynb",
)
DECLARATION = BenchmarkDeclaration(BertInferenceParams, INFO)
