"""How a vendor's named telemetry sources are opened (the factory).

The protocol and ``Unavailable`` live in perfkit.telemetry.source; each opener imports its
reader lazily, so a machine without pynvml or an SMI tool never loads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from perfkit.telemetry.source import TelemetrySource, Unavailable


def _host() -> TelemetrySource:
    from perfkit.telemetry.host import HostSource

    return HostSource()


def _nvml() -> TelemetrySource:
    from perfkit.telemetry.nvml import NvmlSource

    return NvmlSource.open()


def _ixsmi() -> TelemetrySource:
    from perfkit.telemetry.smi_text import IxsmiSource

    return IxsmiSource.open()


def _xpu_smi() -> TelemetrySource:
    from perfkit.telemetry.smi_text import XpuSmiSource

    return XpuSmiSource.open()


def _rapl() -> TelemetrySource:
    from perfkit.telemetry.rapl import RaplSource

    return RaplSource.open()


OPENERS: dict[str, Callable[[], TelemetrySource]] = {
    "host": _host,
    "nvml": _nvml,
    "ixsmi": _ixsmi,
    "xpu-smi": _xpu_smi,
    "rapl": _rapl,
}


@dataclass
class OpenedSources:
    sources: list[TelemetrySource] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)  # name -> reason

    def reasons(self) -> str:
        return "; ".join(f"{name}: {why}" for name, why in self.unavailable.items())


def open_sources(names: Sequence[str], openers: dict[str, Callable[[], TelemetrySource]] | None = None) -> OpenedSources:
    """Open the named sources in order; unknown or unavailable ones are listed with a reason."""
    openers = OPENERS if openers is None else openers
    opened = OpenedSources()
    for name in names:
        opener = openers.get(name)
        if opener is None:
            opened.unavailable[name] = f"unknown telemetry source (known: {', '.join(sorted(openers))})"
            continue
        try:
            opened.sources.append(opener())
        except Unavailable as exc:
            opened.unavailable[name] = str(exc) or "not available"
    return opened
