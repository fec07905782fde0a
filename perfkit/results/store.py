"""Reading and writing result files. Writes are atomic: a reader sees the old file or the new
one, never half of one, even when the writer is killed mid-way."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from perfkit.errors import UserError
from perfkit.files.reading import JSON_LIMIT, read_text_bounded
from perfkit.files.writing import write_file_atomic
from perfkit.results.record import RunResult

RESULT_FILE = "result.json"


def _clean(value: Any) -> Any:
    """NaN and infinities are not JSON: store them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def write_text_atomic(path: Path, text: str, *, root: Path | None = None) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename. A target that exists
    and is not a regular file (a link, a FIFO, a device, a folder) is refused, never replaced.
    With ``root`` (a perfkit tree such as reports/), every folder between ``root`` and the file
    must be a real folder, not a link. Disk full, a name over the OS limit, no permission or a
    refused target is a UserError naming the file (the old file stays)."""
    path = Path(path)
    if len(str(path)) > 4096:
        raise UserError(f"cannot write {str(path)[:300]}... (file name too long)")
    write_file_atomic(path.parent if root is None else Path(root), path, text, error=UserError)


def write_json_atomic(path: Path, data: dict[str, Any], *, root: Path | None = None) -> None:
    write_text_atomic(path, json.dumps(_clean(data), indent=2, ensure_ascii=False, sort_keys=False) + "\n", root=root)


def load_result(path: Path) -> RunResult:
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = read_text_bounded(path, JSON_LIMIT, UserError)
    except UserError as exc:  # readers skip unreadable results as ValueError
        raise ValueError(str(exc)) from None
    return RunResult.from_dict(json.loads(text))
