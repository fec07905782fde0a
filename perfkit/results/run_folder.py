"""The run folder, its one owner: where a run's files live, how a run is published whole, and
how readers walk the published runs. Used on the host (perfkit.jobs) and by the readers
(perfkit.report); it never runs a benchmark.

Layout: ``reports/runs/<benchmark>/<vendor>/<config>/`` holds the first (or only) repeat;
repeat K >= 2 lives in its subfolder ``r<K>/``. Swapping a run folder keeps those subfolders.
Each folder holds ``result.json``, the executed ``notebook.ipynb`` and its ``report.html``.

A run folder is written in a hidden staging sibling, then swapped in (perfkit.jobs.publish
decides how); the swap carries over the repeat subfolders and any file of the user's (a name
perfkit does not write, RUN_FILES) from the folder it replaces. A published ok result is replaced
only by an ok run: any other ending of a later
run is kept beside it as an *attempt*, ``<run folder>/attempts/<UTC time>-<status>/`` (the
same three files), at most MAX_ATTEMPTS of them, newest kept; the next ok run drops them with
the result they were attempts against. Readers of published runs never see attempts as runs.

A notebook run from JupyterLab with its default parameters (not through ``perfkit run`` or
``perfkit suite``) is *interactive*: it writes to ``reports/interactive/<benchmark>/<vendor>/
<config>/<UTC time>/``, outside ``reports/runs``, so no reader of published runs sees it and it
never replaces a published result. Told to publish, it writes the published folder's
result.json after removing the report and notebook there, which described the run it replaces.

A writer killed at any moment leaves the visible folder complete (old or new) or, for a few
instructions, moved aside to a hidden ``.NAME.old-PID``; ``recover`` puts things back and
clears the debris before the next write. Readers skip hidden folders.

One writer per run folder: a writer holds ``locked(final)`` (an ``fcntl.flock`` on the hidden
``.NAME.lock`` beside the folder, which records the holder's pid, host and start) for its whole
execution; a second writer of the same folder is refused with a UserError naming the holder, or
waits for it. The kernel drops the lock when its holder dies, however it dies. ``recover``
additionally leaves alone the staging and moved-aside folders of a process that is still alive
on this host: only a dead writer's folders are debris.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import json
import os
import re
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import psutil

from perfkit import paths
from perfkit.errors import UserError
from perfkit.files import writing
from perfkit.results import vocabulary as vocab
from perfkit.results.store import RESULT_FILE, load_result

RUNS_DIR = "runs"
INTERACTIVE_DIR = "interactive"
NOTEBOOK_FILE = "notebook.ipynb"
HTML_FILE = "report.html"
ATTEMPTS_DIR = "attempts"
MAX_ATTEMPTS = 5
_REPEAT = re.compile(r"^r([2-9]|[1-9][0-9]+)$")
_ATTEMPT = re.compile(r"^(?P<time>[0-9]{8}T[0-9]{6}Z)(?:-(?P<n>[0-9]{1,3}))?-(?P<status>[a-z][a-z_-]{0,30})$")


def runs_root(reports: Path | None = None) -> Path:
    return (reports if reports is not None else paths.reports_dir()) / RUNS_DIR


def run_dir(benchmark: str, vendor: str, config: str, reports: Path | None = None) -> Path:
    """The folder of one run (its first repeat): result.json, the executed notebook and its HTML.
    The three are names (checked), and the folder is always under the reports tree."""
    names = [paths.safe_name(benchmark, "benchmark"), paths.safe_name(vendor, "vendor"), paths.safe_name(config, "config")]
    # the reports folder resolved (the user's choice may be a link); nothing below it: a link
    # inside the runs tree is refused where it is written (tree_root), never followed
    return runs_root(Path(reports).resolve() if reports is not None else None).joinpath(*names)


def interactive_dir(benchmark: str, vendor: str, config: str, reports: Path | None = None,
                    now: datetime | None = None) -> Path:
    """A new folder for one interactive run: ``reports/interactive/<b>/<v>/<c>/<UTC time>``
    (``20261129T233501Z``, then ``-2``, ``-3``… when that second is taken); created."""
    names = [paths.safe_name(benchmark, "benchmark"), paths.safe_name(vendor, "vendor"), paths.safe_name(config, "config")]
    reports = reports if reports is not None else paths.reports_dir()
    parent = paths.path_under(reports / INTERACTIVE_DIR, *names)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: no free folder for {stamp}")


def is_interactive(folder: Path, reports: Path | None = None) -> bool:
    """``folder`` is one interactive run's folder: ``reports/interactive/<b>/<v>/<c>/<time>``."""
    base = (reports if reports is not None else paths.reports_dir()) / INTERACTIVE_DIR
    try:
        parts = Path(folder).relative_to(base).parts
    except ValueError:
        return False
    return len(parts) == 4


