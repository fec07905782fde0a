"""CPU package energy from Linux RAPL (``/sys/class/powercap/intel-rapl:N/energy_uj``).

Each package domain's counter counts microjoules and wraps to 0 after ``max_energy_range_uj``;
the source unfolds wrap-arounds and reports the energy of all packages since it opened. Many
kernels make energy_uj readable by root only: then the source is not available.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from perfkit.telemetry.energy import counter_delta
from perfkit.telemetry.source import Unavailable

POWERCAP = Path("/sys/class/powercap")
_PACKAGE = re.compile(r"^intel-rapl:\d+$")  # packages only; intel-rapl:0:0 (core, dram) are inside


def _read_int(path: Path) -> int:
    return int(path.read_text(encoding="ascii").strip())


@dataclass
class _Domain:
    counter: Path
    max_range: int
    last: int
    total_uj: int = 0


class RaplSource:
    name = "rapl"
    provides_power = False
    provides_energy = True

    def __init__(self, domains: list[_Domain]) -> None:
        self._domains = domains

    @classmethod
    def open(cls, root: Path = POWERCAP) -> RaplSource:
        if not root.is_dir():
            raise Unavailable(f"{root} does not exist")
        domains = []
        reasons = []
        for folder in sorted(root.iterdir()):
            if not _PACKAGE.fullmatch(folder.name) or folder.is_symlink() and not folder.resolve().is_dir():
                continue
            try:
                counter = folder / "energy_uj"
                domains.append(_Domain(counter, _read_int(folder / "max_energy_range_uj"), _read_int(counter)))
            except (OSError, ValueError) as exc:
                reasons.append(f"{folder.name}: {type(exc).__name__}")
        if not domains:
            detail = f" ({', '.join(reasons)})" if reasons else ""
            raise Unavailable(f"no readable RAPL package counter under {root}{detail}")
        return cls(domains)

    def read(self) -> dict[str, float]:
        for domain in self._domains:
            current = _read_int(domain.counter)
            domain.total_uj += counter_delta(domain.last, current, domain.max_range)
            domain.last = current
        return {"cpu_energy_j": sum(d.total_uj for d in self._domains) / 1e6}

    def close(self) -> None:
        return None
