"""Vendor adapters: one per accelerator family, found by name (built in or via entry points)."""

from perfkit.vendors.registry import available_vendors, get_vendor


def __getattr__(name: str):  # noqa: ANN202 (VendorAdapter imports torch: only when asked for)
    if name == "VendorAdapter":
        from perfkit.vendors.base import VendorAdapter

        return VendorAdapter
    raise AttributeError(f"module 'perfkit.vendors' has no attribute {name!r}")

__all__ = ["VendorAdapter", "available_vendors", "get_vendor"]
