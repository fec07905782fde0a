"""Accelerators read through their smi tool's text output: Iluvatar ``ixsmi``, Kunlunxin ``xpu-smi``.

The parsers are pure functions of the text, tested on captured outputs
(tests/fixtures/telemetry/). Both return one dict per card with the sample fields they found;
a value the tool prints as N/A is left out.

* ``ixsmi`` follows nvidia-smi: ``--query-gpu=FIELDS --format=csv,nounits`` prints a header
  line (``power.draw [W]``, ...) and one CSV line per card.
* ``xpu-smi`` without arguments prints a table with one ``|``-separated line per card under a
  header line naming its columns (DevID, PCI Addr, Model, SN, INODE, State, UseRate, L3,
  Memory, Power(W), Temp, ...). Columns are found by their header names, never by position.
"""

from __future__ import annotations

import csv
import io
import math
import re
import shutil
import subprocess

from perfkit.telemetry.nvml import aggregate
from perfkit.telemetry.source import Unavailable

IXSMI_FIELDS = ("index", "power.draw", "utilization.gpu", "memory.used", "temperature.gpu", "clocks.sm")
_IXSMI_KEYS = {
    "power.draw": "power_w",
    "utilization.gpu": "gpu_util_percent",
    "memory.used": "gpu_mem_used_mib",
    "temperature.gpu": "temperature_c",
    "clocks.sm": "sm_clock_mhz",
}
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _number(text: str) -> float | None:
    """The first number in a cell ('52.00', '52.00 W', '[N/A]' -> None)."""
    found = _NUMBER.search(text)
    if found is None:
        return None
    value = float(found.group())
    return value if math.isfinite(value) else None


def parse_ixsmi_csv(text: str) -> list[dict[str, float]]:
    """Cards from ``ixsmi --query-gpu=... --format=csv[,nounits]`` (with its header line)."""
    rows = list(csv.reader(io.StringIO(text.strip()), skipinitialspace=True))
    if not rows:
        return []
    header = [re.sub(r"\s*\[.*\]$", "", name.strip()) for name in rows[0]]
    cards = []
    for row in rows[1:]:
        if len(row) != len(header):
            continue
        card = {}
        for name, cell in zip(header, row, strict=False):
            key = _IXSMI_KEYS.get(name)
            value = _number(cell) if key else None
            if key and value is not None:
                card[key] = value
        cards.append(card)
    return cards


_XPU_COLUMNS = (  # header cell (lower case, starts with) -> (field, which number of the cell)
    ("userate", "gpu_util_percent", 0),
    ("util", "gpu_util_percent", 0),
    ("memory", "gpu_mem_used_mib", 0),
    ("power", "power_w", 0),
    ("pwr", "power_w", 0),
    ("temp", "temperature_c", 0),
)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_xpu_smi_table(text: str) -> list[dict[str, float]]:
    """Cards from ``xpu-smi``'s default table: the rows under the header line naming DevID."""
    lines = text.splitlines()
    header_at = next((i for i, line in enumerate(lines) if "|" in line and "devid" in line.lower()), None)
    if header_at is None:
        return []
    header = [cell.lower() for cell in _cells(lines[header_at])]
    columns: dict[int, tuple[str, int]] = {}
    for index, name in enumerate(header):
        for prefix, key, which in _XPU_COLUMNS:
            if name.startswith(prefix) and key not in {k for k, _ in columns.values()}:
                columns[index] = (key, which)
                break
    cards = []
    for line in lines[header_at + 1:]:
        if "|" not in line:
            continue
        cells = _cells(line)
        if len(cells) != len(header) or not cells[0].isdigit():
            continue
        card = {}
        for index, (key, which) in columns.items():
            numbers = _NUMBER.findall(cells[index])
            if len(numbers) > which:
                value = float(numbers[which])
                if key == "gpu_mem_used_mib" and cells[index].lower().rstrip().endswith("gb"):
                    value *= 1024
                card[key] = value
        cards.append(card)
    return cards


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=True)
    return done.stdout


class _SmiSource:
    name = ""
    tool = ""
    provides_power = True
    provides_energy = False

    def __init__(self, path: str) -> None:
        self._path = path

    def command(self) -> list[str]:
        raise NotImplementedError

    def parse(self, text: str) -> list[dict[str, float]]:
        raise NotImplementedError

    @classmethod
    def open(cls):
        path = shutil.which(cls.tool)
        if path is None:
            raise Unavailable(f"{cls.tool} is not on PATH")
        source = cls(path)
        try:
            cards = source.parse(_run(source.command()))
        except (OSError, subprocess.SubprocessError) as exc:
            raise Unavailable(f"{cls.tool} failed ({type(exc).__name__})") from None
        if not cards:
            raise Unavailable(f"{cls.tool} printed no card this parser recognises")
        return source

    def read(self) -> dict[str, float]:
        try:
            return aggregate(self.parse(_run(self.command())))
        except (OSError, subprocess.SubprocessError):
            return {}

    def close(self) -> None:
        return None


class IxsmiSource(_SmiSource):
    name = "ixsmi"
    tool = "ixsmi"

    def command(self) -> list[str]:
        return [self._path, f"--query-gpu={','.join(IXSMI_FIELDS)}", "--format=csv,nounits"]

    def parse(self, text: str) -> list[dict[str, float]]:
        return parse_ixsmi_csv(text)


class XpuSmiSource(_SmiSource):
    name = "xpu-smi"
    tool = "xpu-smi"

    def command(self) -> list[str]:
        return [self._path]

    def parse(self, text: str) -> list[dict[str, float]]:
        return parse_xpu_smi_table(text)
