"""Where params, hardware files, suites and notebooks come from.

Files are looked up in these places, in this order. The first one that holds the file wins:

1. **The project folder**, if there is one (see ``perfkit.paths``): its ``params/`` and
   ``notebooks/``. This is a checkout, or the folder named by PERFKIT_ROOT.
2. **Each installed plug-in**: a distribution that registers an entry point in
   ``perfkit.vendors``, ``perfkit.benchmarks`` or ``perfkit.backends``, and whose entry point's
   top-level package holds a folder named ``perfkit_files``. That folder is laid out like a
   project::

       <package>/perfkit_files/params/<benchmark>/<vendor>/<config>.yaml
       <package>/perfkit_files/params/hardware/<name>.yaml
       <package>/perfkit_files/params/suites/<name>.yaml
       <package>/perfkit_files/notebooks/<benchmark notebook>.ipynb

   Plug-ins are taken in order of distribution name, so the order does not depend on how they
   were installed.
3. **perfkit's packaged copies** (``perfkit/_files/params`` and ``perfkit/_files/notebooks``),
   which the wheel carries. A checkout has no such folder: it is its own project folder.

The project comes first, so a project can override any packaged or plug-in file. Names that
select files (benchmark, vendor, config, hardware, suite, notebook) are validated before they
touch the file system: letters, digits, ``_``, ``-`` and ``.``, starting with a letter, digit
or ``_``. A name is never a path. Only plug-ins installed as plain folders are searched (not
zipped ones), because papermill needs a real notebook file.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from perfkit import paths
from perfkit.errors import ParamsError, UserError
from perfkit.plugins import scan_entry_points

PLUGIN_GROUPS = ("perfkit.vendors", "perfkit.benchmarks", "perfkit.backends")
PLUGIN_FOLDER = "perfkit_files"
PACKAGED_FOLDER = "_files"


@dataclass(frozen=True)
class FileSource:
    """One place files come from: a folder that may hold ``params/`` and ``notebooks/``."""

    label: str  # "project", the plug-in's distribution name, or "perfkit"
    root: Path
    prefix: str  # how files from here are shown: "" for the project, "<label>:" otherwise

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    def show(self, path: Path) -> str | None:
        """``path`` as users see it, or None when it is not under this source."""
        try:
            return self.prefix + path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return None


def check_name(value: str, what: str) -> str:
    """``value`` if it is a plain name (``perfkit.paths.safe_name``: letters, digits, ``_ - .``,
    bounded length); a ParamsError naming ``what`` otherwise. A name is never a path."""
    try:
        return paths.safe_name(value, what)
    except UserError as exc:
        raise ParamsError(str(exc)) from None


def _folder(traversable) -> Path | None:
    """A resources folder as a real path, or None (zipped installs, missing folder)."""
    return traversable if isinstance(traversable, Path) and traversable.is_dir() else None


def plugin_sources() -> list[FileSource]:
    """Installed plug-ins that carry a ``perfkit_files`` folder, ordered by distribution name
    (found once per search path: perfkit.plugins.scan_entry_points, ``_plugin_sources.cache_clear``)."""
    return list(_plugin_sources(tuple(sys.path)))


@functools.cache
def _plugin_sources(search_path: tuple[str, ...]) -> tuple[FileSource, ...]:
    found: dict[str, FileSource] = {}
    for group in PLUGIN_GROUPS:
        for entry in scan_entry_points(search_path).get(group, ()):
            dist = entry.dist.name if entry.dist is not None else ""
            package = entry.module.split(".")[0]
            if package == "perfkit" or dist in found:
                continue
            try:
                folder = _folder(resources.files(package) / PLUGIN_FOLDER)
            except (ModuleNotFoundError, TypeError):
                continue
            if folder is not None:
                label = dist or package
                found[label] = FileSource(label, folder, f"{label}:")
    return tuple(found[name] for name in sorted(found))


def packaged_source() -> FileSource | None:
    folder = _folder(resources.files("perfkit") / PACKAGED_FOLDER)
    return FileSource("perfkit", folder, "perfkit:") if folder is not None else None


def file_sources() -> list[FileSource]:
    """Every place files come from, in lookup order. Only the plug-in scan is cached (per search path)."""
    sources = []
    root = paths.find_project_root()
    if root is not None:
        sources.append(FileSource("project", root, ""))
    sources.extend(plugin_sources())
    packaged = packaged_source()
    if packaged is not None:
        sources.append(packaged)
    return sources


def show(path: Path) -> str:
    """A file's name for messages and result.json: relative to the source that holds it."""
    for source in file_sources():
        shown = source.show(path)
        if shown is not None:
            return shown
    return str(path)


