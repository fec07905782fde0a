"""Every run on its machine's roofline, for the index: one table per hardware with each run's
achieved TFLOP/s against the compute ceilings its record holds (``metrics.roofline``,
perfkit.scenarios.peaks: the spec sheet's measured gemm and the datasheet), and its arithmetic
intensity where the benchmark states the bytes it moves (else the record's reason). Records are
untrusted: a value that is not a finite number is shown as missing. No torch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from perfkit.report.tables import fmt
from perfkit.results import run_folder
from perfkit.results.record import RunResult

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
    line = result.metrics.get("roofline")
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


def roofline_tables(runs: list[tuple[Path, RunResult]], reports: Path) -> dict[str, pd.DataFrame]:
    """Per hardware (the hardware file's name, else the vendor), its ok runs with a roofline."""
    rows: dict[str, list[dict[str, str]]] = {}
    for run_dir, result in runs:
        if result.status != "ok":
            continue
        row = roofline_row(run_folder.run_id(run_dir, reports), result)
        if row is None:
            continue
        name = result.hardware.get("name") if isinstance(result.hardware, dict) else None
        rows.setdefault(name if isinstance(name, str) and name else result.vendor, []).append(row)
    return {name: pd.DataFrame(rows[name], columns=list(COLUMNS)) for name in sorted(rows)}


def displayed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns=HEADERS)
