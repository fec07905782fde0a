"""Writing inside perfkit's own trees (reports/, data/): no links followed, no special file
replaced, nothing deleted that perfkit cannot prove it wrote.

Every write below a *root* (the reports folder, a data folder) goes through these functions:

* each component below the root is opened with ``O_NOFOLLOW | O_DIRECTORY`` relative to the one
  above it, so a symbolic link or a file where a folder belongs is refused (one line naming the
  path), and a write never lands outside the root. The root itself is the user's choice and may
  be a link;
* a file is written to a temporary name in its own folder (``O_EXCL | O_NOFOLLOW``, fsync) and
  renamed over the target; a target that exists and is not a regular file (a link, a FIFO, a
  device, a socket, a folder) is refused, checked with ``lstat``;
* ownership is a marker *with content*, :data:`OWNED_MARKER`, listing the files perfkit wrote in
  that folder. :func:`remove_owned` deletes only regular files that manifest lists, keeps every
  other file (the user's), removes folders only when empty and never follows links. An empty,
  unreadable or foreign marker proves nothing;
* :func:`remove_tree_owned` removes a whole folder perfkit made itself (a staging folder): a link
  at the top is refused, links inside are removed as links, never followed.

Errors are raised as the caller's UserError subclass (default UserError), one line, exit 2.
Linux (``dir_fd`` support) is assumed, as everywhere perfkit runs.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from perfkit.errors import UserError
from perfkit.files.reading import describe_os_error

OWNED_MARKER = ".perfkit-owned.json"
"""The ownership marker: JSON ``{"tool": "perfkit", "kind", "files", "created"}``."""

MARKER_LIMIT = 16 << 20  # bytes of a marker perfkit reads
TOOL = "perfkit"

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _p(path: object) -> str:
    """A path for a one-line message: at most 300 characters."""
    text = str(path)
    return text if len(text) <= 300 else text[:300] + "..."


def _kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file (device, FIFO or socket)"


def _relative_parts(root: Path, path: Path | str, error: type[UserError]) -> tuple[str, ...]:
    """The components of ``path`` below ``root``, lexically (no link is resolved). ``path`` is
    either spelled with ``root`` in front (``root / "tables" / "a.csv"``, relative or absolute
    as ``root`` is), absolute under the root, or relative to the root (``"tables/a.csv"``).
    ``..``, empty names and NUL are refused."""
    raw = Path(path)
    if "\x00" in str(raw) or "\x00" in str(root):
        raise error(f"{_p(raw)!r}: a path may not hold a NUL character")
    root = Path(root)
    try:
        rel = raw.relative_to(root)  # spelled as root / ...
    except ValueError:
        if raw.is_absolute():
            try:
                rel = Path(os.path.abspath(raw)).relative_to(os.path.abspath(root))
            except ValueError:
                raise error(f"{_p(raw)}: outside {_p(root)}; perfkit writes only under {_p(root)}") from None
            if ".." in raw.parts:
                raise error(f"{_p(raw)}: '..' is not allowed in a path perfkit writes") from None
        else:
            rel = raw  # relative to the root
    if any(part in ("", ".", "..") for part in rel.parts):
        raise error(f"{_p(raw)}: '..' is not allowed in a path perfkit writes")
    return rel.parts


def _open_root(root: Path, create: bool, error: type[UserError]) -> int:
    try:
        if create:
            os.makedirs(root, exist_ok=True)
        return os.open(root, _DIR_FLAGS)
    except FileNotFoundError:
        raise _MissingFolder(f"{_p(root)}: no such folder") from None
    except NotADirectoryError:
        raise error(f"{_p(root)}: not a folder; cannot write under it") from None
    except OSError as exc:
        if exc.errno == errno.EEXIST:
            raise error(f"{_p(root)}: not a folder; cannot write under it") from None
        raise error(f"{_p(root)}: cannot write under it ({describe_os_error(exc)})") from None


class _MissingFolder(Exception):
    """A component below the root does not exist (and was not to be created)."""


def _open_child(parent_fd: int, name: str, shown: Path, create: bool, error: type[UserError]) -> int:
    """The folder ``name`` inside ``parent_fd`` (created when missing and ``create``), opened
    without following a link; a link or a non-folder is refused with one line naming ``shown``."""
    if create:
        try:
            os.mkdir(name, dir_fd=parent_fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise error(f"{_p(shown)}: cannot create ({describe_os_error(exc)})") from None
    try:
        return os.open(name, _DIR_FLAGS | _NOFOLLOW, dir_fd=parent_fd)
    except FileNotFoundError:
        raise _MissingFolder(f"{_p(shown)}: no such folder") from None
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            try:
                kind = _kind_of(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode)
            except OSError:
                kind = "not a folder"
            raise error(
                f"{_p(shown)}: {kind}, not a folder; perfkit does not follow links or replace files inside its trees"
            ) from None
        raise error(f"{_p(shown)}: cannot open ({describe_os_error(exc)})") from None


@contextmanager
def _folder_fd(root: Path, parts: Iterable[str], create: bool, error: type[UserError]) -> Iterator[int]:
    """A descriptor on ``root/parts...``, each component checked (see :func:`_open_child`). A
    missing component (when not ``create``) is ``error`` naming it, or :class:`_MissingFolder`
    for callers that treat a missing folder as nothing to do (see :func:`_existing_folder_fd`)."""
    try:
        with _existing_folder_fd(root, parts, create, error) as fd:
            yield fd
    except _MissingFolder as exc:
        raise error(str(exc)) from None


@contextmanager
def _existing_folder_fd(root: Path, parts: Iterable[str], create: bool, error: type[UserError]) -> Iterator[int]:
    root = Path(root)
    fd = _open_root(root, create, error)
    shown = root
    try:
        for part in parts:
            shown = shown / part
            child = _open_child(fd, part, shown, create, error)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def ensure_folder(root: Path | str, *parts: str, error: type[UserError] = UserError) -> Path:
    """Create ``root/parts...`` one component at a time and return it. The root is created when
    missing; every component below it must be a real folder (a link or a file is refused)."""
    root = Path(root)
    for part in parts:
        if not str(part) or Path(part).is_absolute():
            raise error(f"{_p(part)!r}: a folder name relative to {_p(root)} is required")
    rel = _relative_parts(root, root.joinpath(*parts), error)
    with _folder_fd(root, rel, create=True, error=error):
        pass
    return root.joinpath(*rel)


def check_folder(root: Path | str, path: Path | str, error: type[UserError] = UserError) -> Path:
    """``path`` (under ``root``) is an existing real folder reached without a link; returned as
    given. For tools that write on their own (nbconvert), checked right before they run."""
    rel = _relative_parts(Path(root), path, error)
    with _folder_fd(Path(root), rel, create=False, error=error):
        pass
    return Path(root).joinpath(*rel)


def check_folder_path(root: Path | str, path: Path | str, error: type[UserError] = UserError) -> Path:
    """Every component of ``path`` below ``root`` that exists is a real folder (not a link, not
    a file); missing ones are fine (a write creates them). Nothing is created. Returns
    ``root/<relative path>``."""
    root = Path(root)
    rel = _relative_parts(root, path, error)
    for depth in range(len(rel), -1, -1):  # the deepest existing folder, then checked from root
        try:
            with _existing_folder_fd(root, rel[:depth], create=False, error=error):
                break
        except _MissingFolder:
            continue
    return root.joinpath(*rel)


def check_target(root: Path | str, path: Path | str, error: type[UserError] = UserError) -> Path:
    """``path`` may be written by perfkit: its folders below ``root`` are real folders (no links)
    and it is missing or a regular file. Nothing is created. Returns ``root/<relative path>``."""
    root = Path(root)
    rel = _relative_parts(root, path, error)
    if not rel:
        raise error(f"{_p(path)}: a file name is required, not the folder {_p(root)}")
    shown = root.joinpath(*rel)
    try:
        with _existing_folder_fd(root, rel[:-1], create=False, error=error) as fd:
            _check_replaceable_file(fd, rel[-1], shown, error)
    except _MissingFolder:
        pass  # nothing there yet: the folders will be created by the write
    return shown


def _check_replaceable_file(dir_fd: int, name: str, shown: Path, error: type[UserError]) -> bool:
    """True if ``name`` exists (a regular file); refused if it exists as anything else."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise error(f"{_p(shown)}: cannot check ({describe_os_error(exc)})") from None
    if not stat.S_ISREG(mode):
        raise error(f"{_p(shown)}: {_kind_of(mode)}; perfkit replaces only a regular file it may write")
    return True


