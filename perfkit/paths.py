"""Where the project's folders are: params/, notebooks/, reports/, data/.

The project folder is the first of: the PERFKIT_ROOT environment variable (a folder holding
params/; notebooks/ is optional), the nearest folder above the current directory that holds
both params/ and notebooks/, the checkout the package was installed from (editable installs).

Outside any project folder (a wheel installed in a virtual environment, run from an empty
folder) the current directory is the working folder: reports/ and data/ are written under it,
and params and notebooks come from the copies packaged with perfkit (see
``perfkit.params.sources``, which also adds the files plug-ins ship). Nothing is cached, so a
test can point PERFKIT_ROOT elsewhere.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from perfkit.errors import UserError


def _is_root(path: Path) -> bool:
    return (path / "params").is_dir() and (path / "notebooks").is_dir()


def find_project_root() -> Path | None:
    """The project folder, or None when there is none (a wheel run outside a checkout)."""
    env = os.environ.get("PERFKIT_ROOT")
    if env:
        root = Path(env).expanduser().resolve()
        if not (root / "params").is_dir():
            raise UserError(f"PERFKIT_ROOT={env} does not hold a params/ folder")
        return root
    for candidate in [Path.cwd(), *Path.cwd().parents]:
        if _is_root(candidate):
            return candidate.resolve()
    installed_from = Path(__file__).resolve().parent.parent
    if _is_root(installed_from):
        return installed_from
    return None


def project_root() -> Path:
    """The project folder, or else the current directory: where relative data paths start and
    reports/ and data/ go."""
    return find_project_root() or Path.cwd().resolve()


def params_dir() -> Path:
    """The project's params/ folder (lookups go through perfkit.params.sources)."""
    return project_root() / "params"


def reports_dir() -> Path:
    return Path(os.environ.get("PERFKIT_REPORTS", project_root() / "reports")).resolve()


JOBS_DIR = "jobs"  # <reports>/jobs/: Slurm's job ledger, and the prepared runs that other processes load
PREPARED_DIR = "prepared"  # <reports>/jobs/prepared/: a Slurm job's prepared run, a multi-node run's for `perfkit join`


def data_cache_dir() -> Path:
    return Path(os.environ.get("PERFKIT_DATA", project_root() / "data")).resolve()


def resolve_under(base: Path, value: str) -> Path:
    """A user-given path: absolute as given, relative against `base`."""
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (base / path)


# -- names that become path components ---------------------------------------------------------
NAME_MAX = 128  # far below the OS limit (255 bytes), so a name plus a suffix always fits
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def safe_name(value: object, what: str) -> str:
    """``value`` if it can be one path component perfkit creates or looks up: letters, digits,
    ``_ - .``, not ``.`` or ``..``, not starting with ``-`` or ``.``, at most NAME_MAX characters.
    A UserError naming ``what`` otherwise (a config is a name, never a path)."""
    if not isinstance(value, str) or not value:
        raise UserError(f"{what}: must be a non-empty name (got {value!r:.60})")
    if len(value) > NAME_MAX:
        raise UserError(f"{what}: name of {len(value)} characters is too long (at most {NAME_MAX})")
    if not _SAFE_NAME.fullmatch(value) or value.startswith((".", "-")):
        raise UserError(
            f"{what}: {value!r:.80} is not a name; allowed: letters, digits, '_', '-', '.' "
            "(not first), no '/'"
        )
    return value


def path_under(root: Path, *parts: str) -> Path:
    """``root / parts``, resolved, refused (UserError) unless it stays inside ``root``."""
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        shown = "/".join(parts)
        raise UserError(f"path {shown!r:.120} would leave {base}; refused")
    return target
