"""Vendor adapters: one per accelerator family, found by name (built in or via entry points)."""

from perfkit.vendors.base import VendorAdapter
from perfkit.vendors.registry import available_vendors, get_vendor

__all__ = ["VendorAdapter", "available_vendors", "get_vendor"]
