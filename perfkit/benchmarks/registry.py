"""Benchmark name to class: the built-ins and the ``perfkit.benchmarks`` entry points
(perfkit.plugins); and to its torch-free declaration (params model and description,
perfkit.benchmarks.declared), which is all the host needs. Imports are lazy so that `perfkit
--help`, `perfkit suite --dry-run` and the other host commands never import torch."""

from __future__ import annotations

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.plugins import Registry, group_entry_points

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
        "specs": "perfkit.benchmarks.specs:SpecSheetBenchmark",
    },
    base=("perfkit.benchmarks.base:TrainingBenchmark", "perfkit.benchmarks.inference_base:InferenceBenchmark",
          "perfkit.benchmarks.specs:SpecSheetBenchmark"),
)

DECLARATIONS_GROUP = "perfkit.benchmark_declarations"
BUILTIN_DECLARATIONS = {
    "bert": "perfkit.benchmarks.declared.bert:DECLARATION",
    "bert_inference": "perfkit.benchmarks.declared.bert_inference:DECLARATION",
    "glm": "perfkit.benchmarks.declared.glm:DECLARATION",
    "llama": "perfkit.benchmarks.declared.llama:DECLARATION",
    "mobilenetv2": "perfkit.benchmarks.declared.mobilenetv2:DECLARATION",
    "resnet50": "perfkit.benchmarks.declared.resnet50:DECLARATION",
    "specs": "perfkit.benchmarks.declared.specs:DECLARATION",
}


def benchmark_names() -> list[str]:
    return BENCHMARKS.names()


def benchmark_class(name: str):
    return BENCHMARKS.load(name)


def declaration(name: str) -> BenchmarkDeclaration:
    """The benchmark's params model and description without importing its (torch) module: a
    built-in's from perfkit.benchmarks.declared, a plug-in's from its
    ``perfkit.benchmark_declarations`` entry point; a plug-in without one falls back to its
    benchmark class's ``params_model`` and ``info`` (which imports whatever that class imports)."""
    target = BUILTIN_DECLARATIONS.get(name)
    if target is not None:
        from importlib import import_module

        module, _, attr = target.partition(":")
        return getattr(import_module(module), attr)
    entry = next((ep for ep in group_entry_points(DECLARATIONS_GROUP) if ep.name == name), None)
    if entry is not None:
        try:
            found = entry.load()
        except Exception as exc:  # a broken third-party package
            raise BENCHMARKS._fail(f"benchmark '{name}': its {DECLARATIONS_GROUP} entry point failed to load ({exc})") from None
        if not isinstance(found, BenchmarkDeclaration):
            raise BENCHMARKS._fail(f"benchmark '{name}': its {DECLARATIONS_GROUP} entry point is not a "
                                   "perfkit.benchmarks.declared.BenchmarkDeclaration")
        return found
    cls = benchmark_class(name)
    return BenchmarkDeclaration(cls.params_model, cls.info)