def _first(relative: tuple[str, ...], folder: str) -> Path | None:
    for source in file_sources():
        path = source.root.joinpath(folder, *relative)
        if path.exists() or path.is_symlink():
            # a file there may be a link: what it points at must stay under its source's folder
            try:
                paths.path_under(source.root / folder, *relative)
            except UserError as exc:
                raise ParamsError(str(exc)) from None
            return path
    return None


def _names(relative: tuple[str, ...], *, dirs: bool, suffix: str = ".yaml") -> list[str]:
    """The union over all sources of the folders (dirs) or ``*.yaml`` stems under params/..."""
    names: set[str] = set()
    for source in file_sources():
        folder = source.params.joinpath(*relative)
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if entry.name.startswith("."):
                continue
            if dirs and entry.is_dir():
                names.add(entry.name)
            elif not dirs and entry.is_file() and entry.name.endswith(suffix):
                names.add(entry.name[: -len(suffix)])
    return sorted(names)


def list_benchmarks() -> list[str]:
    """Benchmarks that have run configs somewhere (params/<benchmark>/)."""
    return [name for name in _names((), dirs=True) if name not in ("hardware", "suites")]


def run_config_path(benchmark: str, vendor: str, config: str) -> Path:
    """``params/<benchmark>/<vendor>/<config>.yaml`` from the first source that has it, or an
    error listing what exists at the level that is wrong."""
    check_name(benchmark, "benchmark")
    check_name(vendor, "vendor")
    check_name(config, "config")
    found = _first((benchmark, vendor, f"{config}.yaml"), "params")
    if found is not None:
        return found
    if benchmark not in list_benchmarks():
        raise ParamsError(
            f"unknown benchmark '{benchmark}' (no folder params/{benchmark}); "
            f"allowed: {', '.join(list_benchmarks()) or 'none'}"
        )
    vendors = _names((benchmark,), dirs=True)
    if vendor not in vendors:
        raise ParamsError(
            f"no run configs for vendor '{vendor}' in params/{benchmark}; allowed: {', '.join(vendors) or 'none'}"
        )
    configs = _names((benchmark, vendor), dirs=False)
    raise ParamsError(
        f"unknown config '{config}' for {benchmark}/{vendor} (no file params/{benchmark}/{vendor}/{config}.yaml); "
        f"allowed: {', '.join(configs) or 'none'}"
    )


def _params_yaml(folder: str, name: str, what: str, none: str = "") -> Path:
    """``params/<folder>/<name>.yaml`` from the first source that has it, or an error listing
    what exists (``none`` when nothing does)."""
    check_name(name, what)
    found = _first((folder, f"{name}.yaml"), "params")
    if found is None:
        raise ParamsError(
            f"unknown {what} '{name}' (no file params/{folder}/{name}.yaml); "
            f"allowed: {', '.join(_names((folder,), dirs=False)) or none}"
        )
    return found


def hardware_path(name: str) -> Path:
    return _params_yaml("hardware", name, "hardware")


def suite_path(name: str) -> Path:
    return _params_yaml("suites", name, "suite", none="none")


def notebook_path(filename: str) -> Path:
    """A notebook by file name (``bert_training.ipynb``) from the first source that has it."""
    check_name(filename, "notebook")
    found = _first((filename,), "notebooks")
    if found is None:
        places = ", ".join(f"{s.prefix}notebooks" for s in file_sources()) or "no project folder"
        raise ParamsError(f"notebook '{filename}' not found (looked in {places})")
    return found


def list_vendors(benchmark: str) -> list[str]:
    """Vendors that have run configs for ``benchmark`` (params/<benchmark>/<vendor>/)."""
    return _names((check_name(benchmark, "benchmark"),), dirs=True)


def list_configs(benchmark: str, vendor: str) -> list[str]:
    """Run configs of ``benchmark`` on ``vendor`` (params/<benchmark>/<vendor>/<config>.yaml)."""
    return _names((check_name(benchmark, "benchmark"), check_name(vendor, "vendor")), dirs=False)


def list_suites() -> list[str]:
    """Suites in params/suites/ of every source."""
    return _names(("suites",), dirs=False)
