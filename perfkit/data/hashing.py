"""Content hashes of datasets, recorded in every result.

Builders write ``manifest.json`` with the sha256 of the data they wrote; a reader takes it from
there. A dataset without a manifest (a real download, hundreds of GB) gets a fingerprint instead:
the sha256 of every file's relative path, size and first MiB, labelled as such.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
_FINGERPRINT_BYTES = 1 << 20


@dataclass(frozen=True)
class DataIdentity:
    path: str
    content_hash: str
    method: str  # "manifest" (full content, by the builder) or "fingerprint"
    builder: str = ""
    builder_seed: int | None = None  # the seed the builder drew masks, pairs and splits with

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "hash": self.content_hash, "method": self.method, "builder": self.builder,
                "builder_seed": self.builder_seed}


def hash_files(root: Path, files: list[Path]) -> str:
    """sha256 over the relative path and full bytes of each file, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def fingerprint(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root)}\0{path.stat().st_size}\0".encode())
        with open(path, "rb") as handle:
            digest.update(handle.read(_FINGERPRINT_BYTES))
    return digest.hexdigest()


def write_manifest(root: Path, builder: str, settings: dict, files: list[Path]) -> str:
    content = hash_files(root, files)
    manifest = {"builder": builder, "settings": settings, "content_sha256": content,
                "files": sorted(str(p.relative_to(root)) for p in files)}
    (root / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return content


def identify(root: Path) -> DataIdentity:
    manifest = root / MANIFEST
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            seed = (data.get("settings") or {}).get("seed")
            return DataIdentity(str(root), data["content_sha256"], "manifest", data.get("builder", ""), seed)
        except (ValueError, KeyError):
            pass
    return DataIdentity(str(root), fingerprint(root), "fingerprint")