def _temp_name(name: str) -> str:
    return f".{name[:160]}.{secrets.token_hex(6)}.tmp"


def write_file_atomic(
    root: Path | str,
    path: Path | str,
    data: bytes | str,
    *,
    error: type[UserError] = UserError,
    create_folders: bool = True,
    mode: int = 0o666,
) -> Path:
    """Write ``data`` (str as UTF-8) to ``path`` under ``root`` so that nobody sees it half
    written: a temp file beside it (``O_EXCL | O_NOFOLLOW``, fsync), then ``os.replace``. Missing
    folders are created (unless ``create_folders`` is false); a link anywhere below the root, or
    a target that exists and is not a regular file, is refused. ``mode`` is masked by the umask,
    as for any new file. Returns ``root/<relative path>``."""
    root = Path(root)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    rel = _relative_parts(root, path, error)
    if not rel:
        raise error(f"{_p(path)}: a file name is required, not the folder {_p(root)}")
    shown = root.joinpath(*rel)
    name = rel[-1]
    with _folder_fd(root, rel[:-1], create=create_folders, error=error) as fd:
        _check_replaceable_file(fd, name, shown, error)
        temp = _temp_name(name)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            out = os.open(temp, flags, mode, dir_fd=fd)
        except OSError as exc:
            raise error(f"{_p(shown)}: cannot write ({describe_os_error(exc)})") from None
        try:
            try:
                view = memoryview(payload)
                while view:
                    written = os.write(out, view)
                    view = view[written:]
                os.fsync(out)
            finally:
                os.close(out)
            _check_replaceable_file(fd, name, shown, error)  # nothing special slipped in meanwhile
            os.replace(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        except OSError as exc:
            _unlink_quietly(fd, temp)
            raise error(f"{_p(shown)}: cannot write ({describe_os_error(exc)})") from None
        except BaseException:
            _unlink_quietly(fd, temp)
            raise
    return shown


def move_file_into(
    root: Path | str,
    source: Path | str,
    target: Path | str,
    *,
    error: type[UserError] = UserError,
) -> Path:
    """Rename a regular file perfkit just wrote (``source``, e.g. a tool's output beside the
    target) over ``target``; both under ``root``, no link below the root on either side, and the
    target missing or a regular file."""
    root = Path(root)
    src_rel = _relative_parts(root, source, error)
    dst_rel = _relative_parts(root, target, error)
    if not src_rel or not dst_rel:
        raise error(f"{_p(target)}: a file name is required")
    shown = root.joinpath(*dst_rel)
    with _folder_fd(root, src_rel[:-1], create=False, error=error) as src_fd:
        try:
            mode = os.stat(src_rel[-1], dir_fd=src_fd, follow_symlinks=False).st_mode
        except OSError as exc:
            raise error(f"{root.joinpath(*src_rel)}: cannot read ({describe_os_error(exc)})") from None
        if not stat.S_ISREG(mode):
            raise error(f"{root.joinpath(*src_rel)}: {_kind_of(mode)}, not a regular file")
        with _folder_fd(root, dst_rel[:-1], create=True, error=error) as dst_fd:
            _check_replaceable_file(dst_fd, dst_rel[-1], shown, error)
            try:
                os.replace(src_rel[-1], dst_rel[-1], src_dir_fd=src_fd, dst_dir_fd=dst_fd)
            except OSError as exc:
                raise error(f"{_p(shown)}: cannot write ({describe_os_error(exc)})") from None
    return shown


def remove_file(root: Path | str, path: Path | str, *, error: type[UserError] = UserError) -> bool:
    """Remove the regular file ``path`` under ``root`` (reached without links). A missing file is
    fine (False); anything else there (a link, a folder, a FIFO) is kept (False), never followed."""
    root = Path(root)
    rel = _relative_parts(root, path, error)
    if not rel:
        return False
    try:
        with _existing_folder_fd(root, rel[:-1], create=False, error=error) as fd:
            return _unlink_regular(fd, rel[-1])
    except (_MissingFolder, UserError):
        return False


def _unlink_regular(dir_fd: int, name: str) -> bool:
    try:
        if not stat.S_ISREG(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            return False
        os.unlink(name, dir_fd=dir_fd)
        return True
    except FileNotFoundError:
        return False


def _unlink_quietly(dir_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


# --- ownership -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnedManifest:
    """What a valid :data:`OWNED_MARKER` says: the kind of folder and the files perfkit wrote
    there (POSIX paths relative to the folder)."""

    kind: str
    files: frozenset[str]
    created: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Removal:
    """The outcome of :func:`remove_owned`: files removed, and files kept (the user's, or ones
    whose type changed since perfkit wrote them), relative to the folder."""

    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    folder_removed: bool = False


def _valid_relative(name: object) -> str | None:
    if not isinstance(name, str) or not name or len(name) > 4096 or "\x00" in name or "\\" in name:
        return None
    pure = PurePosixPath(name)
    if pure.is_absolute() or any(p in ("", ".", "..") for p in pure.parts) or str(pure) != name:
        return None
    if pure.parts[0] == OWNED_MARKER and len(pure.parts) == 1:
        return None
    return name


def _folder_rel(folder: Path | str, root: Path | str | None, error: type[UserError]) -> tuple[Path, tuple[str, ...]]:
    folder = Path(folder)
    if root is None:
        root = Path(os.path.abspath(folder)).parent
        return Path(root), (Path(os.path.abspath(folder)).name,)
    return Path(root), _relative_parts(Path(root), folder, error)


def _read_marker(dir_fd: int) -> OwnedManifest | None:
    try:
        fd = os.open(OWNED_MARKER, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0), dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            raw = handle.read(MARKER_LIMIT + 1)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > MARKER_LIMIT:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("tool") != TOOL:
        return None
    kind, files = data.get("kind"), data.get("files")
    if not isinstance(kind, str) or not kind or not isinstance(files, list):
        return None
    names = [_valid_relative(name) for name in files]
    if any(name is None for name in names):
        return None
    created = data.get("created")
    if not isinstance(created, str):
        created = ""
    extra = {k: v for k, v in data.items() if k not in ("tool", "kind", "files", "created")}
    return OwnedManifest(kind=kind, files=frozenset(n for n in names if n), created=created, extra=extra)


def read_owned(
    folder: Path | str,
    *,
    root: Path | str | None = None,
    kind: str | None = None,
    error: type[UserError] = UserError,
) -> OwnedManifest | None:
    """The manifest of ``folder`` if it holds a valid marker perfkit wrote (of ``kind`` when
    given), else None: no marker, an empty, foreign, oversized or malformed one, or a marker that
    is a link or not a regular file all prove nothing. ``root`` (default: the folder's parent) is
    where link checks start; a link or a file on the way gives None too."""
    base, rel = _folder_rel(folder, root, error)
    try:
        with _folder_fd(base, rel, create=False, error=error) as fd:
            manifest = _read_marker(fd)
    except UserError:
        return None
    if manifest is None or (kind is not None and manifest.kind != kind):
        return None
    return manifest


def is_owned(folder: Path | str, *, root: Path | str | None = None, kind: str | None = None) -> bool:
    """Whether ``folder`` holds a valid perfkit marker (of ``kind`` when given)."""
    return read_owned(folder, root=root, kind=kind) is not None


def record_written(
    folder: Path | str,
    files: Iterable[str | Path],
    *,
    kind: str = "output",
    root: Path | str | None = None,
    merge: bool = False,
    extra: dict | None = None,
    error: type[UserError] = UserError,
) -> OwnedManifest:
    """Write (atomically) ``folder``'s ownership marker listing ``files`` (relative to the folder,
    or absolute paths inside it). With ``merge`` the files of a valid marker of the same kind are
    kept in the list too. ``extra`` adds JSON fields (e.g. the build settings). The folder must be
    reachable from ``root`` (default: its parent) without links; it is created if missing."""
    base, rel = _folder_rel(folder, root, error)
    names: set[str] = set()
    for item in files:
        raw = Path(item)
        if raw.is_absolute() or raw.parts[: len(Path(folder).parts)] == Path(folder).parts:
            try:
                raw = Path(*_relative_parts(Path(folder), raw, error))
            except UserError:
                raise error(f"{_p(item)}: not inside {_p(folder)}; the manifest lists only files in its folder") from None
        name = _valid_relative(raw.as_posix())
        if name is None:
            raise error(f"{_p(item)}: not a plain relative file name inside {_p(folder)}")
        names.add(name)
    if merge:
        previous = read_owned(folder, root=root, kind=kind, error=error)
        if previous is not None:
            names |= previous.files
    created = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    body = {"tool": TOOL, "kind": kind, "files": sorted(names), "created": created}
    for key, value in (extra or {}).items():
        if key not in body:
            body[key] = value
    write_file_atomic(base, Path(base).joinpath(*rel, OWNED_MARKER), json.dumps(body, indent=1) + "\n", error=error)
    return OwnedManifest(kind=kind, files=frozenset(names), created=created, extra=dict(extra or {}))


def remove_owned(
    folder: Path | str,
    *,
    root: Path | str | None = None,
    kind: str | None = None,
    only: Iterable[str] | None = None,
    keep_marker: bool = False,
    error: type[UserError] = UserError,
) -> Removal:
    """Delete what ``folder``'s manifest proves perfkit wrote: regular files it lists (``only``
    those of them when given), never a link, a folder or a special file now at such a name.
    Folders left empty by that are removed (the folder itself too, once its marker is gone
    and nothing else is left). Every other file is kept and reported in ``Removal.kept``. No
    valid marker (or one of another ``kind``) removes nothing. With ``only`` or ``keep_marker``
    the marker is rewritten to list what remains."""
    result = Removal()
    base, rel = _folder_rel(folder, root, error)
    manifest = read_owned(folder, root=root, kind=kind, error=error)
    if manifest is None:
        return result
    chosen = set(manifest.files) if only is None else set(manifest.files) & {str(n) for n in only}
    with _folder_fd(base, rel, create=False, error=error) as top:
        for name in sorted(chosen):
            parts = PurePosixPath(name).parts
            try:
                with _folder_fd_at(top, parts[:-1]) as fd:
                    if _unlink_regular(fd, parts[-1]):
                        result.removed.append(name)
                    elif _exists(fd, parts[-1]):
                        result.kept.append(name)
            except OSError:
                result.kept.append(name)  # a link or a file where a folder was: not followed
        for name in sorted({str(PurePosixPath(n).parent) for n in result.removed}, key=lambda s: -s.count("/")):
            parts = PurePosixPath(name).parts if name != "." else ()
            for depth in range(len(parts), 0, -1):
                _rmdir_if_empty(top, parts[:depth])
        remaining = set(manifest.files) - set(result.removed)
        left = set(_listing(top, exclude={OWNED_MARKER}))
        if (only is not None and remaining) or keep_marker:
            body = {"tool": TOOL, "kind": manifest.kind, "files": sorted(remaining), "created": manifest.created}
            body.update({k: v for k, v in manifest.extra.items() if k not in body})
            write_file_atomic(base, Path(base).joinpath(*rel, OWNED_MARKER), json.dumps(body, indent=1) + "\n", error=error)
            result.kept = sorted(set(result.kept) | (left - remaining))
            return result
        _unlink_regular(top, OWNED_MARKER)
        result.kept = sorted(set(result.kept) | left)
    if rel:
        try:
            with _folder_fd(base, rel[:-1], create=False, error=error) as parent:
                os.rmdir(rel[-1], dir_fd=parent)
                result.folder_removed = True
        except (OSError, UserError):
            pass
    return result


@contextmanager
def _folder_fd_at(top: int, parts: tuple[str, ...]) -> Iterator[int]:
    fd = os.dup(top)
    try:
        for part in parts:
            child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _exists(dir_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        return True
    except OSError:
        return False


def _rmdir_if_empty(top: int, parts: tuple[str, ...]) -> None:
    try:
        with _folder_fd_at(top, parts[:-1]) as fd:
            os.rmdir(parts[-1], dir_fd=fd)
    except OSError:
        pass


def _listing(top: int, exclude: set[str], prefix: str = "", depth: int = 0) -> list[str]:
    """Relative names of every entry left under ``top`` (links and special files listed, not
    followed), at most a few thousand, for telling the user what was kept."""
    out: list[str] = []
    try:
        names = sorted(os.listdir(top))
    except OSError:
        return out
    for name in names:
        rel = f"{prefix}{name}"
        if rel in exclude:
            continue
        try:
            mode = os.stat(name, dir_fd=top, follow_symlinks=False).st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode) and depth < 32:
            try:
                with _folder_fd_at(top, (name,)) as fd:
                    inner = _listing(fd, exclude, rel + "/", depth + 1)
            except OSError:
                inner = []
            out.extend(inner or [rel + "/"])
        else:
            out.append(rel)
        if len(out) > 10_000:
            break
    return out


def user_files(folder: Path | str, *, root: Path | str | None = None, kind: str | None = None) -> list[str]:
    """Entries under ``folder`` that its manifest does not list (the user's), relative; every
    entry when there is no valid marker. A missing folder has none."""
    manifest = read_owned(folder, root=root, kind=kind)
    listed = set(manifest.files) if manifest else set()
    listed.add(OWNED_MARKER)
    base, rel = _folder_rel(folder, root, UserError)
    try:
        with _folder_fd(base, rel, create=False, error=UserError) as fd:
            return [name for name in _listing(fd, exclude=listed)]
    except UserError:
        return []


def remove_tree_owned(path: Path | str, root: Path | str, *, error: type[UserError] = UserError) -> bool:
    """Remove the whole folder ``path`` (under ``root``) that perfkit made itself, e.g. a staging
    folder. A link at the top (or anywhere on the way from ``root``) is refused; links inside are
    removed as links, never followed. A missing folder is fine (False)."""
    root = Path(root)
    rel = _relative_parts(root, path, error)
    if not rel:
        raise error(f"{_p(path)}: perfkit does not remove its root folder {_p(root)}")
    shown = root.joinpath(*rel)
    try:
        with _existing_folder_fd(root, rel[:-1], create=False, error=error) as parent:
            try:
                mode = os.stat(rel[-1], dir_fd=parent, follow_symlinks=False).st_mode
            except FileNotFoundError:
                return False
            if not stat.S_ISDIR(mode):
                raise error(f"{_p(shown)}: {_kind_of(mode)}, not a folder perfkit made; it is left as it is")
            if not shutil.rmtree.avoids_symlink_attacks:  # pragma: no cover - every Linux has it
                raise error(f"{_p(shown)}: this system cannot remove a folder without following links")
            try:
                shutil.rmtree(rel[-1], dir_fd=parent)
            except OSError as exc:
                raise error(f"{_p(shown)}: cannot remove ({describe_os_error(exc)})") from None
            return True
    except _MissingFolder:
        return False
