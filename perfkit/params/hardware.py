"""Hardware descriptions: one YAML file per accelerator under params/hardware/.

They hold what a run cannot measure: the card's marketing name, its memory, peak FLOPs per
precision, the interconnect, and the seeds' 环境配置 fields a vendor states (docker image,
compiler). Fields measured at run time take precedence in reports.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from perfkit import paths
from perfkit.errors import ParamsError
from perfkit.params.loading import checked_name, load_yaml_mapping

_FIELDS = (
    "name",
    "vendor",
    "short_name",
    "machine_model",
    "memory_gib",
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
    peak_tflops: dict[str, float] = field(default_factory=dict)
    interconnect: str = ""
    software: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_hardware(name: str) -> HardwareSpec:
    folder = paths.params_dir() / "hardware"
    path = folder / f"{checked_name(name, 'hardware')}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise ParamsError(f"unknown hardware '{name}' (no file params/hardware/{name}.yaml); allowed: {known}")
    data = load_yaml_mapping(path)
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ParamsError(
            f"params/hardware/{name}.yaml: unknown key '{unknown[0]}'; allowed: {', '.join(_FIELDS)}"
        )
    for key in ("name", "vendor", "short_name"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ParamsError(f"params/hardware/{name}.yaml: key '{key}' is required (a string)")
    peaks = data.get("peak_tflops") or {}
    if not isinstance(peaks, dict) or not all(isinstance(v, (int, float)) for v in peaks.values()):
        raise ParamsError(f"params/hardware/{name}.yaml: key 'peak_tflops' maps precision to a number")
    return HardwareSpec(
        name=data["name"],
        vendor=data["vendor"],
        short_name=data["short_name"],
        machine_model=str(data.get("machine_model", "")),
        memory_gib=data.get("memory_gib"),
        peak_tflops={str(k): float(v) for k, v in peaks.items()},
        interconnect=str(data.get("interconnect", "")),
        software={str(k): str(v) for k, v in (data.get("software") or {}).items()},
    )
