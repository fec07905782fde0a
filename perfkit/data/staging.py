"""Writing a folder so that nobody ever sees it half-written, and deleting only what perfkit wrote.

Builders of datasets and checkpoints write into ``<name>.partial`` beside the final folder and
swap it into place only when everything is there. Every folder built this way holds the
ownership marker ``.perfkit-owned.json`` (see perfkit.files.writing) listing each file the
builder wrote. That list, not the marker's mere presence, is the proof:

* a folder may be replaced only when it is missing, empty, or every entry in it is a file its
  marker lists (or lies inside a folder perfkit built within it, such as the initial
  checkpoint in a bert_inference set). A file a user added is named in a one-line refusal,
  and kept;
* an empty or foreign marker (the ``.perfkit-built`` of earlier versions included) proves
  nothing. Sets built before the marker had content are recognised by their ``manifest.json``
  from a perfkit builder, whose ``files`` list is the proof for them;
* a replaced folder loses only the files listed; folders are removed only when empty; no link
  is followed, a link where a listed file was is kept.

``perfkit data build --force`` clears a foreign folder on the user's explicit request (links in
it are removed as links, never followed).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from perfkit.data.locking import LOCK_SUFFIX, make_lock_file
from perfkit.errors import DataError, UserError
from perfkit.files.reading import describe_os_error
from perfkit.files.writing import (
    OWNED_MARKER,
    read_owned,
    record_written,
    remove_file,
    remove_tree_owned,
)

MARKER = OWNED_MARKER  # the ownership marker every staged folder holds
LEGACY_MARKER = ".perfkit-built"  # the empty marker of earlier versions: proves nothing by itself
DATASET_KIND = "dataset"  # a finished folder a builder wrote (dataset or initial checkpoint)
STAGING_KIND = "staging"  # a <name>.partial folder being written
_MANIFEST = "manifest.json"
_MANIFEST_LIMIT = 16 << 20
_SHOWN = 5  # user files named in a refusal


def _legacy_files(folder: Path) -> frozenset[str] | None:
    """The files of a set built before the marker had content: its perfkit manifest.json's list
    (plus the manifest and the old empty marker). None when there is no such manifest."""
    manifest = folder / _MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(manifest).st_mode):
            return None
        with open(manifest, "rb") as handle:
            data = json.loads(handle.read(_MANIFEST_LIMIT + 1))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not str(data.get("builder", "")).startswith("perfkit."):
        return None
    files = data.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    names = set()
    for name in files:
        pure = PurePosixPath(name)
        if pure.is_absolute() or not pure.parts or any(p in ("", ".", "..") for p in pure.parts):
            return None
        names.add(pure.as_posix())
    return frozenset(names | {_MANIFEST, LEGACY_MARKER})


def built_files(folder: Path) -> frozenset[str] | None:
    """The files perfkit can prove it wrote in ``folder`` (relative POSIX paths), or None when
    it cannot prove it built the folder at all."""
    folder = Path(folder)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
    except OSError:
        return None
    manifest = read_owned(folder, kind=DATASET_KIND)
    if manifest is not None:
        return manifest.files
    return _legacy_files(folder)


def perfkit_built(folder: Path) -> bool:
    """Whether perfkit can prove it built ``folder`` (see :func:`built_files`)."""
    return built_files(folder) is not None


def _is_lock_file(entry: os.DirEntry) -> bool:
    return entry.name.startswith(".") and entry.name.endswith(LOCK_SUFFIX) and entry.is_file(follow_symlinks=False)


def foreign_entries(folder: Path, owned: frozenset[str], limit: int = 1000) -> list[str]:
    """Entries under ``folder`` perfkit cannot prove it wrote: files not in ``owned``, links and
    special files anywhere, and whatever is in a sub-folder that is neither listed nor a folder
    perfkit built itself. Links are listed, never followed. At most ``limit`` are returned."""
    out: list[str] = []

    def walk(current: Path, listed: frozenset[str], prefix: str, depth: int) -> None:
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            out.append(prefix or ".")
            return
        for entry in entries:
            if len(out) >= limit:
                return
            rel = entry.name
            if entry.is_symlink():
                out.append(prefix + rel)
            elif entry.is_dir(follow_symlinks=False):
                nested = built_files(Path(entry.path))
                if nested is not None:
                    walk(Path(entry.path), nested, f"{prefix}{rel}/", depth + 1)
                elif depth < 64:
                    inner = frozenset(n[len(rel) + 1 :] for n in listed if n.startswith(rel + "/"))
                    walk(Path(entry.path), inner, f"{prefix}{rel}/", depth + 1)
                else:
                    out.append(prefix + rel + "/")
            elif entry.is_file(follow_symlinks=False):
                if rel not in listed and rel != OWNED_MARKER and not _is_lock_file(entry):
                    out.append(prefix + rel)
            else:
                out.append(prefix + rel)  # a FIFO, a socket, a device

    walk(Path(folder), owned, "", 0)
    return out


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return ", ".join(names[:_SHOWN]) + more


def check_replaceable(final: Path, force: bool = False) -> None:
    """``final`` may be (re)written by perfkit: missing, an empty folder, a folder perfkit built
    that holds nothing else, or (``force``) any folder. A file, a symbolic link, a foreign folder
    or a perfkit folder holding files a user added is a DataError (one line, the files named)."""
    final = Path(final)
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
    if empty or force:
        return
    owned = built_files(final)
    if owned is None:
        raise DataError(
            f"{final} is not empty and is not a folder perfkit built (no {OWNED_MARKER} listing its files); "
            "choose an empty or new folder, or pass --force to replace it"
        )
    foreign = foreign_entries(final, owned)
    if foreign:
        raise DataError(
            f"{final} holds files perfkit did not write: {_shown(foreign)}; perfkit keeps them: move them "
            "away, choose another folder, or pass --force to replace the folder with them"
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


def check_build_target(final: Path, force: bool) -> Path:
    """Before ``perfkit data build``, writing nothing: refuse what may not be replaced or cannot
    be written. Returns the folder as an absolute path."""
    final = Path(final)
    try:
        final = final.expanduser().absolute()
        check_replaceable(final, force)
        check_creatable(final)
    except OSError as exc:  # e.g. a name over the OS limit
        raise DataError(f"cannot write {str(final)[:200]} ({describe_os_error(exc)})") from None
    return final


def clear_for_build(final: Path, force: bool) -> None:
    """Before ``perfkit data build``: refuse what may not be replaced or cannot be written; with
    ``force`` remove the folder the user asked to replace when perfkit cannot replace it on its
    own (a foreign folder, or one holding files a user added). perfkit's own are swapped later."""
    final = check_build_target(final, force)
    if not force or not final.is_dir() or final.is_symlink():
        return
    try:
        check_replaceable(final)
    except DataError:
        try:
            remove_tree_owned(final, final.parent, error=DataError)
        except UserError as exc:
            raise DataError(str(exc)) from None


