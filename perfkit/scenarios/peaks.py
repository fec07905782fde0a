"""MFU against both peaks, each with its source: the datasheet's (the hardware file's dense
figure for the run's precision) and the measured one (the GEMM of the latest spec sheet of the
same machine, perfkit.specs.ceilings; else the engine's measured GEMM peak, perfkit.engine.peak,
where it measured one). Either is None with the reason in its source when there is none. The
run's ``mfu``/``peak_tflops``/``peak_source`` stay as they were (the datasheet when stated,
else the measured peak); these keys add the pair. ``roofline`` places the run on its machine's
roofline (the record's ``roofline``).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from perfkit import paths
from perfkit.engine.peak import PeakFlops, datasheet_source, declared_peak
from perfkit.errors import UserError
from perfkit.measure import metrics as m
from perfkit.params.hardware import HardwareSpec
from perfkit.results import vocabulary as vocab
from perfkit.specs.ceilings import Ceiling, machine_ceilings

DTYPE_NAMES = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16", torch.float64: "fp64"}
NO_DATASHEET = "none: the hardware file states no peak for this precision"
NO_MEASURED = "none: no spec sheet of this machine (perfkit run specs) and no measured GEMM peak"


def spec_sheet_ceilings(vendor: str, hardware: HardwareSpec, accelerator: str,
                        dtype: torch.dtype) -> tuple[Ceiling | None, Ceiling | None]:
    """The gemm figure of the run's dtype and the memory bandwidth from the latest spec sheet of
    this machine, each None where there is none (also when the reports folder cannot be read:
    the run does not depend on it)."""
    name = DTYPE_NAMES.get(dtype)
    wanted = [("gemm", name or "-"), ("memory_bandwidth", "copy")]
    try:
        gemm, bandwidth = machine_ceilings(paths.reports_dir(), vendor, hardware.name, accelerator, wanted)
    except (UserError, OSError):
        return None, None
    return (gemm if name else None), bandwidth


def spec_sheet_peak(vendor: str, hardware: HardwareSpec, accelerator: str, dtype: torch.dtype) -> Ceiling | None:
    """The gemm figure of the run's dtype from the latest spec sheet of this machine, or None."""
    return spec_sheet_ceilings(vendor, hardware, accelerator, dtype)[0]


INTENSITY_NOT_STATED = ("omitted: the benchmark states no bytes moved per sample, so the run has no arithmetic "
                        "intensity (x) on the roofline")


def roofline(flops_per_sample: float, samples_per_second: float, hardware: HardwareSpec, precision: str,
             spec_gemm: Ceiling | None, spec_bandwidth: Ceiling | None,
             bytes_per_sample: float | None = None) -> dict[str, Any]:
    """The run on its machine's roofline: achieved TFLOP/s (y), arithmetic intensity in FLOP
    per byte (x) where the benchmark states the bytes it moves (else None and why), and the
    ceilings with their sources: compute and memory bandwidth, measured (the spec sheet) and
    datasheet (the hardware file); a ceiling there is none of is None with the reason."""
    achieved = flops_per_sample * samples_per_second / 1e12 if math.isfinite(samples_per_second) else None
    intensity = flops_per_sample / bytes_per_sample if bytes_per_sample else None
    datasheet_compute = declared_peak(hardware, precision)
    datasheet_bandwidth = hardware.memory_bandwidth_tb_s * 1000.0 if hardware.memory_bandwidth_tb_s else None
    no_sheet = "none: no spec sheet of this machine with this case (perfkit run specs)"

    def ceiling(value: float | None, unit: str, source: str) -> dict[str, Any]:
        return {"value": value, "unit": unit, "source": source}

    return {
        "achieved_tflops": achieved,
        "arithmetic_intensity": intensity,
        "intensity_note": "FLOPs per sample / bytes per sample" if intensity is not None else INTENSITY_NOT_STATED,
        "compute_measured": ceiling(spec_gemm.value if spec_gemm else None, "TFLOP/s",
                                    spec_gemm.source if spec_gemm else no_sheet),
        "compute_datasheet": ceiling(datasheet_compute, "TFLOP/s",
                                     datasheet_source(hardware) if datasheet_compute else NO_DATASHEET),
        "bandwidth_measured": ceiling(spec_bandwidth.value if spec_bandwidth else None, "GB/s",
                                      spec_bandwidth.source if spec_bandwidth else no_sheet),
        "bandwidth_datasheet": ceiling(datasheet_bandwidth, "GB/s", datasheet_source(hardware) if datasheet_bandwidth
                                       else "none: the hardware file states no memory bandwidth"),
    }


def peak_metrics(flops_per_sample: float, samples_per_second: float, hardware: HardwareSpec, precision: str,
                 spec_peak: Ceiling | None, engine_peak: PeakFlops | None) -> dict[str, Any]:
    """``mfu_datasheet``, ``peak_datasheet_tflops``, ``peak_datasheet_source``, ``mfu_measured``,
    ``peak_measured_tflops``, ``peak_measured_source``."""
    datasheet = declared_peak(hardware, precision)
    if spec_peak is not None:
        measured, measured_source = spec_peak.value, spec_peak.source
    elif engine_peak is not None and engine_peak.tflops and engine_peak.source.startswith("measured"):
        measured, measured_source = engine_peak.tflops, f"GEMM peak {engine_peak.source}"
    else:
        measured, measured_source = None, NO_MEASURED
    return {
        vocab.MFU_DATASHEET: m.mfu(flops_per_sample, samples_per_second, datasheet),
        vocab.PEAK_DATASHEET_TFLOPS: datasheet,
        vocab.PEAK_DATASHEET_SOURCE: datasheet_source(hardware) if datasheet else NO_DATASHEET,
        vocab.MFU_MEASURED: m.mfu(flops_per_sample, samples_per_second, measured),
        vocab.PEAK_MEASURED_TFLOPS: measured,
        vocab.PEAK_MEASURED_SOURCE: measured_source,
    }