def run_id(folder: Path, reports: Path) -> str:
    """``bert/cpu/smoke`` (or ``bert/cpu/smoke/r2``): a run folder relative to reports/runs."""
    return folder.relative_to(runs_root(reports)).as_posix()


def _published_shape(parts: tuple[str, ...]) -> bool:
    """Not hidden (staging, moved aside) and not inside a run folder's ``attempts/``."""
    return not any(part.startswith(".") for part in parts) and ATTEMPTS_DIR not in parts[3:-1]


def result_files(reports: Path) -> list[Path]:
    """Every published result.json under reports/runs, sorted: a run folder's or a repeat's;
    staging and moved-aside folders (hidden) and kept attempts are skipped."""
    root = runs_root(reports)
    _refuse_link(root)
    if not root.is_dir():
        return []
    # rglob does not descend into linked folders; a linked result.json is skipped too
    return sorted(p for p in root.rglob(RESULT_FILE) if _published_shape(p.relative_to(root).parts) and not p.is_symlink())


# -- attempts: later runs that did not end ok, kept beside a published ok result ---------------
def attempts_dir(final: Path) -> Path:
    return final / ATTEMPTS_DIR


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One kept attempt: its folder, the status it ended with, when it was kept (UTC)."""

    folder: Path
    status: str
    kept_at: str  # 20261207T013000Z

    @property
    def when(self) -> str:
        """2026-12-07 01:30 (UTC)."""
        t = self.kept_at
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]} {t[9:11]}:{t[11:13]}"


def attempts(final: Path) -> list[Attempt]:
    """The run folder's kept attempts, oldest first; folders perfkit did not name are ignored."""
    folder = attempts_dir(final)
    if folder.is_symlink() or not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _ATTEMPT.fullmatch(path.name)
        if match and path.is_dir() and not path.is_symlink():
            found.append((match["time"], int(match["n"] or 1), Attempt(path, match["status"], match["time"])))
    return [attempt for *_, attempt in sorted(found, key=lambda item: item[:2])]


def latest_attempt(final: Path) -> Attempt | None:
    kept = attempts(final)
    return kept[-1] if kept else None


def keep_as_attempt(staging: Path, final: Path, status: str, now: datetime | None = None) -> Path:
    """Move the staged folder to ``final/attempts/<UTC time>-<status>/``; drop the oldest
    attempts beyond MAX_ATTEMPTS. The attempt's folder."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    label = re.sub(r"[^a-z_-]", "-", status.lower())[:30] or vocab.FAILED
    parent = attempts_dir(final)
    _refuse_link(parent)
    parent.mkdir(exist_ok=True)
    for n in range(1, 1000):
        target = parent / (f"{stamp}-{label}" if n == 1 else f"{stamp}-{n}-{label}")
        if not target.exists():
            staging.rename(target)
            break
    else:
        raise FileExistsError(f"{parent}: no free folder for {stamp}")
    for old in attempts(final)[:-MAX_ATTEMPTS]:
        _remove_folder(old.folder)
    return target


def published_ok(final: Path) -> bool:
    """Whether ``final`` holds a readable ok result (the one a later run must not replace
    unless it ends ok too)."""
    path = final / RESULT_FILE
    try:
        return path.is_file() and load_result(path).status == vocab.OK
    except (ValueError, TypeError, OSError, AttributeError):
        return False


def repeat_dir(run_dir: Path, repeat: int) -> Path:
    """The folder of repeat ``repeat`` (1-based) of the run whose first repeat is ``run_dir``."""
    return run_dir if repeat == 1 else run_dir / f"r{repeat}"


def _repeat_subfolders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if _REPEAT.fullmatch(p.name) and p.is_dir() and not p.is_symlink()] \
        if folder.is_dir() and not folder.is_symlink() else []


# what perfkit writes into a run folder; anything else there is the user's and is kept
RUN_FILES = frozenset({RESULT_FILE, NOTEBOOK_FILE, HTML_FILE, "slurm.log", "telemetry.csv", ".progress.jsonl",
                       ATTEMPTS_DIR})


def _user_entries(folder: Path) -> list[Path]:
    if not folder.is_dir() or folder.is_symlink():
        return []
    return [p for p in folder.iterdir()  # hidden names: a writer's temporary files, not carried
            if p.name not in RUN_FILES and not p.name.startswith(".") and not _REPEAT.fullmatch(p.name)]


def _move_repeats(source: Path, target: Path) -> None:
    """Carry the repeat subfolders and the user's own files (names perfkit does not write) of
    ``source`` over to ``target``, where ``target`` has none of that name; links moved as links."""
    for sub in [*_repeat_subfolders(source), *_user_entries(source)]:
        if not (target / sub.name).exists() and not (target / sub.name).is_symlink():
            target.mkdir(parents=True, exist_ok=True)
            sub.rename(target / sub.name)


class RunFolderBusy(UserError):
    """Another process is writing the same run folder."""


# -- no link followed inside the runs tree -----------------------------------------------------
def tree_root(final: Path) -> Path:
    """The folder below which every component of ``final``'s path is perfkit's and must be a real
    folder: the reports folder for a run folder ``<reports>/runs/<b>/<v>/<c>`` (or its repeat
    ``.../r<K>``), else ``final``'s parent (a run written elsewhere: only it and its siblings)."""
    parts = Path(final).parts
    if len(parts) > 5 and parts[-4] == RUNS_DIR:
        return Path(*parts[:-4])
    if len(parts) > 6 and parts[-5] == RUNS_DIR and _REPEAT.fullmatch(parts[-1]):
        return Path(*parts[:-5])
    return Path(final).parent


