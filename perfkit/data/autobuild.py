"""Where a run's automatic build (``data_autobuild: true``) reads and writes its data.

Two configs may name the same ``data_dir`` with different builder settings (``seq_len`` 64 and
128). An autobuild never replaces data another config built: the folder is chosen by the
settings,

* ``data_dir`` itself when it is missing or empty, when perfkit built it with these settings,
  or when it holds data perfkit did not build (a real dataset: used as it is, never rebuilt);
* otherwise (perfkit built it with other settings) the sibling ``<data_dir>.<key>``, where the
  key names the main settings and a hash of all of them (``bert.seq64-v1000-3f2a9c1d0e``). It
  is built there once and found there again by every run with the same settings.

A build holds the folder's exclusive lock (perfkit.data.locking); a run holds a shared one for
as long as it lives, so nothing is built over data a run is reading. A run that finds a build of
its folder in progress waits for it, then looks again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from perfkit.data.locking import FolderLock
from perfkit.errors import DataError

WAIT_FOR_BUILD_S = 1800.0  # how long a run waits for another process building its data
_KEY_PARTS = (("seq_len", "seq"), ("vocab_size", "v"), ("image_size", "img"), ("max_documents", "docs"))

Settings = dict[str, Any]
SettingsOf = Callable[[Path], "Settings | None"]


def settings_key(settings: Settings) -> str:
    """A short, stable, readable name for ``settings``: its main values and a hash of all."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:10]
    parts = [f"{short}{settings[key]}" for key, short in _KEY_PARTS if isinstance(settings.get(key), int)]
    return "-".join([*parts, digest])


def keyed_folder(configured: Path, settings: Settings) -> Path:
    """``<configured>.<key>``, beside ``configured``."""
    return configured.with_name(f"{configured.name[:120]}.{settings_key(settings)}")


def _missing_or_empty(folder: Path) -> bool:
    if not os.path.lexists(folder):
        return True
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        return not any(folder.iterdir())
    except OSError:
        return False


def choose_folder(configured: Path, wanted: Settings, built_with: SettingsOf) -> Path:
    """The folder an autobuild with ``wanted`` settings uses (see the module text). ``built_with``
    says with which settings perfkit built a folder (None: perfkit did not build it)."""
    if _missing_or_empty(configured):
        return configured
    built = built_with(configured)
    if built is None or built == wanted:
        return configured
    return keyed_folder(configured, wanted)


def _check_keyed(folder: Path, configured: Path, wanted: Settings, built_with: SettingsOf) -> None:
    if folder != configured and built_with(folder) != wanted:
        raise DataError(
            f"{folder} holds data that was not built for these settings; perfkit keeps it: "
            f"move it away, or set data_dir to another folder"
        )


def autobuild(
    configured: Path,
    wanted: Settings,
    built_with: SettingsOf,
    build: Callable[[Path], object],
    wait_s: float = WAIT_FOR_BUILD_S,
) -> tuple[Path, FolderLock]:
    """Choose the folder for ``wanted``, build it with ``build(folder)`` when it is missing or
    empty (under the exclusive lock), and return it with a shared lock held on it, which the
    caller keeps for as long as it reads the data."""
    for _ in range(4):
        folder = choose_folder(configured, wanted, built_with)
        lock = FolderLock(folder, create_parent=True)
        if not _missing_or_empty(folder):
            lock.require(exclusive=False, wait_s=wait_s, doing="read it")
            if choose_folder(configured, wanted, built_with) == folder and not _missing_or_empty(folder):
                _check_keyed(folder, configured, wanted, built_with)
                return folder, lock
            lock.release()
            continue
        lock.require(exclusive=True, wait_s=wait_s, doing="build it")
        if choose_folder(configured, wanted, built_with) != folder or not _missing_or_empty(folder):
            lock.release()  # another process built something here while this one waited: look again
            continue
        try:
            build(folder)
        except BaseException:
            lock.discard()
            raise
        lock.require(exclusive=False, doing="read it")  # keep reading what was just built
        return folder, lock
    raise DataError(f"{configured}: the data folder kept changing while perfkit waited to use it; try again")


def hold_shared(folder: Path, wait_s: float = WAIT_FOR_BUILD_S) -> FolderLock:
    """A shared lock on ``folder`` for a run that reads it without building it; a build in
    progress is waited for."""
    return FolderLock(folder).require(exclusive=False, wait_s=wait_s, doing="read it")


def dataset_settings(folder: Path) -> Settings | None:
    """The builder settings of a dataset perfkit built (from its manifest.json); None when
    perfkit cannot prove it built ``folder``; ``{}`` when it did but recorded none."""
    from perfkit.data.hashing import read_manifest
    from perfkit.data.staging import perfkit_built

    if not perfkit_built(folder):
        return None
    manifest = folder / "manifest.json"
    if manifest.is_symlink() or not manifest.is_file():
        return {}
    data = read_manifest(folder)  # strict: a hostile manifest is one line (DataError), not "other settings"
    settings = (data or {}).get("settings")
    return settings if isinstance(settings, dict) else {}
