"""One registry shape for every plug-in kind (benchmarks, inference backends, vendors), and
the optional dependencies (pyproject extras) perfkit imports only where they are used.

A registry maps names to classes: the built-ins (``"module:Class"`` strings, imported only when
asked for, so that ``perfkit --help`` stays fast) and the entry points of its group, which other
packages declare in their pyproject.toml::

    [project.entry-points."perfkit.vendors"]
    acme = "acme_perfkit.vendor:AcmeVendor"

Groups: ``perfkit.benchmarks``, ``perfkit.backends``, ``perfkit.vendors``. A built-in name wins
over an entry point of the same name. Imported on every side of the notebook boundary.

Entry points are read once per process and search path (:func:`group_entry_points`): reading
them opens every installed distribution's metadata, and a suite of thousands of runs asks for
them many times per run. ``scan_entry_points.cache_clear()`` forgets the scan (tests).
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module, metadata
from importlib.metadata import EntryPoint
from types import MappingProxyType, ModuleType

from perfkit.errors import UserError

GROUP_PREFIX = "perfkit."  # every group perfkit reads: perfkit.vendors, perfkit.benchmarks, ...
_NAME_HEADER = re.compile(r"^Name:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)


def distribution_name(dist: metadata.Distribution) -> str:
    """The normalized name of an installed distribution (``PyYAML`` -> ``pyyaml``), from the
    ``Name`` header of its metadata. The headers end at the file's first blank line; only they
    are read here, where ``dist.metadata`` parses the whole file as an e-mail message (~0.4 ms a
    distribution: 0.07 s of every command's start with 166 of them, against 0.02 s)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    found = _NAME_HEADER.search(text.split("\n\n", 1)[0])
    name = found.group(1) if found else (dist.metadata["Name"] or "")
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.cache
def scan_entry_points(search_path: tuple[str, ...]) -> Mapping[str, tuple[EntryPoint, ...]]:
    """Every entry point of perfkit's groups (``perfkit.*``) in the distributions found on
    ``search_path``, by group; a distribution installed twice counts once (the first on the path
    wins, as for imports, even where that copy declares none)."""
    grouped: dict[str, list[EntryPoint]] = {}
    seen: set[str] = set()
    for dist in metadata.distributions(path=list(search_path)):
        name = distribution_name(dist)
        if name in seen:
            continue
        seen.add(name)
        for ep in dist.entry_points:
            if ep.group.startswith(GROUP_PREFIX):
                grouped.setdefault(ep.group, []).append(ep)
    return MappingProxyType({group: tuple(eps) for group, eps in grouped.items()})


def group_entry_points(group: str) -> tuple[EntryPoint, ...]:
    """The entry points of ``group`` on the current ``sys.path`` (cached per search path)."""
    return scan_entry_points(tuple(sys.path)).get(group, ())


def _resolve_class(target: str) -> type:
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


@dataclass(frozen=True)
class Registry:
    """``what``: the plug-in kind as messages name it ("vendor"); ``base``: the class(es) a
    plug-in must subclass; ``error``: the UserError subclass raised; ``key``: the params key that
    names the plug-in, when there is one (messages then start with it)."""

    what: str
    group: str
    builtins: dict[str, str]
    base: type | tuple[type, ...] | str | tuple[str, ...]  # "module:Class" strings are imported when a plug-in is checked
    error: type[UserError] = UserError
    key: str = ""
    sort: bool = True  # list names sorted (else built-ins in their order, then entry points)

    def _entry_points(self) -> dict[str, EntryPoint]:
        found: dict[str, EntryPoint] = {}
        for ep in group_entry_points(self.group):
            found.setdefault(ep.name, ep)
        return found

    def _bases(self) -> tuple[type, ...]:
        bases = self.base if isinstance(self.base, tuple) else (self.base,)
        return tuple(_resolve_class(b) if isinstance(b, str) else b for b in bases)

    def names(self) -> list[str]:
        extra = [name for name in sorted(self._entry_points()) if name not in self.builtins]
        names = [*self.builtins, *extra]
        return sorted(names) if self.sort else names

    def _fail(self, message: str) -> UserError:
        return self.error(f"key '{self.key}': {message}" if self.key else message)

    def load(self, name: str) -> type:
        """The class registered as ``name``, or a UserError listing the allowed names."""
        target = self.builtins.get(name)
        if target is not None:
            return _resolve_class(target)
        ep = self._entry_points().get(name)
        if ep is None:
            raise self._fail(f"unknown {self.what} '{name}'; allowed: {', '.join(self.names())}")
        try:
            cls = ep.load()
        except Exception as exc:  # a broken third-party package
            raise self._fail(f"{self.what} '{name}': its entry point failed to load ({exc})") from None
        bases = self._bases()
        if not (isinstance(cls, type) and issubclass(cls, bases)):
            allowed = " or ".join(b.__name__ for b in bases)
            raise self._fail(f"{self.what} '{name}': entry point is not a perfkit {allowed} subclass")
        return cls


# -- optional dependencies (pyproject extras) ------------------------------------------------
# Imported only where used, with a one-line hint naming the extra when one is missing.
# module -> (extra, what needs it)
EXTRAS = {
    "onnxruntime": ("onnx", "the onnxruntime inference backend"),
    "onnx": ("onnx", "ONNX export"),
    "sklearn.datasets": ("datasets", "the digits dataset builder (scikit-learn)"),
    "pynvml": ("nvidia", "NVIDIA telemetry (nvidia-ml-py)"),
}


class MissingExtra(UserError):
    """An optional dependency is not installed."""


def require(module: str) -> ModuleType:
    """``module`` imported, or a MissingExtra naming the extra that installs it."""
    try:
        return import_module(module)
    except ImportError:
        extra, purpose = EXTRAS[module]
        raise MissingExtra(f"{purpose} needs the '{extra}' extra: pip install 'perfkit[{extra}]' "
                           f"(module {module} is missing)") from None
