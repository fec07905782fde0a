"""Reading and writing result files. Writes are atomic: a reader sees the old file or the new
one, never half of one, even when the writer is killed mid-way."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from perfkit.errors import UserError
from perfkit.files.reading import JSON_LIMIT, describe_os_error, read_text_bounded
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


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename. Disk full, a name over
    the OS limit or no permission is a UserError naming the file (the old file stays)."""
    try:
        _write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {str(path)[:300]} ({describe_os_error(exc)})") from None


def _write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(_clean(data), indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def load_result(path: Path) -> RunResult:
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        text = read_text_bounded(path, JSON_LIMIT, UserError)
    except UserError as exc:  # readers skip unreadable results as ValueError
        raise ValueError(str(exc)) from None
    return RunResult.from_dict(json.loads(text))
