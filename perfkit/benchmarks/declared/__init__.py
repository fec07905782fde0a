"""What the host needs to know about a benchmark, without PyTorch: its params model (the keys,
their defaults and the shape rules) and its description (perfkit.results.benchmark_info).

One module per benchmark, importing neither torch nor transformers, so that `perfkit run`,
`perfkit suite --dry-run`, `report`, `list` and `compare` resolve params without the ~2 s
torch import (a subprocess test checks it). The benchmark classes (perfkit.benchmarks.*) take
their ``params_model`` and ``info`` from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from perfkit.params.schema import RunParams
from perfkit.results.benchmark_info import BenchmarkInfo


@dataclass(frozen=True)
class BenchmarkDeclaration:
    """A benchmark as the host sees it. A plug-in declares one (an instance, torch-free) under
    the ``perfkit.benchmark_declarations`` entry-point group, with its benchmark's name."""

    params_model: type[RunParams]
    info: BenchmarkInfo

    @property
    def kind(self) -> str:
        return self.info.kind
