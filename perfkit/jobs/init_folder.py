"""``perfkit init DIR``: a working folder for a wheel user, and the notebooks' kernel.

Copies the benchmark and summary notebooks perfkit ships (the first file source that has them:
the project, a plug-in, the packaged copies) to ``DIR/notebooks/``, writes a ``DIR/params/``
overlay skeleton (a README and one example run config), and registers the Jupyter kernel the
notebooks name (``perfkit``, "Python (perfkit)") for the interpreter running perfkit.

Nothing is overwritten: when any file it would write exists, it refuses before writing
anything. Symlinks are never followed: DIR, the folders it makes and the files it writes must
not be links (files are created with O_EXCL | O_NOFOLLOW).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from perfkit.errors import UserError
from perfkit.params import sources

KERNEL_NAME = "perfkit"
KERNEL_DISPLAY = "Python (perfkit)"
EXAMPLE_CONFIG = ("bert", "cpu", "smoke")
OVERLAY_README = """# params/ overlay

Files here win over the packaged ones of the same path (perfkit.params.sources), when perfkit
runs with PERFKIT_ROOT pointing at this folder's parent (or from inside it):

    params/<benchmark>/<vendor>/<config>.yaml   run configs   (perfkit list configs)
    params/hardware/<name>.yaml                 hardware files
    params/suites/<name>.yaml                   suites        (perfkit list suites)

{example} is a copy of the packaged {packaged} to start from:

    PERFKIT_ROOT=$PWD perfkit run bert --vendor cpu --config my_smoke
"""


@dataclass(frozen=True)
class InitResult:
    written: list[Path]
    kernel: str  # where the kernel spec went, or "" when not registered


def _notebooks() -> list[Path]:
    for source in sources.file_sources():
        found = sorted(source.notebooks.glob("*.ipynb")) if source.notebooks.is_dir() else []
        if found:
            return found
    raise UserError("no notebooks found to copy (no project, plug-in or packaged notebooks/ folder)")


def _plan(target: Path) -> dict[Path, bytes]:
    """Every file init would write, relative to ``target``, with its content."""
    files = {Path("notebooks") / nb.name: nb.read_bytes() for nb in _notebooks()}
    benchmark, vendor, config = EXAMPLE_CONFIG
    packaged = sources.run_config_path(benchmark, vendor, config)
    example = Path("params") / benchmark / vendor / "my_smoke.yaml"
    files[example] = packaged.read_bytes()
    files[Path("params") / "README.md"] = OVERLAY_README.format(
        example=example.as_posix(), packaged=f"params/{benchmark}/{vendor}/{config}.yaml").encode()
    return files


def _refuse_links(target: Path, relative: list[Path]) -> None:
    """DIR, and every path below it that init would make or write, is not a symlink."""
    checked = {target}
    for rel in relative:
        path = target
        for part in rel.parts:
            path = path / part
            checked.add(path)
    for path in sorted(checked):
        if path.is_symlink():
            raise UserError(f"init: {path} is a symbolic link; init never follows links (nothing written)")


def _write_new(path: Path, content: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "wb") as file:
        file.write(content)


def init_folder(target: Path, kernel: str = "sys-prefix") -> InitResult:
    """Fill ``target`` (made when missing); ``kernel``: "sys-prefix" (this environment's
    Jupyter), "user" (~/.local/share/jupyter) or "none"."""
    if target.exists() and not target.is_dir() and not target.is_symlink():
        raise UserError(f"init: {target} is a file, not a folder (nothing written)")
    files = _plan(target)
    _refuse_links(target, list(files))
    existing = [rel.as_posix() for rel in files if (target / rel).exists()]
    if existing:
        raise UserError(f"init: {target} already has {', '.join(existing[:3])}"
                        f"{f' and {len(existing) - 3} more' if len(existing) > 3 else ''}; init never overwrites "
                        "(nothing written)")
    written = []
    for rel, content in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new(path, content)
        written.append(path)
    return InitResult(written, register_kernel(kernel))


def register_kernel(where: str) -> str:
    """Install the ``perfkit`` kernel spec for this interpreter (ipykernel); its folder, or ""."""
    if where == "none":
        return ""
    from ipykernel.kernelspec import install

    if where == "user":
        return install(user=True, kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY)
    return install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY, prefix=sys.prefix)
