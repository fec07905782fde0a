"""Reference records on disk: one JSON per vendor of an imported page under
reports/references/, named by benchmark, vendor and framework (``ReferencePage.id``).

Writing never follows a link and never replaces what is not a plain file: ``references/``
must be a real folder (not a symlink) and each record's name either free or a regular file
(not a symlink, FIFO, device or folder); otherwise the import is refused with one line before
anything is written. A record is written to a temporary name inside that folder (opened
relative to the folder's descriptor, ``O_NOFOLLOW | O_EXCL``) and renamed over its name.

Reading is bounded (``RECORD_LIMIT``), and a record whose numbers are not finite or not in
range, or whose JSON is too deep, is skipped like any unreadable one.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files.reading import describe_os_error, read_text_bounded
from perfkit.importing.limits import MAX_MAGNITUDE, MIB
from perfkit.importing.readme import PageError, ReferencePage, split_by_vendor
from perfkit.results.store import _clean

REFERENCES = "references"
RECORD_LIMIT = 16 * MIB  # one reference record read back


def references_dir(reports: Path) -> Path:
    return reports / REFERENCES


def write_references(pages: list[ReferencePage], folder: Path) -> list[Path]:
    """Write every page, one record per vendor (all were parsed before the first write); two
    different pages for one record in the same call are refused before anything is written."""
    seen: dict[str, ReferencePage] = {}
    for page in [record for original in pages for record in split_by_vendor(original)]:
        other = seen.get(page.id)
        if other is not None and other.sha256 != page.sha256:
            raise PageError(f"{page.path or page.source}: would replace {other.path or other.source} "
                            f"(both file as {page.id}) in the same import; import them separately")
        seen[page.id] = page
    targets = []
    for page in seen.values():  # every name checked before the first write
        try:
            name = paths.safe_name(f"{page.id}.json", f"{page.source}: record name")
        except UserError as exc:
            raise PageError(str(exc)) from None
        targets.append((page, Path(folder) / name))  # never resolved: a link in its place is refused, not followed
    if not targets:
        return []
    dir_fd = _open_folder(folder)
    try:
        for _, path in targets:
            _check_target(dir_fd, path)
        written = []
        for page, path in targets:
            text = json.dumps(_clean(page.to_dict()), indent=2, ensure_ascii=False) + "\n"
            _write_in(dir_fd, path, text)
            written.append(path)
        return written
    finally:
        os.close(dir_fd)


def _open_folder(folder: Path) -> int:
    """A descriptor on ``folder``, created when missing; refused when it is a symlink or not a folder."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass
        info = os.lstat(folder)
        if stat.S_ISLNK(info.st_mode):
            raise PageError(f"{folder}: is a symbolic link; perfkit writes records only into a real folder "
                            "(remove the link)")
        if not stat.S_ISDIR(info.st_mode):
            raise PageError(f"{folder}: exists and is not a folder; records cannot be written there")
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise PageError(f"{folder}: cannot write records there ({describe_os_error(exc)})") from None


def _check_target(dir_fd: int, path: Path) -> None:
    try:
        info = os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PageError(f"{path}: cannot check it ({describe_os_error(exc)})") from None
    if stat.S_ISLNK(info.st_mode):
        raise PageError(f"{path}: is a symbolic link; perfkit does not write through links (remove it)")
    if not stat.S_ISREG(info.st_mode):
        raise PageError(f"{path}: is not a regular file (folder, FIFO, device or socket); perfkit replaces only "
                        "record files it wrote")


def _write_in(dir_fd: int, path: Path, text: str) -> None:
    temp = f".{path.name}.{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(temp, flags, 0o666, dir_fd=dir_fd)
    except OSError as exc:
        raise PageError(f"{path}: cannot write ({describe_os_error(exc)})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _check_target(dir_fd, path)  # checked again right before the rename
        os.replace(temp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as exc:
        try:
            os.unlink(temp, dir_fd=dir_fd)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise PageError(f"{path}: cannot write ({describe_os_error(exc)})") from None
        raise


def _finite(value: Any, depth: int = 0) -> bool:
    """Every number in a record's metrics is finite and within MAX_MAGNITUDE."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return True
    if isinstance(value, (int, float)):
        return math.isfinite(value) and abs(value) <= MAX_MAGNITUDE
    if isinstance(value, dict) and depth < 2:
        return all(_finite(v, depth + 1) for v in value.values())
    return False


def load_references(folder: Path) -> list[ReferencePage]:
    """Every readable reference record, sorted by benchmark, vendor, source; unreadable ones
    (too large, not JSON, too deep, numbers out of range, a record of several vendors) skipped."""
    pages = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            page = ReferencePage.from_dict(json.loads(read_text_bounded(path, RECORD_LIMIT, UserError)))
            if not all(_finite(v) for row in page.rows for v in row.metrics.values()):
                continue
            pages.extend(split_by_vendor(page))
        except (ValueError, TypeError, OSError, RecursionError, UserError, AttributeError, KeyError):
            continue
    return sorted(pages, key=lambda p: (p.benchmark, p.vendor, p.source))
