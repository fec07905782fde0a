"""Where the project's folders are: params/, notebooks/, reports/, data/.

The root is the first of: the PERFKIT_ROOT environment variable, the nearest folder above the
current directory that holds both params/ and notebooks/, the checkout the package was installed
from (editable installs). Nothing is cached, so a test can point PERFKIT_ROOT elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from perfkit.errors import UserError


def _is_root(path: Path) -> bool:
    return (path / "params").is_dir() and (path / "notebooks").is_dir()


def project_root() -> Path:
    env = os.environ.get("PERFKIT_ROOT")
    if env:
        root = Path(env).expanduser().resolve()
        if not _is_root(root):
            raise UserError(f"PERFKIT_ROOT={env} does not hold params/ and notebooks/")
        return root
    for candidate in [Path.cwd(), *Path.cwd().parents]:
        if _is_root(candidate):
            return candidate.resolve()
    installed_from = Path(__file__).resolve().parent.parent
    if _is_root(installed_from):
        return installed_from
    raise UserError(
        "cannot find the perfkit project folder (params/ and notebooks/): "
        "run from inside the checkout or set PERFKIT_ROOT"
    )


def params_dir() -> Path:
    return project_root() / "params"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def reports_dir() -> Path:
    return Path(os.environ.get("PERFKIT_REPORTS", project_root() / "reports")).resolve()


def data_cache_dir() -> Path:
    return Path(os.environ.get("PERFKIT_DATA", project_root() / "data")).resolve()


def resolve_under(base: Path, value: str) -> Path:
    """A user-given path: absolute as given, relative against `base`."""
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (base / path)
