"""One registry shape for every plug-in kind (benchmarks, inference backends, vendors), and
the optional dependencies (pyproject extras) perfkit imports only where they are used.

A registry maps names to classes: the built-ins (``"module:Class"`` strings, imported only when
asked for, so that ``perfkit --help`` stays fast) and the entry points of its group, which other
packages declare in their pyproject.toml::

    [project.entry-points."perfkit.vendors"]
    acme = "acme_perfkit.vendor:AcmeVendor"

Groups: ``perfkit.benchmarks``, ``perfkit.backends``, ``perfkit.vendors``. A built-in name wins
over an entry point of the same name. Imported on every side of the notebook boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType

from perfkit.errors import UserError


@dataclass(frozen=True)
class Registry:
    """``what``: the plug-in kind as messages name it ("vendor"); ``base``: the class(es) a
    plug-in must subclass; ``error``: the UserError subclass raised; ``key``: the params key that
    names the plug-in, when there is one (messages then start with it)."""

    what: str
    group: str
    builtins: dict[str, str]
    base: type | tuple[type, ...]
    error: type[UserError] = UserError
    key: str = ""
    sort: bool = True  # list names sorted (else built-ins in their order, then entry points)

    def _entry_points(self) -> dict[str, EntryPoint]:
        return {ep.name: ep for ep in entry_points(group=self.group)}

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
            module, _, attr = target.partition(":")
            return getattr(import_module(module), attr)
        ep = self._entry_points().get(name)
        if ep is None:
            raise self._fail(f"unknown {self.what} '{name}'; allowed: {', '.join(self.names())}")
        try:
            cls = ep.load()
        except Exception as exc:  # a broken third-party package
            raise self._fail(f"{self.what} '{name}': its entry point failed to load ({exc})") from None
        if not (isinstance(cls, type) and issubclass(cls, self.base)):
            bases = self.base if isinstance(self.base, tuple) else (self.base,)
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
