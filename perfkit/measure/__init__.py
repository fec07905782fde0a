"""Measuring, below everything that runs a model: the phase clock and its events (timers), the
metric arithmetic (pure functions from timings and counts to throughput, MFU, accuracy, ...)
and Python's garbage collector around a run (collector).
It imports nothing of perfkit's, so vendors, benchmarks, loops and reports all use it."""
