"""Benchmark name to class: the built-ins and the ``perfkit.benchmarks`` entry points
(perfkit.plugins). Imports are lazy so that `perfkit --help` stays fast."""

from __future__ import annotations

from perfkit.benchmarks.base import TrainingBenchmark
from perfkit.benchmarks.inference_base import InferenceBenchmark
from perfkit.plugins import Registry

BENCHMARKS = Registry(
    what="benchmark",
    group="perfkit.benchmarks",
    builtins={
        "bert": "perfkit.benchmarks.bert_training:BertTraining",
        "bert_inference": "perfkit.benchmarks.bert_inference:BertInference",
        "glm": "perfkit.benchmarks.glm_training:GlmTraining",
        "llama": "perfkit.benchmarks.llama_pretraining:LlamaPretraining",
        "mobilenetv2": "perfkit.benchmarks.mobilenetv2_training:MobileNetV2Training",
        "resnet50": "perfkit.benchmarks.resnet50_training:ResNet50Training",
    },
    base=(TrainingBenchmark, InferenceBenchmark),
)


def benchmark_names() -> list[str]:
    return BENCHMARKS.names()


def benchmark_class(name: str):
    return BENCHMARKS.load(name)
