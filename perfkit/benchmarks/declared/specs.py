"""The hardware spec sheet as the host sees it: params and description, without torch.

The cases are FlagPerf's ``base/`` cases (perfkit.specs measures them). The defaults are
FlagPerf's: ``torch.mm`` at M=N=K=4096 (``base/benchmarks/computation-*/case_config.yaml``:
``M: 4096``, ``N: 4096``, ``K: 4096``, ``WARMUP: 100``, ``ITERS: 50000``); 50,000 products of
4096³ take about 26.5 s on an A100 at its measured 259.2 TFLOP/s bf16, so a case's minimum timed
duration is 30 s. Sizes are the vendor's to change (they fit the device); the timed duration,
the warm-up and the repeats are not.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, field_validator

from perfkit.benchmarks.declared import BenchmarkDeclaration
from perfkit.params.schema import RunParams
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo

# the cases in the order a sheet shows them (perfkit.specs: one module per case)
CASES: tuple[Case, ...] = ("gemm", "memory_bandwidth", "memory_capacity", "h2d", "d2h", "p2p", "all_reduce", "all_gather")
# perfkit.specs.gemm.DTYPES, spelled here so the host needs no torch (a unit test keeps them equal)
GEMM_DTYPES: tuple[GemmDtype, ...] = ("fp64", "fp32", "tf32", "fp16", "bf16", "int8", "fp8")
HOST_MEMORY: tuple[HostMemory, ...] = ("pinned", "pageable")
MAX_BYTES = 1 << 40  # one buffer of a case: 1 TiB, above any device

Case = Literal["gemm", "memory_bandwidth", "memory_capacity", "h2d", "d2h", "p2p", "all_reduce", "all_gather"]
GemmDtype = Literal["fp64", "fp32", "tf32", "fp16", "bf16", "int8", "fp8"]
HostMemory = Literal["pinned", "pageable"]
ToolName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class SpecsParams(RunParams):
    """Which spec cases run, their sizes and their timing budget (perfkit.specs.timing.Budget)."""

    vendor_changeable: ClassVar[frozenset[str]] = RunParams.vendor_changeable | {
        "cases", "gemm_dtypes", "gemm_size", "gemm_m", "gemm_n", "gemm_k", "memory_bytes", "capacity_gib", "capacity_max_share",
        "capacity_chunk_bytes", "transfer_bytes", "host_memory", "p2p_bytes", "collective_bytes", "case_timeout_s",
        "spec_tools",
    }

    cases: list[Case] = Field(list(CASES), min_length=1, description="spec cases to run, in sheet order: "
                              + ", ".join(CASES))
    gemm_dtypes: list[GemmDtype] = Field(list(GEMM_DTYPES), min_length=1,
                                         description="gemm dtypes: " + ", ".join(GEMM_DTYPES)
                                         + " (one the device lacks is refused before the run)")
    gemm_size: int = Field(4096, ge=1, le=1 << 17, description="gemm M = N = K, unless gemm_m, gemm_n or gemm_k say")
    gemm_m: int | None = Field(None, ge=1, le=1 << 17, description="gemm M (rows of A); empty = gemm_size")
    gemm_n: int | None = Field(None, ge=1, le=1 << 17, description="gemm N (columns of B); empty = gemm_size")
    gemm_k: int | None = Field(None, ge=1, le=1 << 17, description="gemm K (the inner size); empty = gemm_size")
    memory_bytes: int = Field(1 << 30, ge=1, le=MAX_BYTES, description="memory_bandwidth: bytes per buffer (copied src -> dst)")
    capacity_gib: float = Field(1.0, gt=0, le=1 << 20,
                                description="memory_capacity on the CPU: GiB to allocate, within capacity_max_share")
    capacity_max_share: float = Field(0.5, gt=0, le=0.9,
                                      description="memory_capacity on the CPU: the most of the available memory it may take")
    capacity_chunk_bytes: int = Field(256 << 20, ge=1, le=MAX_BYTES, description="memory_capacity: bytes per allocation")
    transfer_bytes: int = Field(1 << 30, ge=1, le=MAX_BYTES, description="h2d/d2h: bytes per copy")
    host_memory: list[HostMemory] = Field(list(HOST_MEMORY), min_length=1,
                                          description="h2d/d2h host memory: pinned, pageable")
    p2p_bytes: int = Field(1 << 30, ge=1, le=MAX_BYTES, description="p2p: bytes per copy from card 0 to card 1")
    collective_bytes: int = Field(256 << 20, ge=4, le=MAX_BYTES,
                                  description="all_reduce/all_gather: bytes per rank (float32)")
    warmup: int = Field(100, ge=0, le=1 << 20, description="untimed calls before each case")
    min_seconds: float = Field(30.0, gt=0, description="each throughput case's timed duration at least, all repeats")
    repeats: int = Field(5, ge=1, le=1000, description="timed repeats per case (the spread is over them)")
    case_timeout_s: float = Field(600.0, gt=0, le=7 * 24 * 3600.0,
                                  description="wall seconds per case; past it the case stops and is marked refused")

    def gemm_shape(self) -> tuple[int, int, int]:
        """(M, N, K): each its own key where given, else gemm_size (FlagPerf's vendor configs
        change them apart, e.g. M 6656, N 2048, K 4096)."""
        return tuple(self.gemm_size if v is None else v for v in (self.gemm_m, self.gemm_n, self.gemm_k))  # type: ignore[return-value]

    spec_tools: list[ToolName] = Field([], max_length=64,
                                  description="vendor tools (perfkit.spec_tools entry points) run beside the PyTorch "
                                              "figure of every case they implement")

    @field_validator("cases", "gemm_dtypes", "host_memory", "spec_tools")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        doubled = sorted({v for v in values if values.count(v) > 1})
        if doubled:
            raise ValueError(f"lists {', '.join(doubled)} more than once")
        return values


INFO = BenchmarkInfo(
    name="specs",
    title="Hardware spec sheet",
    kind=vocab.SPECS,
    task="硬件规格 hardware spec sheet",
    model="torch.mm, copy_, torch.distributed collectives",
    dataset="none (synthetic tensors)",
    quality_metric=vocab.PERCENT_OF_DATASHEET,
    quality_label="实测值/标称值 measured / datasheet (%)",
    notebook="specs.ipynb",
)
DECLARATION = BenchmarkDeclaration(SpecsParams, INFO)
