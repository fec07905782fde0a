"""One module per benchmark: params schema, model builder, data, quality metric, FLOPs."""

from perfkit.benchmarks.registry import benchmark_class, benchmark_names

__all__ = ["benchmark_class", "benchmark_names"]
