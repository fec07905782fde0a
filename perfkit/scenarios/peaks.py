"""MFU against both peaks, each with its source: the datasheet's (the hardware file's dense
figure for the run's precision) and the measured one (the GEMM of the latest spec sheet of the
same machine, perfkit.specs.ceilings; else the engine's measured GEMM peak, perfkit.engine.peak,
where it measured one). Either is None with the reason in its source when there is none. The
run's ``mfu``/``peak_tflops``/``peak_source`` stay as they were (the datasheet when stated,
else the measured peak); these keys add the pair.
"""

from __future__ import annotations

from typing import Any

import torch

from perfkit import paths
from perfkit.engine.peak import PeakFlops, datasheet_source, declared_peak
from perfkit.errors import UserError
from perfkit.measure import metrics as m
from perfkit.params.hardware import HardwareSpec
from perfkit.specs.ceilings import Ceiling, machine_ceiling

DTYPE_NAMES = {torch.float32: "fp32", torch.bfloat16: "bf16", torch.float16: "fp16", torch.float64: "fp64"}
NO_DATASHEET = "none: the hardware file states no peak for this precision"
NO_MEASURED = "none: no spec sheet of this machine (perfkit run specs) and no measured GEMM peak"


def spec_sheet_peak(vendor: str, hardware: HardwareSpec, accelerator: str, dtype: torch.dtype) -> Ceiling | None:
    """The gemm figure of the run's dtype from the latest spec sheet of this machine, or None
    (also when the reports folder cannot be read: the run does not depend on it)."""
    name = DTYPE_NAMES.get(dtype)
    if name is None:
        return None
    try:
        return machine_ceiling(paths.reports_dir(), vendor, hardware.name, accelerator, "gemm", name)
    except (UserError, OSError):
        return None


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
        "mfu_datasheet": m.mfu(flops_per_sample, samples_per_second, datasheet),
        "peak_datasheet_tflops": datasheet,
        "peak_datasheet_source": datasheet_source(hardware) if datasheet else NO_DATASHEET,
        "mfu_measured": m.mfu(flops_per_sample, samples_per_second, measured),
        "peak_measured_tflops": measured,
        "peak_measured_source": measured_source,
    }