def _written_files(staging: Path) -> list[str]:
    """Every regular file under ``staging`` (relative POSIX paths), links not followed: what
    the builder wrote into the folder perfkit created for it."""
    files = []
    for top, _dirs, names in os.walk(staging, followlinks=False):
        for name in names:
            path = Path(top, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                rel = path.relative_to(staging).as_posix()
                if rel != OWNED_MARKER:
                    files.append(rel)
    return sorted(files)


def _build_summary(staging: Path) -> dict:
    """builder and settings from the manifest.json a builder wrote (empty without one)."""
    try:
        data = json.loads((staging / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: data[key] for key in ("builder", "settings") if isinstance(data, dict) and key in data}


def remove_built(folder: Path) -> list[str]:
    """Remove what perfkit can prove it wrote in ``folder`` (nested perfkit folders too): only
    listed regular files, then folders left empty, the folder itself when nothing else is
    left. Returns what was kept (the user's entries); nothing is removed without proof."""
    folder = Path(folder)
    owned = built_files(folder)
    if owned is None:
        return foreign_entries(folder, frozenset())
    for entry in list(os.scandir(folder)):
        if entry.is_dir(follow_symlinks=False) and built_files(Path(entry.path)) is not None:
            remove_built(Path(entry.path))
        elif _is_lock_file(entry):
            remove_file(folder, entry.path)
    for name in sorted(owned):
        remove_file(folder, folder / name)
    remove_file(folder, folder / OWNED_MARKER)
    for top, dirs, _ in os.walk(folder, topdown=False, followlinks=False):
        for name in dirs:
            try:
                os.rmdir(Path(top, name))  # a link or a non-empty folder stays
            except OSError:
                pass
    kept = foreign_entries(folder, frozenset())
    try:
        os.rmdir(folder)
    except OSError:
        pass
    return kept


def _clear_stale_staging(staging: Path) -> None:
    """A ``<name>.partial`` left by a killed build is removed when its marker proves perfkit
    made it; anything else there is refused and kept."""
    if not os.path.lexists(staging):
        return
    if staging.is_symlink() or not staging.is_dir():
        raise DataError(f"{staging} exists and perfkit did not write it; move it away")
    if read_owned(staging, kind=STAGING_KIND) is None and read_owned(staging, kind=DATASET_KIND) is None:
        try:
            check_replaceable(staging)
        except DataError:
            raise DataError(f"{staging} exists and perfkit did not write it; move it away") from None
    try:
        remove_tree_owned(staging, staging.parent, error=DataError)
    except UserError as exc:
        raise DataError(str(exc)) from None


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield an empty ``<final>.partial`` to write into; when the block ends without an error it
    replaces ``final`` whole, with a marker listing every file written. ``final`` must be
    replaceable (:func:`check_replaceable`), checked before and again right before the swap.
    A failed build removes its partial folder. An OSError (disk full, name too long, no
    permission) becomes a DataError naming the folder."""
    final = Path(final)
    staging = final.with_name(final.name + ".partial")
    check_replaceable(final)
    _clear_stale_staging(staging)
    try:
        staging.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()  # exclusive: a build racing for the same folder fails here
        record_written(staging, [], kind=STAGING_KIND, root=staging.parent, error=DataError,
                       extra={"final": final.name, "pid": os.getpid()})
    except OSError as exc:
        raise DataError(f"cannot write {final} ({describe_os_error(exc)})") from None
    try:
        yield staging
        record_written(staging, _written_files(staging), kind=DATASET_KIND, root=staging.parent, error=DataError,
                       extra=_build_summary(staging))
        check_replaceable(final)  # a user may have added a file while the build ran
        old = final.with_name(f".{final.name[:200]}.old-{os.getpid()}")
        if os.path.lexists(final):
            final.rename(old)
        staging.rename(final)
        make_lock_file(final)  # so that every run reading it can hold it (perfkit.data.locking)
        if os.path.lexists(old):
            remove_built(old)  # checked above: only perfkit's files; a racing user file stays there
    except OSError as exc:
        _discard(staging)
        raise DataError(f"cannot write {final} ({describe_os_error(exc)})") from None
    except BaseException:
        _discard(staging)
        raise


def _discard(staging: Path) -> None:
    try:
        remove_tree_owned(staging, staging.parent, error=DataError)
    except (UserError, OSError):
        pass
