"""Content hashes of datasets, recorded in every result.

The hash a result records is computed from the bytes the run reads: every data file under the
dataset folder (hidden files, such as the build marker, and ``manifest.json`` excepted), each
hashed whole with sha256, streamed, then combined over the sorted relative paths
(``method: "sha256 of the files read"``). A folder edited after it was built therefore records
the edited bytes, never the builder's hash; ``manifest_hash`` keeps what the builder wrote, and
``matches_build`` says whether the data is still what was built.

Hashing every byte stays cheap because each file's digest is cached, keyed by the file's
absolute path, size, modification and change times (ns) and inode: a file that changed in any
of them is hashed again. The cache is a hint only: unreadable, malformed or unwritable, it is
ignored. There is one cache file per dataset folder, in ``.hash-cache/`` under the data cache
folder (``PERFKIT_DATA``), named by a hash of the folder's path: a run reads its own dataset's
digests, not every dataset's. (One file for all of them had grown to 20,000 entries, 4.5 MB,
after a test session, and every run read and parsed it: ~0.1 s of each run's checks.) The
folder keeps the CACHE_FILES most recently written.

Builders write ``manifest.json`` (builder, settings, the sha256 of what they wrote); a manifest
is read strictly (bounded, a JSON object, bounded depth, finite numbers), or refused with one
line naming it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.errors import DataError
from perfkit.files.json_strict import loads_strict
from perfkit.files.reading import JSON_LIMIT, read_text_bounded

MANIFEST = "manifest.json"
METHOD = "sha256 of the files read"
CACHE_DIR = ".hash-cache"  # under the data cache folder: one <hash of the dataset's path>.json each
CACHE_FILES = 256  # dataset caches kept, the most recently written
CACHE_ENTRIES = 200_000  # files whose digests one dataset's cache keeps (about 40 MB; read up to 64 MiB)
_CACHE_NAME = re.compile(r"[0-9a-f]{32}\.json")
_BLOCK = 1 << 20


@dataclass(frozen=True)
class DataIdentity:
    path: str
    content_hash: str
    method: str  # METHOD: every data file, hashed whole
    builder: str = ""
    builder_seed: int | None = None  # the seed the builder drew masks, pairs and splits with
    manifest_hash: str | None = None  # what the builder recorded, when it built the folder
    files: int = 0  # how many files were hashed
    matches_build: bool | None = None  # the files are the builder's bytes (None: cannot tell)

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "hash": self.content_hash, "method": self.method, "files": self.files,
                "builder": self.builder, "builder_seed": self.builder_seed, "manifest_hash": self.manifest_hash,
                "matches_build": self.matches_build}


def hash_files(root: Path, files: list[Path]) -> str:
    """sha256 over the relative path and full bytes of each file, in sorted order (the
    builders' manifest format)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def write_manifest(root: Path, builder: str, settings: dict, files: list[Path]) -> str:
    content = hash_files(root, files)
    manifest = {"builder": builder, "settings": settings, "content_sha256": content,
                "files": sorted(str(p.relative_to(root)) for p in files),
                "file_sha256": {p.relative_to(root).as_posix(): _file_sha256(p) for p in files}}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return content


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The builder's manifest in ``root`` (None when there is none), strictly read: a
    DataError naming the file when it is not a bounded JSON object of the builder's shape."""
    path = root / MANIFEST
    if not path.is_file():
        return None
    shown = str(path)[:300]
    data = loads_strict(read_text_bounded(path, JSON_LIMIT, DataError, shown), shown, DataError)
    if not isinstance(data, dict):
        raise DataError(f"{shown}: a manifest must be a JSON object, got {type(data).__name__}")
    for key, kind in (("builder", str), ("content_sha256", str), ("settings", dict), ("files", list)):
        if key in data and not isinstance(data[key], kind):
            raise DataError(f"{shown}: key '{key}' must be {kind.__name__}, got {type(data[key]).__name__}")
    return data


def data_files(root: Path) -> list[Path]:
    """The files a reader of ``root`` may open: every regular file under it, hidden names (the
    build marker, staging debris) and the manifest excepted. Links are not followed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or (name == MANIFEST and Path(dirpath) == root):
                continue
            path = Path(dirpath) / name
            if path.is_file():
                out.append(path)
    return sorted(out)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


class _DigestCache:
    """File digests by (path, size, mtime_ns, ctime_ns, inode), in one JSON file per dataset."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list] = {}
        self.changed = False
        try:
            if path.is_file():
                data = loads_strict(read_text_bounded(path, 4 * JSON_LIMIT, DataError), str(path), DataError, 4)
                if isinstance(data, dict):
                    self.entries = {k: v for k, v in data.items() if isinstance(v, list) and len(v) == 5}
        except (DataError, OSError):
            self.entries = {}

    @staticmethod
    def _key(stat: os.stat_result) -> list:
        return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]

    def digest(self, path: Path) -> str:
        name = str(path.resolve())
        with open(path, "rb") as handle:
            key = self._key(os.fstat(handle.fileno()))
            cached = self.entries.get(name)
            if cached is not None and cached[:4] == key and isinstance(cached[4], str):
                return cached[4]
            digest = hashlib.sha256()
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
            after = self._key(os.fstat(handle.fileno()))
        value = digest.hexdigest()
        if after == key:  # not changed while being read: worth keeping
            self.entries.pop(name, None)
            self.entries[name] = [*key, value]
            self.changed = True
        return value

    def save(self) -> None:
        """Write the cache if a digest was added: without the files that are gone (a deleted
        dataset, a test's temporary folder), then the oldest beyond CACHE_ENTRIES; the cache
        folder then keeps its CACHE_FILES most recently written."""
        if not self.changed:
            return
        self.entries = {name: entry for name, entry in self.entries.items() if os.path.isfile(name)}
        while len(self.entries) > CACHE_ENTRIES:
            self.entries.pop(next(iter(self.entries)))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f"{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self.entries, handle)
            os.replace(tmp, self.path)
        except OSError:
            Path(locals().get("tmp", self.path.parent / ".none")).unlink(missing_ok=True)
            return
        _prune_caches(self.path.parent, CACHE_FILES)


