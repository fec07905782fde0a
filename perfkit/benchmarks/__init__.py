"""One module per benchmark: model builder, data, quality metric, FLOPs; each one's params
model and description live torch-free in perfkit.benchmarks.declared."""

from perfkit.benchmarks.registry import benchmark_class, benchmark_names, declaration

__all__ = ["benchmark_class", "benchmark_names", "declaration"]
