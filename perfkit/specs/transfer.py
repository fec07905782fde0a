"""Host-device and device-device copies: ``h2d`` and ``d2h`` (pinned or pageable host memory)
and ``p2p`` (card 0 to card 1 on one node).

Bytes moved = size (one direction), GB/s = size / seconds / 1e9, each repeat timed with the
vendor's device events. On the CPU there is no separate device memory: every case here returns
NotApplicable with that reason, never a number; ``p2p`` with fewer than two cards likewise.
"""

from __future__ import annotations

import torch

from perfkit.specs.result import CaseRefused, Measured, NotApplicable
from perfkit.specs.timing import Budget, rates, time_calls
from perfkit.specs.timing import measured as summarize
from perfkit.vendors.base import VendorAdapter

DEFAULT_BYTES = 1 << 30
HOST_MEMORY = ("pinned", "pageable")
CPU_REASON = "the CPU has no separate device memory: host and device are the same memory"


def _size(size_bytes: int, case: str) -> int:
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) or size_bytes < 1:
        raise CaseRefused(f"{case}: size_bytes must be a positive integer (got {size_bytes!r})")
    return size_bytes


def run_host_transfer(vendor: VendorAdapter, direction: str = "h2d", host_memory: str = "pinned",
                      size_bytes: int = DEFAULT_BYTES, budget: Budget | None = None,
                      local_rank: int = 0) -> Measured | NotApplicable:
    """GB/s of a host-to-device (``h2d``) or device-to-host (``d2h``) copy."""
    if direction not in ("h2d", "d2h") or host_memory not in HOST_MEMORY:
        raise CaseRefused(f"transfer: direction must be h2d or d2h and host memory one of {', '.join(HOST_MEMORY)} "
                          f"(got {direction!r}, {host_memory!r})")
    size = _size(size_bytes, direction)
    device = vendor.device(local_rank)
    if device.type == "cpu":
        return NotApplicable(direction, host_memory, CPU_REASON)
    budget = budget or Budget()
    host = torch.ones(size, dtype=torch.uint8, pin_memory=host_memory == "pinned")
    card = torch.ones(size, dtype=torch.uint8, device=device)
    pinned = host_memory == "pinned"

    def copy() -> None:
        if direction == "h2d":
            card.copy_(host, non_blocking=pinned)
        else:
            host.copy_(card, non_blocking=pinned)

    timing = time_calls(copy, vendor.create_event, vendor.synchronize, budget, direction)
    return summarize(direction, host_memory, [r / 1e9 for r in rates(size, timing)], "GB/s",
                     f"{'card.copy_(host)' if direction == 'h2d' else 'host.copy_(card)'} of {size} bytes, "
                     f"{host_memory} host memory, bytes moved = size, timed with {vendor.name} device events",
                     {"size_bytes": size, "warmup": budget.warmup, "min_seconds": budget.min_seconds}, timing)


def run_p2p(vendor: VendorAdapter, size_bytes: int = DEFAULT_BYTES, budget: Budget | None = None) -> Measured | NotApplicable:
    """GB/s of a copy from card 0 to card 1 of this node."""
    size = _size(size_bytes, "p2p")
    first = vendor.device(0)
    if first.type == "cpu":
        return NotApplicable("p2p", "intra-node", CPU_REASON + "; there is no second card")
    if vendor.device_count() < 2:
        return NotApplicable("p2p", "intra-node", f"{vendor.device_count()} card visible; p2p needs two")
    second = vendor.device(1)
    budget = budget or Budget()
    src = torch.ones(size, dtype=torch.uint8, device=first)
    dst = torch.empty(size, dtype=torch.uint8, device=second)
    vendor.device(0)  # time on card 0's stream

    def sync_both() -> None:
        vendor.device(1)
        vendor.synchronize()
        vendor.device(0)
        vendor.synchronize()

    timing = time_calls(lambda: dst.copy_(src, non_blocking=True), vendor.create_event, sync_both, budget, "p2p")
    return summarize("p2p", "intra-node", [r / 1e9 for r in rates(size, timing)], "GB/s",
                     f"dst.copy_(src) of {size} bytes from {first} to {second}, bytes moved = size, "
                     f"timed with {vendor.name} device events on {first}",
                     {"size_bytes": size, "warmup": budget.warmup, "min_seconds": budget.min_seconds}, timing)
