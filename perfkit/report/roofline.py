"""Every run on its machine's roofline: a run's point and ceilings from its record
(``metrics.roofline``, perfkit.scenarios.peaks: achieved TFLOP/s, arithmetic intensity where the
benchmark states the bytes it moves, the spec sheet's measured gemm and bandwidth, the
datasheet's), and for the index, per hardware, one table and one plot's worth (``Point``s and
``Roof``s; perfkit.report.roofline_plot draws them) of every ok run. Records are untrusted: a
value that is not a finite number is shown as missing. No torch, no matplotlib.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit.report.spec_sheet import hardware_name, latest_sheets
from perfkit.report.table import Table
from perfkit.report.tables import fmt
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.specs.ceilings import sheet_ceiling

COLUMNS = ("run", "achieved", "measured ceiling", "% of measured", "datasheet ceiling", "% of datasheet", "intensity")
HEADERS = {
    "run": "运行 run",
    "achieved": "实测算力 achieved (TFLOP/s)",
    "measured ceiling": "实测峰值 measured ceiling (TFLOP/s)",
    "% of measured": "占实测峰值 of measured (%)",
    "datasheet ceiling": "标称峰值 datasheet ceiling (TFLOP/s)",
    "% of datasheet": "占标称峰值 of datasheet (%)",
    "intensity": "算术强度 arithmetic intensity (FLOP/B)",
}


COMPUTE_KEYS = (("compute_measured", "measured GEMM"), ("compute_datasheet", "datasheet"))
BANDWIDTH_KEYS = (("bandwidth_measured", "measured bandwidth"), ("bandwidth_datasheet", "datasheet bandwidth"))
SOURCE_CHARS = 90


@dataclass(frozen=True)
class Roof:
    """A ceiling: ``kind`` compute (``value`` in TFLOP/s) or bandwidth (``value`` in GB/s)."""
    kind: str
    name: str  # "measured GEMM", "datasheet", "measured bandwidth", "datasheet bandwidth"
    value: float
    source: str


@dataclass(frozen=True)
class Point:
    """A run on the roofline: achieved TFLOP/s, its arithmetic intensity (None: not stated) and why not."""
    label: str
    achieved_tflops: float
    intensity: float | None
    note: str


PLOTTED_RANGE = (1e-12, 1e12)  # TFLOP/s, GB/s, FLOP/byte: outside it a record's figure is not plotted


def _positive(value: Any) -> float | None:
    """A figure to plot: finite, positive and within ``PLOTTED_RANGE`` (so that scaling to FLOP/s
    and the plot's margins stay finite), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if PLOTTED_RANGE[0] <= value <= PLOTTED_RANGE[1] else None


def short_text(value: Any, limit: int = SOURCE_CHARS) -> str:
    text = value if isinstance(value, str) else ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def point_of(label: str, line: Any) -> Point | None:
    """The run's point from its record's ``roofline``, or None when it has no finite achieved rate."""
    if not isinstance(line, dict):
        return None
    achieved = _positive(line.get("achieved_tflops"))
    if achieved is None:
        return None
    return Point(short_text(label, 60), achieved, _positive(line.get("arithmetic_intensity")), short_text(line.get("intensity_note"), 300))


def roofs_of(line: Any) -> list[Roof]:
    """The ceilings a record's ``roofline`` holds with a finite positive value."""
    roofs = []
    for kind, keys in (("compute", COMPUTE_KEYS), ("bandwidth", BANDWIDTH_KEYS)):
        for key, name in keys:
            found = line.get(key) if isinstance(line, dict) else None
            if not isinstance(found, dict):
                continue
            value = _positive(found.get("value"))
            if value is not None:
                roofs.append(Roof(kind, name, value, short_text(found.get("source"))))
    return roofs


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _ceiling(line: dict[str, Any], key: str) -> float | None:
    found = line.get(key)
    value = _num(found.get("value")) if isinstance(found, dict) else None
    return value if value is not None and value > 0 else None


def _percent(achieved: float | None, ceiling: float | None) -> str:
    return "" if achieved is None or ceiling is None else fmt(100 * achieved / ceiling, 1)


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def roofline_row(run_id: str, result: RunResult) -> dict[str, str] | None:
    """The run's row, or None when its record holds no roofline (a spec sheet, an older run)."""
    line = result.metrics.get(vocab.ROOFLINE)
    if not isinstance(line, dict):
        return None
    achieved = _num(line.get("achieved_tflops"))
    measured, datasheet = _ceiling(line, "compute_measured"), _ceiling(line, "compute_datasheet")
    intensity = _num(line.get("arithmetic_intensity"))
    note = line.get("intensity_note")
    return {"run": run_id, "achieved": _figure(achieved), "measured ceiling": _figure(measured),
            "% of measured": _percent(achieved, measured), "datasheet ceiling": _figure(datasheet),
            "% of datasheet": _percent(achieved, datasheet),
            "intensity": _figure(intensity) if intensity is not None else (note[:200] if isinstance(note, str) else "")}


def roofline_tables(runs: list[tuple[Path, RunResult]], reports: Path) -> dict[str, Table]:
    """Per hardware (the hardware file's name, else the vendor), its ok runs with a roofline."""
    rows: dict[str, list[dict[str, str]]] = {}
    for run_dir, result in runs:
        if result.status != vocab.OK:
            continue
        row = roofline_row(run_folder.run_id(run_dir, reports), result)
        if row is None:
            continue
        rows.setdefault(hardware_name(result), []).append(row)
    return {name: Table.of_records(rows[name], list(COLUMNS)) for name in sorted(rows)}


def displayed(table: Table) -> Table:
    return table.renamed(HEADERS)


@dataclass(frozen=True)
class HardwareRoofline:
    """One hardware's plot: its runs' points and its ceilings."""
    points: list[Point]
    roofs: list[Roof]


def _precision(result: RunResult) -> str:
    params = result.run.get("params") if isinstance(result.run, dict) else None
    value = params.get("precision") if isinstance(params, dict) else None
    return value if isinstance(value, str) else ""


def _renamed(roof: Roof, suffix: str) -> Roof:
    return Roof(roof.kind, roof.name + suffix, roof.value, roof.source)


def _ceilings(runs: list[RunResult], sheet: tuple[str, RunResult] | None) -> list[Roof]:
    """One hardware's ceilings: per precision its runs used, the measured GEMM of the latest spec
    sheet (else the runs' recorded one) and the datasheet's; the memory bandwidth measured by
    that sheet (else recorded) and the datasheet's. With several precisions, a compute ceiling's
    name ends with its precision."""
    precisions = sorted({_precision(r) for r in runs})
    roofs: list[Roof] = []
    for precision in precisions:
        recorded = [roof for r in runs if _precision(r) == precision for roof in roofs_of(r.metrics.get(vocab.ROOFLINE))]
        suffix = f" {precision}" if len(precisions) > 1 and precision else ""
        gemm = sheet_ceiling(sheet[0], sheet[1], "gemm", precision) if sheet and precision else None
        if gemm is not None:
            roofs.append(Roof("compute", "measured GEMM" + suffix, gemm.value, short_text(gemm.source)))
        else:
            roofs += [_renamed(r, suffix) for r in recorded if r.kind == "compute" and r.name.startswith("measured")]
        roofs += [_renamed(r, suffix) for r in recorded if r.kind == "compute" and not r.name.startswith("measured")]
    recorded = [roof for r in runs for roof in roofs_of(r.metrics.get(vocab.ROOFLINE)) if roof.kind == "bandwidth"]
    copy = sheet_ceiling(sheet[0], sheet[1], "memory_bandwidth", "copy") if sheet else None
    if copy is not None:
        roofs.append(Roof("bandwidth", "measured bandwidth", copy.value, short_text(copy.source)))
    else:
        roofs += [r for r in recorded if r.name.startswith("measured")]
    roofs += [r for r in recorded if not r.name.startswith("measured")]
    return list(dict.fromkeys(roofs))


def hardware_rooflines(runs: list[tuple[Path, RunResult]], reports: Path) -> dict[str, HardwareRoofline]:
    """Per hardware (as ``roofline_tables`` names it), every ok run with a roofline as a labelled
    point (its run folder), and the ceilings of ``_ceilings`` from that hardware's latest ok spec
    sheet and the runs' records."""
    grouped: dict[str, list[tuple[Path, RunResult]]] = {}
    for run_dir, result in runs:
        if result.status == vocab.OK and result.kind != vocab.SPECS and isinstance(result.metrics.get(vocab.ROOFLINE), dict):
            grouped.setdefault(hardware_name(result), []).append((run_dir, result))
    sheets = {name: (run_folder.run_id(run_dir, reports), sheet) for name, run_dir, sheet in latest_sheets(runs)}
    found: dict[str, HardwareRoofline] = {}
    for name in sorted(grouped):
        points = [point_of(run_folder.run_id(run_dir, reports), result.metrics[vocab.ROOFLINE]) for run_dir, result in grouped[name]]
        found[name] = HardwareRoofline([p for p in points if p is not None],
                                       _ceilings([result for _, result in grouped[name]], sheets.get(name)))
    return found
