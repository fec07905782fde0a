"""Tables, plots and HTML for results: what the notebooks display and what gets published.

``perfkit.report.load(reports_dir=None)`` is the public results-as-data API: every run, repeat
and imported reference row as a pandas DataFrame of raw numbers (perfkit/report/frame.py,
docs/reports.md).
"""

from perfkit.report.frame import load

__all__ = ["load"]
