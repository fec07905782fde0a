"""Where the project's folders are: params/, notebooks/, reports/, data/.

The root is the first of: the PERFKIT_ROOT environment variable, the nearest folder above the
current directory that holds both params/ and notebooks/, the checkout the package was installed
from (editable installs). Nothing is cached, so a test can point PERFKIT_ROOT elsewhere.
"""

from __future__ import annotations

import os
import re
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


def run_dir(benchmark: str, vendor: str, config: str) -> Path:
    """The folder of one run: result.json, the executed notebook and its HTML; the three are
    names (checked), and the folder is always under the reports tree."""
    names = [safe_name(benchmark, "benchmark"), safe_name(vendor, "vendor"), safe_name(config, "config")]
    return path_under(reports_dir(), "runs", *names)


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
