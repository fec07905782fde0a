"""What notebooks/summary.ipynb calls to become reports/index.html."""

from __future__ import annotations

from pathlib import Path

from IPython.display import HTML

from perfkit import paths
from perfkit.report import index


def reports_folder(value: str = "") -> Path:
    return Path(value).resolve() if value else paths.reports_dir()


def runs(reports: Path):
    return index.load_runs(reports)


def runs_table(runs_found, reports: Path) -> HTML:
    return HTML(index.runs_table_html(runs_found, reports))


def performance(runs_found) -> HTML:
    return HTML(index.performance_sections_html(runs_found))
