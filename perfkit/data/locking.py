"""Locks on a data folder, so that a build never pulls data out from under a run.

A run holds a *shared* lock on its data folder (and on an initial checkpoint it loads) for as
long as it lives; a build (``perfkit data build``, or a run's autobuild) takes an *exclusive*
one. The lock is ``flock(2)`` on a small file beside the folder, ``<parent>/.<name>.perfkit-lock``
(beside, not inside, because a build swaps the folder itself). The kernel drops it when the
process ends, however it ends, so a killed run leaves nothing to clean up.

Only a build creates the lock file (perfkit.data.staging makes one beside every folder it
builds); a run takes the lock when the file is there and writes nothing otherwise, so a refused run leaves no trace. Where the
lock file cannot be created (a read-only mount holding a real dataset), there is nothing perfkit
could rebuild there either: the lock is then not taken. A lock file that is a
link or not a regular file is refused (DataError), never followed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

from perfkit.errors import DataError

LOCK_SUFFIX = ".perfkit-lock"
POLL_SECONDS = 0.2


def lock_path(folder: Path) -> Path:
    """``<parent>/.<name>.perfkit-lock`` for the data folder ``folder``."""
    folder = Path(folder)
    return folder.parent / f".{folder.name[:200]}{LOCK_SUFFIX}"


def make_lock_file(folder: Path) -> None:
    """Create the (empty) lock file of a folder perfkit just built, if it is not there; never
    through a link. Failure is harmless: a run then reads the folder without a lock."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
    with contextlib.suppress(OSError):
        os.close(os.open(lock_path(folder), flags, 0o666))


class FolderLock:
    """A shared or exclusive lock on a data folder (see the module text). Not re-entrant: one
    object per holder; ``release`` (or the object's end, or the process's) lets go."""

    def __init__(self, folder: Path, create_parent: bool = False) -> None:
        """``create_parent``: make the folders above ``folder`` for the lock file (a build that
        is about to create them anyway); otherwise a missing parent means there is nothing to
        lock (no folder there to protect), and no lock is taken."""
        self.folder = Path(folder)
        self.create_parent = create_parent
        self.path = lock_path(self.folder)
        self._fd: int | None = None
        self.created = False  # this object made the lock file
        self.mode: str = ""  # "", "shared" or "exclusive"

    def _open(self, create: bool) -> int | None:
        if not self.folder.name or self.folder.name in (".", ".."):
            return None
        flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | os.O_NONBLOCK
        try:
            if create:
                if self.create_parent:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    fd = os.open(self.path, flags | os.O_CREAT | os.O_EXCL, 0o666)
                    self.created = True
                except FileExistsError:
                    fd = os.open(self.path, flags)
            else:
                fd = os.open(self.path, flags)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise DataError(f"{self.path}: a symbolic link; perfkit's lock file must be a regular file") from None
            # missing (a reader: nothing was built here with a lock, so none to take) or read-only
            return None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise DataError(f"{self.path}: not a regular file; perfkit's lock file must be one")
        return fd

    def acquire(self, exclusive: bool, wait_s: float = 0.0) -> bool:
        """Take (or convert to) the lock; wait up to ``wait_s`` seconds for other holders. False
        when the lock could not be taken in time; True when held, or when there is no lock to
        take (``self.mode`` stays "" then). Only a builder (``exclusive``) creates the lock
        file; a reader never writes anything, so a refused run leaves no trace."""
        if self._fd is None:
            self._fd = self._open(create=exclusive)
            if self._fd is None:
                return True
        operation = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        deadline = time.monotonic() + max(0.0, wait_s)
        while True:
            try:
                fcntl.flock(self._fd, operation | fcntl.LOCK_NB)
                self.mode = "exclusive" if exclusive else "shared"
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(POLL_SECONDS)

    def discard(self) -> None:
        """Release, and remove the lock file when this object created it (a build that failed
        leaves nothing behind)."""
        created, self.created = self.created, False
        self.release()
        if created:
            with contextlib.suppress(OSError):
                self.path.unlink()

    def require(self, exclusive: bool, wait_s: float = 0.0, doing: str = "") -> Self:
        """:meth:`acquire` or a DataError naming the folder and what holds it."""
        if not self.acquire(exclusive, wait_s):
            holder = "a running run or another build" if exclusive else "a build"
            what = f" to {doing}" if doing else ""
            raise DataError(
                f"{self.folder} is in use by {holder} (lock {self.path.name}); cannot lock it{what}; "
                "try again when it has ended"
            )
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)  # closing drops the flock
            finally:
                self._fd = None
                self.mode = ""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self, _close: Callable[[int], None] = os.close) -> None:
        """A lock held by a benchmark object ends with it. ``os.close`` is bound here, when the
        class is made: at the interpreter's exit this module's globals (``os``, ``contextlib``)
        may be gone before the object is, which printed "Exception ignored in ... __del__"."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                _close(fd)  # closing drops the flock
            except OSError:
                pass
