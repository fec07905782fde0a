"""Versioned result records: one JSON per run, written atomically, and the run folders that hold
them. Imported on every side of the notebook boundary; imports nothing above it.
"""

from perfkit.results.record import SCHEMA_VERSION, RunResult
from perfkit.results.store import load_result, write_json_atomic

__all__ = ["SCHEMA_VERSION", "RunResult", "load_result", "write_json_atomic"]
