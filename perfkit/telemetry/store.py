"""The samples file beside result.json: ``telemetry.csv``, one row per reading, empty = not read."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path

from perfkit.telemetry.samples import COLUMNS, Sample

TELEMETRY_FILE = "telemetry.csv"


def write_samples(path: Path, samples: Sequence[Sample]) -> Path:
    """Write atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for sample in samples:
            cells = [f"{sample.t:.4f}"]
            for name in COLUMNS[1:]:
                value = sample.values.get(name)
                cells.append("" if value is None else f"{value:.6g}")
            writer.writerow(cells)
    os.replace(partial, path)
    return path


def _cell(text: str) -> float | None:
    if text.strip() == "":
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def read_samples(path: Path) -> list[Sample]:
    """Samples from a telemetry.csv; unknown columns are ignored, bad numbers raise ValueError."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "t" not in reader.fieldnames:
            raise ValueError(f"{path}: not a telemetry file (no 't' column)")
        samples = []
        for row in reader:
            values = {}
            for name in COLUMNS[1:]:
                value = _cell(row.get(name) or "")
                if value is not None:
                    values[name] = value
            samples.append(Sample(float(row["t"]), values))
    return samples
