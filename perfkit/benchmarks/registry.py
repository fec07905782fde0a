"""Benchmark name to class. Imports are lazy so that `perfkit --help` stays fast."""

from __future__ import annotations

from importlib import import_module

from perfkit.errors import UserError

_BENCHMARKS = {
    "bert": "perfkit.benchmarks.bert_training:BertTraining",
    "bert_inference": "perfkit.benchmarks.bert_inference:BertInference",
    "glm": "perfkit.benchmarks.glm_training:GlmTraining",
    "mobilenetv2": "perfkit.benchmarks.mobilenetv2_training:MobileNetV2Training",
    "resnet50": "perfkit.benchmarks.resnet50_training:ResNet50Training",
}


def benchmark_names() -> list[str]:
    return sorted(_BENCHMARKS)


def benchmark_class(name: str):
    target = _BENCHMARKS.get(name)
    if target is None:
        raise UserError(f"unknown benchmark '{name}'; allowed: {', '.join(benchmark_names())}")
    module, attr = target.split(":")
    return getattr(import_module(module), attr)
