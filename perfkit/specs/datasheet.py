"""The datasheet value each case is held against, from the hardware file
(perfkit.params.hardware), in the case's unit:

* gemm <dtype>: ``peak_tflops[dtype]`` (TFLOP/s), int8: ``peak_tops["int8"]`` (TOP/s);
* memory_bandwidth: ``memory_bandwidth_tb_s`` × 1000 (GB/s);
* memory_capacity: ``memory_gib`` (GiB);
* all_reduce, all_gather, p2p: ``interconnect_gb_s`` (GB/s; busbw is what nccl-tests holds
  against the link bandwidth);
* h2d, d2h: none in the hardware file (the host link is not stated as a number).

A figure the file does not give is None: the result shows the measurement alone, never a
guessed ceiling.
"""

from __future__ import annotations

from perfkit.params.hardware import HardwareSpec
from perfkit.specs.result import CaseResult, Measured


def datasheet_value(hardware: HardwareSpec, case: str, variant: str = "") -> float | None:
    """The hardware file's figure for ``case`` (and the gemm dtype in ``variant``), or None."""
    if case == "gemm":
        return hardware.peak_tops.get(variant) if variant == "int8" else hardware.peak_tflops.get(variant)
    if case == "memory_bandwidth":
        return hardware.memory_bandwidth_tb_s * 1000.0 if hardware.memory_bandwidth_tb_s else None
    if case == "memory_capacity":
        return hardware.memory_gib
    if case in ("all_reduce", "all_gather", "p2p"):
        return hardware.interconnect_gb_s
    return None


def with_datasheet(result: CaseResult, hardware: HardwareSpec) -> CaseResult:
    """``result`` with the datasheet value and its source filled in (Measured only)."""
    if not isinstance(result, Measured):
        return result
    return result.with_datasheet(datasheet_value(hardware, result.case, result.variant),
                                 f"datasheet ({hardware.name}, hardware file)")
