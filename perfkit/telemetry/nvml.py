"""NVIDIA cards through NVML (nvidia-ml-py, the ``pynvml`` module; the optional extra ``nvidia``).

Reads every card the process can see: power (mW), utilization, memory used, temperature and
SM clock. A field a card does not report (NVMLError_NotSupported) is left out.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from perfkit.telemetry.source import Unavailable


def aggregate(cards: list[dict[str, float]]) -> dict[str, float]:
    """Node figures from per-card readings: sums, means and the hottest card (pure)."""
    out: dict[str, float] = {}

    def present(key: str) -> list[float]:
        return [card[key] for card in cards if key in card]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    rules: tuple[tuple[str, Callable[[list[float]], float]], ...] = (
        ("power_w", sum), ("gpu_mem_used_mib", sum), ("temperature_c", max),
        ("gpu_util_percent", mean), ("sm_clock_mhz", mean),
    )
    for key, how in rules:
        values = present(key)
        if values:
            out[key] = float(how(values))
    return out


class NvmlSource:
    name = "nvml"
    provides_power = True
    provides_energy = False

    def __init__(self, nvml: Any, handles: list[Any]) -> None:
        self._nvml = nvml
        self._handles = handles

    @classmethod
    def open(cls) -> NvmlSource:
        if importlib.util.find_spec("pynvml") is None:
            raise Unavailable("nvidia-ml-py is not installed (pip install 'perfkit[nvidia]')")
        nvml = importlib.import_module("pynvml")
        try:
            nvml.nvmlInit()
            count = nvml.nvmlDeviceGetCount()
            handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
        except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, ...
            raise Unavailable(f"NVML cannot start ({exc})") from None
        if not handles:
            raise Unavailable("NVML sees no card")
        return cls(nvml, handles)

    def _card(self, handle: Any) -> dict[str, float]:
        nvml = self._nvml
        reads = {
            "power_w": lambda: nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0,
            "gpu_util_percent": lambda: float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu),
            "gpu_mem_used_mib": lambda: nvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20,
            "temperature_c": lambda: float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU)),
            "sm_clock_mhz": lambda: float(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM)),
        }
        card: dict[str, float] = {}
        for key, read in reads.items():
            try:
                card[key] = float(read())
            except Exception:  # this field is not supported on this card
                continue
        return card

    def read(self) -> dict[str, float]:
        return aggregate([self._card(handle) for handle in self._handles])

    def close(self) -> None:
        try:
            self._nvml.nvmlShutdown()
        except Exception:
            pass
