"""The hardware spec sheet as a benchmark: FlagPerf's ``base/`` cases on one machine.

It has no model and no dataset; what it runs is the spec scenario's (perfkit.scenarios.specs,
which calls the cases of perfkit.specs). Its params model and description live torch-free in
perfkit.benchmarks.declared.specs.
"""

from __future__ import annotations

from typing import ClassVar

from perfkit.benchmarks.declared.specs import DECLARATION, SpecsParams
from perfkit.data.hashing import DataIdentity
from perfkit.results.benchmark_info import BenchmarkInfo

NO_DATA = "none: every case makes its own tensors"


class SpecSheetBenchmark:
    """The contract of a spec-sheet benchmark: params and description; no data, no model."""

    info: ClassVar[BenchmarkInfo] = DECLARATION.info
    params_model: ClassVar[type[SpecsParams]] = SpecsParams

    def __init__(self, params: SpecsParams) -> None:
        self.params = params

    def check_model_inputs(self) -> None:
        return None

    def prepare_data(self) -> DataIdentity:
        """No dataset: an identity that says so."""
        return DataIdentity(path="", content_hash="", method=NO_DATA)

    def current_data(self) -> DataIdentity | None:
        return self.prepare_data()

    def tokens_per_sample(self) -> int | None:
        return None
