"""Find a vendor adapter by name: built-ins first, then the ``perfkit.vendors`` entry points
(perfkit.plugins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from perfkit.errors import VendorError
from perfkit.plugins import Registry

if TYPE_CHECKING:  # `perfkit list vendors` does not import torch
    from perfkit.vendors.base import VendorAdapter

VENDORS = Registry(
    what="vendor",
    group="perfkit.vendors",
    builtins={
        "cpu": "perfkit.vendors.cpu:CpuVendor",
        "nvidia": "perfkit.vendors.nvidia:NvidiaVendor",
        "iluvatar": "perfkit.vendors.iluvatar:IluvatarVendor",
        "kunlunxin": "perfkit.vendors.kunlunxin:KunlunxinVendor",
    },
    base="perfkit.vendors.base:VendorAdapter",
    error=VendorError,
)
BUILTIN = VENDORS.builtins  # name -> "module:Class"


def available_vendors() -> list[str]:
    return VENDORS.names()


def vendor_class(name: str) -> type[VendorAdapter]:
    return VENDORS.load(name)


def get_vendor(name: str) -> VendorAdapter:
    """An adapter instance that has checked its software is present, or a VendorError."""
    adapter = vendor_class(name)()
    adapter.check_available()
    return adapter
