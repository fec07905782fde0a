"""Hardware descriptions: one YAML file per accelerator under params/hardware/ (the project's,
a plug-in's or perfkit's packaged copies: perfkit.params.sources).

They hold what a run cannot measure: the card's marketing name, its memory, peak FLOPs per
precision, the interconnect, and the seeds' 环境配置 fields a vendor states (docker image,
compiler). Fields measured at run time take precedence in reports.

Datasheet figures (the spec cases hold their measurements against them): ``peak_tflops`` (dense,
per dtype: fp64, fp32, tf32, fp16, bf16, fp8, in TFLOPS), ``peak_tops`` (dense integer: int8, in TOPS), ``memory_gib``,
``memory_bandwidth_tb_s``, ``interconnect_gb_s`` (the card's card-to-card link bandwidth as the
datasheet states it, e.g. NVLink's total per GPU) and ``tdp_w``. Each is a finite number above 0,
or absent (null): a figure no datasheet gives stays absent, never guessed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from perfkit.errors import ParamsError
from perfkit.params import sources
from perfkit.params.limits import short_repr
from perfkit.params.loading import load_yaml_mapping

_FIELDS = (
    "name",
    "vendor",
    "short_name",
    "machine_model",
    "memory_gib",
    "memory_bandwidth_tb_s",
    "peak_tflops",
    "peak_tops",
    "interconnect",
    "interconnect_gb_s",
    "tdp_w",
    "software",
)
_NUMBERS = {"memory_gib": "GiB", "memory_bandwidth_tb_s": "TB/s", "interconnect_gb_s": "GB/s", "tdp_w": "W"}


@dataclass(frozen=True)
class HardwareSpec:
    name: str
    vendor: str
    short_name: str
    machine_model: str = ""
    memory_gib: float | None = None
    memory_bandwidth_tb_s: float | None = None
    peak_tflops: dict[str, float] = field(default_factory=dict)
    peak_tops: dict[str, float] = field(default_factory=dict)
    interconnect: str = ""
    software: dict[str, str] = field(default_factory=dict)
    interconnect_gb_s: float | None = None
    tdp_w: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


MAX_FIGURE = 1e9  # far above any card's TFLOP/s, TB/s or GiB


def _positive(value: object, key: str, unit: str, shown: str) -> float | None:
    """A stated figure: absent (None), or a finite number > 0 and at most MAX_FIGURE. A peak of
    -1, 0, NaN or inf would make every MFU negative, infinite or blank."""
    if value is None:
        return None
    number = math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e300:
        number = float(value)
    if not 0 < number <= MAX_FIGURE:  # also refuses nan
        raise ParamsError(f"{shown}: key '{key[:80]}' must be a number > 0 and at most {MAX_FIGURE:.0e} ({unit}), "
                          f"got {short_repr(value)}")
    return number


def _text(value: object) -> str:
    """A stated text; null (or absent) is empty, never the word None."""
    return "" if value is None else str(value)


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
    tables: dict[str, dict[str, float]] = {}
    for key, unit in (("peak_tflops", "TFLOPS"), ("peak_tops", "TOPS")):
        table = data.get(key) or {}
        if not isinstance(table, dict):
            raise ParamsError(f"{shown}: key '{key}' maps precision to a finite number above 0 ({unit})")
        # a precision given no figure (null) is not stated, as an absent one
        stated = {str(k): _positive(v, f"{key}.{k}", unit, shown) for k, v in table.items()}
        tables[key] = {k: figure for k, figure in stated.items() if figure is not None}
    numbers = {key: _positive(data.get(key), key, unit, shown) for key, unit in _NUMBERS.items()}
    software = data.get("software") or {}
    if not isinstance(software, dict):
        raise ParamsError(f"{shown}: key 'software' maps a component (os, driver, ...) to its version")
    return HardwareSpec(
        name=data["name"],
        vendor=data["vendor"],
        short_name=data["short_name"],
        machine_model=_text(data.get("machine_model")),
        memory_gib=numbers["memory_gib"],
        memory_bandwidth_tb_s=numbers["memory_bandwidth_tb_s"],
        interconnect_gb_s=numbers["interconnect_gb_s"],
        tdp_w=numbers["tdp_w"],
        peak_tflops=tables["peak_tflops"],
        peak_tops=tables["peak_tops"],
        interconnect=_text(data.get("interconnect")),
        software={str(k): _text(v) for k, v in software.items() if v is not None},
    )

