"""Hardware descriptions: one YAML file per accelerator under params/hardware/ (the project's,
a plug-in's or perfkit's packaged copies: perfkit.params.sources).

They hold what a run cannot measure: the card's marketing name, its memory, peak FLOPs per
precision, the interconnect, and the seeds' 环境配置 fields a vendor states (docker image,
compiler). Fields measured at run time take precedence in reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from perfkit.errors import ParamsError
from perfkit.params import sources
from perfkit.params.loading import load_yaml_mapping

_FIELDS = (
    "name",
    "vendor",
    "short_name",
    "machine_model",
    "memory_gib",
    "memory_bandwidth_tb_s",
    "peak_tflops",
    "interconnect",
    "software",
)


@dataclass(frozen=True)
class HardwareSpec:
    name: str
    vendor: str
    short_name: str
    machine_model: str = ""
    memory_gib: float | None = None
    memory_bandwidth_tb_s: float | None = None
    peak_tflops: dict[str, float] = field(default_factory=dict)
    interconnect: str = ""
    software: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_hardware(name: str) -> HardwareSpec:
    path = sources.hardware_path(name)
    shown = sources.show(path)
    data = load_yaml_mapping(path)
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ParamsError(
            f"{shown}: unknown key '{unknown[0]}'; allowed: {', '.join(_FIELDS)}"
        )
    for key in ("name", "vendor", "short_name"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ParamsError(f"{shown}: key '{key}' is required (a string)")
    peaks = data.get("peak_tflops") or {}
    if not isinstance(peaks, dict) or not all(isinstance(v, (int, float)) for v in peaks.values()):
        raise ParamsError(f"{shown}: key 'peak_tflops' maps precision to a number")
    bandwidth = data.get("memory_bandwidth_tb_s")
    if bandwidth is not None and (isinstance(bandwidth, bool) or not isinstance(bandwidth, (int, float)) or bandwidth <= 0):
        raise ParamsError(f"{shown}: key 'memory_bandwidth_tb_s' must be a positive number (TB/s)")
    return HardwareSpec(
        name=data["name"],
        vendor=data["vendor"],
        short_name=data["short_name"],
        machine_model=str(data.get("machine_model", "")),
        memory_gib=data.get("memory_gib"),
        memory_bandwidth_tb_s=float(bandwidth) if bandwidth is not None else None,
        peak_tflops={str(k): float(v) for k, v in peaks.items()},
        interconnect=str(data.get("interconnect", "")),
        software={str(k): str(v) for k, v in (data.get("software") or {}).items()},
    )
