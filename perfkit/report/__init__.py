"""Tables, plots and HTML for results: what the notebooks display and what gets published.

``perfkit.report.load(reports_dir=None)`` is the public results-as-data API: every run, repeat
and imported reference row as a pandas DataFrame of raw numbers (perfkit/report/frame.py,
docs/reports.md).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load"]


def __getattr__(name: str) -> Any:
    """``load`` on first use: importing a module of this package (a run imports its table titles)
    does not import pandas."""
    if name == "load":
        from perfkit.report.frame import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
