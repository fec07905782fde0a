"""Benchmarks of perfkit itself: does the kit measure what the hardware does, and add nothing?

Each prints ratios measured side by side in one run. Tests never assert on these numbers.
"""
