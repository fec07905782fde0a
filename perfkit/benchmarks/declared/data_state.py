"""The dataset a run would read, as it is on disk now, without the benchmark's module (torch):
for dry runs, which must tell "would skip" from "would run" without building anything."""

from __future__ import annotations

import json
from pathlib import Path

from perfkit import paths
from perfkit.data.hashing import MANIFEST, DataIdentity, identify
from perfkit.params.schema import RunParams


def _stale(folder: Path, wanted: dict | None) -> bool:
    """A folder perfkit built with other settings than ``wanted`` (the params' share of them)."""
    manifest = folder / MANIFEST
    if wanted is None or not manifest.is_file():
        return False
    try:
        built = json.loads(manifest.read_text(encoding="utf-8")).get("settings")
    except (ValueError, OSError, AttributeError):
        return False
    if not isinstance(built, dict):
        return True
    return any(built.get(key) != value for key, value in wanted.items())


def current_data(params: RunParams) -> DataIdentity | None:
    """The data folder's identity, or None when the run would (re)build it first or it is missing."""
    if not params.data_dir:
        return None
    folder = paths.resolve_under(paths.project_root(), params.data_dir)
    if not folder.is_dir() or (params.data_autobuild and _stale(folder, params.data_settings())):
        return None
    return identify(folder)