def cache_file(root: Path, cache_dir: Path | None = None) -> Path:
    """Where the digests of the files under dataset folder ``root`` are cached."""
    folder = (cache_dir if cache_dir is not None else paths.data_cache_dir()) / CACHE_DIR
    return folder / f"{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:32]}.json"


def _prune_caches(folder: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently written dataset caches in ``folder`` (only
    files named as perfkit names them; nothing followed through a link)."""
    try:
        found = [(entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(folder)
                 if _CACHE_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    for _, path in sorted(found, reverse=True)[keep:]:
        Path(path).unlink(missing_ok=True)


def file_digests(root: Path, files: list[Path], cache_dir: Path | None = None) -> dict[str, str]:
    """Relative path -> sha256 of the file's bytes, for each of ``files``; digests cached in the
    dataset's own cache file (``cache_file``) under ``cache_dir`` (the data cache folder unless
    given)."""
    cache = _DigestCache(cache_file(root, cache_dir))
    out = {path.relative_to(root).as_posix(): cache.digest(path) for path in sorted(files)}
    cache.save()
    return out


def combine(digests: dict[str, str]) -> str:
    """One sha256 over (relative path, file digest) pairs, sorted by path."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        digest.update(f"{name}\0{digests[name]}\n".encode())
    return digest.hexdigest()


def identify(root: Path, files: list[Path] | None = None) -> DataIdentity:
    """The identity of the data under ``root`` as it is now: the hash of ``files`` (the files
    the reader opens; every data file under ``root`` unless given), and the builder's record."""
    manifest = read_manifest(root)
    files = data_files(root) if files is None else sorted(files)
    if not files:
        raise DataError(f"data folder {root} holds no data files")
    try:
        digests = file_digests(root, files)
    except OSError as exc:
        raise DataError(f"{root}: cannot read the data to hash it ({exc.strerror or type(exc).__name__})") from None
    combined = combine(digests)
    if manifest is None:
        return DataIdentity(str(root), combined, METHOD, files=len(files))
    built = manifest.get("content_sha256")
    recorded = manifest.get("file_sha256")
    matches = None
    if isinstance(recorded, dict):
        # every file the builder wrote is there with its bytes (files added since, such as an
        # initial checkpoint, are in the hash but do not make the build's files different)
        matches = all(digests.get(name) == value for name, value in recorded.items())
    seed = (manifest.get("settings") or {}).get("seed")
    return DataIdentity(str(root), combined, METHOD, manifest.get("builder", ""),
                        seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                        built if isinstance(built, str) else None, len(files), matches)
