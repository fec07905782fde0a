"""A CPU run's "mem" is its process's peak resident memory since the loop's reset, as a card's
is since torch.cuda.reset_peak_memory_stats: what the process held before (the run's checks in
the same kernel building or scanning a dataset) does not count (perfkit.vendors.cpu)."""

from __future__ import annotations

import sys

import pytest

from perfkit.vendors.cpu import CpuVendor

MIB = 2**20


def _touched(mib: int) -> bytearray:
    block = bytearray(mib * MIB)
    block[::4096] = b"x" * len(range(0, len(block), 4096))  # every page resident
    return block


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reset is Linux's /proc/self/clear_refs")
def test_the_peak_counts_from_the_reset_not_from_the_process_start():
    vendor = CpuVendor()
    before_the_loop = _touched(300)
    del before_the_loop  # freed: the process's high-water mark keeps it
    lifetime = vendor.peak_memory_bytes()
    vendor.reset_peak_memory()
    at_reset = vendor.peak_memory_bytes()
    assert at_reset < lifetime - 200 * MIB
    during_the_loop = _touched(100)
    assert vendor.peak_memory_bytes() >= at_reset + 90 * MIB
    del during_the_loop
    assert vendor.peak_memory_bytes() >= at_reset + 90 * MIB  # a peak stays a peak
