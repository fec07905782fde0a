"""Versioned result records: one JSON per run, written atomically, loaded many at a time."""

from perfkit.results.record import SCHEMA_VERSION, RunResult
from perfkit.results.store import load_result, load_results, write_json_atomic

__all__ = ["SCHEMA_VERSION", "RunResult", "load_result", "load_results", "write_json_atomic"]
