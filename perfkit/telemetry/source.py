"""What a telemetry source is: the protocol every reader implements, and the exception that says
a source cannot run on this machine.

A source reads some of the sample fields (perfkit.telemetry.samples) each time it is asked.
Opening one that cannot work here (library missing, tool absent, file unreadable) raises
``Unavailable`` with the reason, which the run's note repeats: "not available" is a result, not
an error. The readers (host, nvml, smi_text, rapl) import this module; the factory that opens
them by name (perfkit.telemetry.sources) imports the readers, so nothing loops.
"""

from __future__ import annotations

from typing import Protocol


class TelemetrySource(Protocol):
    name: str
    provides_power: bool  # reads power_w (an accelerator's board power)
    provides_energy: bool  # reads cpu_energy_j (a cumulative counter)

    def read(self) -> dict[str, float]:
        """The fields this source measures now; a field it could not read is left out."""

    def close(self) -> None:
        """Release what the source holds (library handles)."""


class Unavailable(Exception):
    """A source cannot run on this machine; the message says why."""
