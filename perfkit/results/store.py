"""Reading and writing result files. Writes are atomic: a reader sees the old file or the new
one, never half of one, even when the writer is killed mid-way.

Reading is strict and the same for every reader (report, ``report --markdown``, compare,
``perfkit.report.load()``, the index, suites): a regular file of at most ``RESULT_LIMIT`` bytes,
UTF-8, JSON nested at most ``MAX_DEPTH`` deep with finite numbers only, meeting the record's
schema (perfkit.results.schema). Anything else is a :class:`ResultFileError`, one line naming
the file. A reader given one file refuses it (exit 2); a reader scanning a tree
(:func:`load_results`) skips it with one warning line naming the file, never silently.
The writer bounds what it stores (perfkit.results.curves) far below ``RESULT_LIMIT``."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from perfkit.errors import UserError
from perfkit.files.json_strict import MAX_DEPTH, loads_strict
from perfkit.files.reading import JSON_LIMIT, describe_os_error, read_text_bounded
from perfkit.files.writing import write_file_atomic
from perfkit.results.record import RunResult
from perfkit.results.schema import validate_result

RESULT_FILE = "result.json"
RESULT_LIMIT = JSON_LIMIT  # 16 MiB; perfkit's own writer stays under 2 MiB (perfkit.results.curves)


class ResultFileError(UserError, ValueError):
    """A result.json that cannot be read: too large, not a regular file, not UTF-8, not JSON,
    too deep, a number out of range, or not a record. A ValueError too, for older callers."""


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
    """The record in ``path``, strictly checked; a ResultFileError naming the file otherwise
    (FileNotFoundError when there is no file)."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file")
    shown = str(path)[:300]
    text = read_text_bounded(path, RESULT_LIMIT, ResultFileError, shown)
    data = loads_strict(text, shown, ResultFileError, MAX_DEPTH)
    problem = validate_result(data, shown)
    if problem:
        raise ResultFileError(problem)
    try:
        return RunResult.from_dict(data)
    except (TypeError, ValueError) as exc:
        raise ResultFileError(f"{shown}: {' '.join(str(exc).split())[:160]}") from None


def warn_skipped(path: Path, reason: str) -> None:
    """One line on stderr: a file a scan could not read, and that it was left out."""
    print(f"perfkit: warning: skipped {str(path)[:300]}: {reason}", file=sys.stderr)


def load_results(files: Iterable[Path]) -> list[tuple[Path, RunResult]]:
    """(file, record) for every readable result among ``files``, in their order; each file that
    cannot be read is left out with one warning line naming it (never silently)."""
    out = []
    for path in files:
        try:
            out.append((path, load_result(path)))
        except ResultFileError as exc:
            message = str(exc)
            shown = str(path)[:300]
            warn_skipped(path, message[len(shown) + 2:] if message.startswith(shown + ": ") else message)
        except OSError as exc:
            warn_skipped(path, describe_os_error(exc))
    return out
