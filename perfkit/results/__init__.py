"""Versioned result records: one JSON per run, written atomically, loaded many at a time.

``perfkit.results.load(reports_dir=None)`` returns every run, repeat and imported reference row
as a pandas DataFrame of raw numbers (see perfkit/results/frame.py and docs/reports.md).
"""

from perfkit.results.frame import load
from perfkit.results.record import SCHEMA_VERSION, RunResult
from perfkit.results.store import load_result, load_results, write_json_atomic

__all__ = ["SCHEMA_VERSION", "RunResult", "load", "load_result", "load_results", "write_json_atomic"]
