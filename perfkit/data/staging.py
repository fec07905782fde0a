"""Writing a folder so that nobody ever sees it half-written, and deleting only what perfkit wrote.

Builders of datasets and checkpoints write into ``<name>.partial`` beside the final folder and
swap it into place only when everything is there. Every folder written this way holds the
marker file ``.perfkit-built``; perfkit replaces (or clears, as stale staging) only a folder
that holds the marker (or, from before the marker, a perfkit manifest or initial-checkpoint
marker) or an empty folder. Anything else, a file included, is refused with one line, so that
``perfkit data build --out ~/Documents`` cannot delete what the user put there. ``perfkit data
build --force`` clears a foreign folder on the user's explicit request.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perfkit.errors import DataError
from perfkit.files.reading import describe_os_error

MARKER = ".perfkit-built"


def _perfkit_wrote(folder: Path) -> bool:
    if (folder / MARKER).is_file():
        return True
    manifest = folder / "manifest.json"
    if manifest.is_file():  # datasets perfkit built before the marker existed
        try:
            with open(manifest, "rb") as handle:
                data = json.loads(handle.read(1 << 20))
            return isinstance(data, dict) and str(data.get("builder", "")).startswith("perfkit.")
        except (OSError, ValueError):
            return False
    return (folder / "perfkit_initial.json").is_file()


def check_replaceable(final: Path, force: bool = False) -> None:
    """``final`` may be (re)written by perfkit: missing, an empty folder, a folder perfkit wrote,
    or (``force``) any folder. A file, a symlink or a foreign folder is a DataError."""
    if final.is_symlink():
        raise DataError(f"{final} is a symbolic link; give the real folder")
    if not final.exists():
        return
    if not final.is_dir():
        raise DataError(f"{final} is a file, not a folder; choose another --out")
    try:
        empty = not any(final.iterdir())
    except OSError as exc:
        raise DataError(f"{final}: cannot list ({describe_os_error(exc)})") from None
    if not empty and not force and not _perfkit_wrote(final):
        raise DataError(
            f"{final} is not empty and is not a folder perfkit built (no {MARKER}); "
            "choose an empty or new folder, or pass --force to replace it"
        )


def check_creatable(final: Path) -> None:
    """The nearest existing folder above ``final`` accepts a new folder (tried, then removed):
    /proc, a read-only mount or a file in the way is a DataError before any work is done."""
    ancestor = final.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise DataError(f"cannot write {final}: {ancestor} is not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".perfkit-probe-", dir=ancestor))
    except OSError as exc:
        raise DataError(f"cannot write {final}: {ancestor} does not accept new folders ({describe_os_error(exc)})") from None


def clear_for_build(final: Path, force: bool) -> None:
    """Before ``perfkit data build``: refuse what may not be replaced or cannot be written; with
    ``force`` remove a foreign folder the user asked to replace (perfkit's own are swapped later)."""
    final = Path(final)
    try:
        final = final.expanduser().absolute()
        check_replaceable(final, force)
        check_creatable(final)
    except OSError as exc:  # e.g. a name over the OS limit
        raise DataError(f"cannot write {str(final)[:200]} ({describe_os_error(exc)})") from None
    if force and final.is_dir() and not _perfkit_wrote(final) and any(final.iterdir()):
        try:
            shutil.rmtree(final)
        except OSError as exc:
            raise DataError(f"{final}: cannot remove ({describe_os_error(exc)})") from None


def _remove(folder: Path) -> None:
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield an empty ``<final>.partial`` to write into; when the block ends without an error it
    replaces ``final`` whole. A failed build removes its partial folder. An OSError (disk full,
    name too long, no permission) becomes a DataError naming the folder."""
    final = Path(final)
    staging = final.with_name(final.name + ".partial")
    check_replaceable(final)
    try:
        check_replaceable(staging)
    except DataError:
        raise DataError(f"{staging} exists and perfkit did not write it; move it away") from None
    try:
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        (staging / MARKER).write_text("written by perfkit; perfkit may replace this folder\n", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write {final} ({describe_os_error(exc)})") from None
    try:
        yield staging
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        staging.rename(final)
        _remove(old)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise DataError(f"cannot write {final} ({describe_os_error(exc)})") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
