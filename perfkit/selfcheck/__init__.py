"""Self-checks: perfkit measuring itself (``perfkit bench``): does the kit measure what the
hardware does, and add nothing? Not the benchmarks (those are perfkit.benchmarks). Runs on the
host, in the CLI process.

Each prints ratios measured side by side in one run. Tests never assert on these numbers.
"""