def ensure_parent(final: Path) -> Path:
    """Create ``final``'s parent folders below its tree root, refusing a link or a file on the way
    (one line, exit 2), and refuse ``final`` itself when it is a link or not a folder."""
    root = tree_root(final)
    parent = writing.ensure_folder(root, *Path(final).parent.relative_to(root).parts)
    _refuse_link(final)
    return parent


def _refuse_link(path: Path) -> None:
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        kind = "a link" if path.is_symlink() else "not a folder"
        raise UserError(f"{path}: {kind}; perfkit does not follow links or replace files inside its run folders")


def _remove_folder(folder: Path) -> None:
    """Remove a folder perfkit made (a staging, moved-aside or attempt folder) without following
    a link: a link in its place is refused, links inside are removed as links."""
    writing.remove_tree_owned(folder, folder.parent)


def lock_file(final: Path) -> Path:
    return final.with_name(f".{final.name}.lock")


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8"))
        return f"pid {int(info['pid'])} on {str(info['host'])[:100]} since {str(info['started'])[:40]}"
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return "another process"


@contextlib.contextmanager
def locked(final: Path, wait: bool = False) -> Iterator[None]:
    """Hold the run folder ``final`` for one writer. Another holder: a RunFolderBusy naming it
    (``wait=False``) or wait until it ends (``wait=True``). A link on the way is refused."""
    ensure_parent(final)
    path = lock_file(final)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise UserError(f"run folder {final}: cannot open its lock file {path.name} ({exc.strerror})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise UserError(f"run folder {final}: cannot lock {path.name} ({exc.strerror})") from None
            raise RunFolderBusy(f"run folder {final} is being written by {_holder(fd)}; wait for it to end, "
                                f"or pass --wait-lock to wait") from None
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _writer_alive(folder: Path) -> bool:
    """Whether the process named in ``.NAME.KIND-PID`` is alive on this host (not us)."""
    pid_text = folder.name.rpartition("-")[2]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _debris(final: Path, kind: str) -> list[Path]:
    parent = final.parent
    found = sorted(parent.glob(f".{final.name}.{kind}-*")) if parent.is_dir() else []
    for path in found:  # a link here would make recovery move or delete what it points at
        _refuse_link(path)
    return [p for p in found if not _writer_alive(p)]


def recover(final: Path) -> None:
    """Undo what a killed writer left around ``final``: restore a folder moved aside, bring back
    repeat subfolders from staging, delete the rest. A live process's folders are left alone; a
    link in the place of any of them is refused (one line, exit 2), never followed."""
    _refuse_link(final)
    for old in _debris(final, "old"):
        if not final.exists():
            old.rename(final)
        else:
            _move_repeats(old, final)
            _remove_folder(old)
    for staging in _debris(final, "staging"):
        _move_repeats(staging, final)
        _remove_folder(staging)


def staging_path(final: Path) -> Path:
    """Where this process stages ``final`` (``new_staging`` creates it): known before anything
    is written, so a notebook's parameters can name it while the run is still being checked."""
    return final.with_name(f".{final.name}.staging-{os.getpid()}")


def new_staging(final: Path) -> Path:
    ensure_parent(final)
    recover(final)
    staging = staging_path(final)
    try:
        staging.mkdir()
    except FileExistsError:
        raise UserError(f"{staging}: already there (a link or a file?); perfkit does not write through it") from None
    return staging


def discard(staging: Path) -> None:
    _remove_folder(staging)


def swap_into_place(staging: Path, final: Path) -> None:
    """Make ``staging`` the run folder ``final``, keeping final's repeat subfolders."""
    _refuse_link(final)
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        _move_repeats(final, staging)
        final.rename(old)
    staging.rename(final)
    _remove_folder(old)
