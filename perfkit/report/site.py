"""`perfkit report`: execute notebooks/summary.ipynb over reports/ and publish reports/index.html."""

from __future__ import annotations

import os
from pathlib import Path

import papermill

from perfkit import paths
from perfkit.report.html import notebook_to_html

SUMMARY_NOTEBOOK = "summary.ipynb"
INDEX_FILE = "index.html"


def build_index(reports: Path | None = None, redacted: bool = False) -> Path:
    reports = (reports or paths.reports_dir()).resolve()
    reports.mkdir(parents=True, exist_ok=True)
    executed = reports / f".summary.{os.getpid()}.ipynb"
    try:
        papermill.execute_notebook(
            str(paths.notebooks_dir() / SUMMARY_NOTEBOOK),
            str(executed),
            parameters={"reports_dir": str(reports)},
            cwd=str(paths.project_root()),
            progress_bar=False,
            kernel_name="python3",
        )
        notebook_to_html(executed, reports / INDEX_FILE, redacted=redacted)
        os.replace(executed, reports / SUMMARY_NOTEBOOK)
    finally:
        executed.unlink(missing_ok=True)
    return reports / INDEX_FILE
