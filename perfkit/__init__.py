"""perfkit: reproducible AI-accelerator benchmarks, from parameterized notebook to published report."""

__version__ = "0.1.0"
