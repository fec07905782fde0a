"""Find a vendor adapter by name: built-ins first, then the ``perfkit.vendors`` entry points."""

from __future__ import annotations

from importlib.metadata import entry_points

from perfkit.errors import VendorError
from perfkit.vendors.base import VendorAdapter
from perfkit.vendors.cpu import CpuVendor
from perfkit.vendors.iluvatar import IluvatarVendor
from perfkit.vendors.kunlunxin import KunlunxinVendor
from perfkit.vendors.nvidia import NvidiaVendor

ENTRY_POINT_GROUP = "perfkit.vendors"
BUILTIN: dict[str, type[VendorAdapter]] = {
    "cpu": CpuVendor,
    "nvidia": NvidiaVendor,
    "iluvatar": IluvatarVendor,
    "kunlunxin": KunlunxinVendor,
}


def _entry_point_classes() -> dict[str, object]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_vendors() -> list[str]:
    return sorted(set(BUILTIN) | set(_entry_point_classes()))


def get_vendor(name: str) -> VendorAdapter:
    """An adapter instance that has checked its software is present, or a VendorError."""
    cls: type[VendorAdapter] | None = BUILTIN.get(name)
    if cls is None:
        ep = _entry_point_classes().get(name)
        if ep is None:
            raise VendorError(f"unknown vendor '{name}'; allowed: {', '.join(available_vendors())}")
        try:
            cls = ep.load()  # type: ignore[union-attr]
        except Exception as exc:  # a broken third-party package
            raise VendorError(f"vendor '{name}': its entry point failed to load ({exc})") from None
        if not (isinstance(cls, type) and issubclass(cls, VendorAdapter)):
            raise VendorError(f"vendor '{name}': entry point is not a perfkit VendorAdapter subclass")
    adapter = cls()
    adapter.check_available()
    return adapter
