"""The samples file beside result.json: ``telemetry.csv``, one row per reading, empty = not read."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

from perfkit.files.writing import write_file_atomic
from perfkit.telemetry.samples import COLUMNS, Sample

TELEMETRY_FILE = "telemetry.csv"


def write_samples(path: Path, samples: Sequence[Sample], root: Path | None = None) -> Path:
    """Write atomically (temporary file in the same folder, then rename). A ``telemetry.csv``
    that is a link, a FIFO or a device is refused (UserError), never replaced or written
    through; with ``root`` (the run folder's tree) no folder below ``root`` may be a link."""
    handle = io.StringIO(newline="")
    writer = csv.writer(handle)
    writer.writerow(COLUMNS)
    for sample in samples:
        cells = [f"{sample.t:.4f}"]
        for name in COLUMNS[1:]:
            value = sample.values.get(name)
            cells.append("" if value is None else f"{value:.6g}")
        writer.writerow(cells)
    path = Path(path)
    write_file_atomic(path.parent if root is None else root, path, handle.getvalue())
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
